from __future__ import annotations

import pytest
from pydantic import ValidationError

from smartdist_dispatch.optimize.schemas import OptimizeRequest


def request(**changes) -> dict:
    body = {
        "metric": "euclidean",
        "depot": {"location": [0, 0], "time_window": [0, 100]},
        "fleet": {"count": 2, "capacity": 10},
        "jobs": [{"id": "a", "location": [1, 1], "demand": 1, "time_window": [0, 50], "service": 1}],
        "objective": "distance",
        "time_limit_s": 1,
    }
    body.update(changes)
    return body


def test_contract_example_is_accepted():
    parsed = OptimizeRequest.model_validate(request())
    assert parsed.fleet.count == 2 and parsed.jobs[0].time_window == [0, 50]


@pytest.mark.parametrize(
    "changes",
    [
        {"unexpected": 1},
        {"vehicles": [{"id": 1, "capacity": 5}]},  # both vehicles and fleet
        {"fleet": None},  # neither
        {"metric": "manhattan"},
        {"objective": "cost"},
        {"time_limit_s": 0},
        {"depot": {"location": [0, 0], "time_window": [10, 5]}},
        {"jobs": [{"id": "a", "location": [1, 1, 1]}]},
        {"jobs": [{"id": "a", "location": [1, 1]}, {"id": "a", "location": [2, 2]}]},
        {"jobs": [{"id": "a", "location": [1, 1], "demand": -1}]},
        {"jobs": [{"id": "a", "location": [1, 1], "colour": "red"}]},
    ],
)
def test_malformed_requests_are_rejected(changes):
    with pytest.raises(ValidationError):
        OptimizeRequest.model_validate(request(**changes))

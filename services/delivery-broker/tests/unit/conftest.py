"""Make the fake platform servers importable as `delivery_broker_fakes` (a name no other
service's tests can shadow when the whole repository runs in one pytest process)."""

import importlib.util
import sys
from pathlib import Path

_FAKES = Path(__file__).resolve().parents[1] / "fakes"

if "delivery_broker_fakes" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "delivery_broker_fakes", _FAKES / "__init__.py", submodule_search_locations=[str(_FAKES)]
    )
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["delivery_broker_fakes"] = _module
    _spec.loader.exec_module(_module)

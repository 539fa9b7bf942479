"""Pure rules of the dispatcher's board: the plan day's clock, what stays fixed, rates, CO2e saved."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from smartdist_dispatch.orders.planning_input import day_start
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE

# A stop in one of these states has been reached: it and every stop before it stay fixed.
REACHED = ("arrived", "delivered", "failed")
# Petrol 2.263 kg/L, a delivery van at 7 km/L (SPEC §3); the KPI summary reads the configured factors.
VAN_KG_PER_KM = 2.263 / 7


def today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def seconds_of_day(moment: datetime, day: date) -> float:
    """Seconds from local midnight of ``day`` (the planner's clock)."""
    return (moment - day_start(day)).total_seconds()


def hhmm(day: date, seconds: float) -> str:
    return (day_start(day) + timedelta(seconds=seconds)).strftime("%H:%M")


def fixed_count(statuses: list[str]) -> int:
    """Leading stops that stay: up to and including the last stop the driver has reached."""
    reached = [k for k, s in enumerate(statuses) if s in REACHED]
    return reached[-1] + 1 if reached else 0


def rates(delivered: int, failed: int, on_time: int) -> dict[str, float | None]:
    """Success = delivered / (delivered + failed); on time = delivered inside the window / delivered."""
    handled = delivered + failed
    return {
        "success_rate": round(delivered / handled, 4) if handled else None,
        "on_time_rate": round(on_time / delivered, 4) if delivered else None,
    }


def co2e_kg(saved_m: float, kg_per_km: float = VAN_KG_PER_KM) -> float:
    """Km saved (never negative) times the van's emission factor."""
    return max(saved_m, 0) / 1000 * kg_per_km

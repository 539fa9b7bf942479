"""Request and response models of training runs, the model registry and the forecasts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from smartdist_forecast.modelling.training import MAX_HORIZON_DAYS
from smartdist_forecast.publishing.domain import MAX_TEMP_C, MAX_WEATHER_ROWS, MIN_TEMP_C

Temperature = Annotated[float, Field(ge=MIN_TEMP_C, le=MAX_TEMP_C, allow_inf_nan=False)]
# Forecasts are published to two decimals (the stored floats keep their full precision).
Units = Annotated[float, AfterValidator(lambda v: round(v, 2))]


class WeatherDayIn(BaseModel):
    """The merchant's weather forecast for one store and day after its last sale."""

    model_config = ConfigDict(extra="forbid")
    store: str = Field(min_length=1, max_length=40, description="店號, as in the POS file")
    date: date
    temp_low: Temperature = Field(description="°C")
    temp_high: Temperature = Field(description="°C, not below temp_low")
    weather: str = Field(default="", max_length=60, description="天氣概況 like 晴 / 多雲 / 雨 (雨 = rain)")

    @field_validator("temp_high")
    @classmethod
    def _not_below_low(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("temp_low")
        if low is not None and high < low:
            raise ValueError(f"temp_high ({high}) is below temp_low ({low})")
        return high


class TrainingRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon_days: int = Field(ge=1, le=MAX_HORIZON_DAYS, description="days to forecast after each series' last sale")
    weather: list[WeatherDayIn] | None = Field(
        default=None,
        max_length=MAX_WEATHER_ROWS,
        description="weather forecast per store and day of the horizon; the model uses weather only when "
        "it covers every store × day of the horizon and the sales history has weather",
    )


class ModelVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: datetime
    horizon_days: int
    chosen_model: str = Field(
        description="what the published forecast comes from: 'combination' (per-group blend of the "
        "candidates, see selection) or a single candidate"
    )
    n_series: int
    data_start: date
    data_end: date
    metrics: dict[str, Any] = Field(description="per candidate model: wape, mase, bias, coverage_80, n_points")
    selection: dict[str, Any] | None = Field(
        default=None,
        description="the chosen combination: back-test windows, held-out series per window, per series "
        "group (new, intermittent, changing, slow, fast) the blend weights, the group's score and each candidate's; "
        "per model the back-test WAPE on later days of fitted series and on held-out series",
    )


class ForecastOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    store: str
    sku: str
    date: date
    yhat: Units = Field(description="expected units")
    yhat_lo: Units = Field(description="lower end of the 80% band")
    yhat_hi: Units = Field(description="upper end of the 80% band")

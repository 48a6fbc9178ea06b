"""Python client of the indicator service (indicators.v1.IndicatorService)."""

from indicators_client.client import (
    SERVICE_CONFIG,
    qualifier_name,
    reconciliation_frame,
    status_name,
    to_pandas,
    Filter,
    IndicatorClient,
    Observations,
    ValueOptions,
    warning_name,
    IndicatorServiceError,
    observation_from_csv,
    retry_delay,
    source_from_csv,
)
from indicators_client.columns import ColumnDataError, ColumnDecoder

__all__ = [
    "ColumnDataError",
    "ColumnDecoder",
    "SERVICE_CONFIG",
    "Filter",
    "IndicatorClient",
    "Observations",
    "ValueOptions",
    "warning_name",
    "IndicatorServiceError",
    "observation_from_csv",
    "retry_delay",
    "source_from_csv",
    "qualifier_name",
    "reconciliation_frame",
    "status_name",
    "to_pandas",
]

"""Sums and latest values of the services' CloudWatch metrics over a window ending now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import OpsError

# CloudWatch accepts these periods (seconds) for GetMetricStatistics; the window is one period.
_HIGH_RESOLUTION_PERIODS = (1, 5, 10, 30)


def check_window(seconds: int) -> int:
    if seconds in _HIGH_RESOLUTION_PERIODS or (seconds >= 60 and seconds % 60 == 0):
        return seconds
    raise OpsError(f"--window {seconds} is not allowed: use 1, 5, 10, 30 or a multiple of 60 (seconds)")


def _datapoints(
    cloudwatch: Any,
    namespace: str,
    metric: str,
    dims: dict[str, str],
    window: int,
    stat: str,
    period: int | None = None,
):
    now = datetime.now(timezone.utc)
    return cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=now - timedelta(seconds=window),
        EndTime=now + timedelta(seconds=1),  # the current second counts
        Period=period or window,
        Statistics=[stat],
    ).get("Datapoints", [])


def total(cloudwatch: Any, namespace: str, metric: str, dims: dict[str, str], window: int) -> int:
    return int(sum(d.get("Sum", 0) for d in _datapoints(cloudwatch, namespace, metric, dims, window, "Sum")))


def latest(cloudwatch: Any, namespace: str, metric: str, dims: dict[str, str], window: int) -> float | None:
    """The maximum of the most recent one-minute period with data in the window (None: no data)."""
    points = _datapoints(cloudwatch, namespace, metric, dims, window, "Maximum", period=60)
    if not points:
        return None
    return max(points, key=lambda d: d["Timestamp"]).get("Maximum")


def window_seconds(value: str) -> int:
    try:
        return check_window(int(value))
    except ValueError:
        raise OpsError(f"--window {value!r} is not a number of seconds") from None

"""Percentiles of latencies measured by the bench's own clients (not wrk's)."""

import math


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q ≤ 100) of `values`; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict:
    """count, p50, p99, max and mean of `values` (ms), rounded to µs."""
    if not values:
        return {"count": 0, "p50": None, "p99": None, "max": None, "mean": None}
    return {
        "count": len(values),
        "p50": round(percentile(values, 50), 3),
        "p99": round(percentile(values, 99), 3),
        "max": round(max(values), 3),
        "mean": round(sum(values) / len(values), 3),
    }

"""Forecast targets, naive baselines and error metrics on one set of evaluation points.

An evaluation point is a time t of a trace where the model's full input window
(t-T+1 .. t) and the forecast target (t+1 .. t+h) both exist; every method is scored on
exactly the same points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

BASELINE_WINDOW = 10   # samples the naive baselines look at (as in the data README)
EWMA_ALPHA = 0.3


@dataclass(frozen=True)
class Horizon:
    target: str   # value_at or mean_over
    steps: int


def points(n: int, window: int, horizon: Horizon) -> np.ndarray:
    """Indices t of the last window sample for every evaluation point of an n-long trace."""
    return np.arange(window - 1, n - horizon.steps)


def windows(x: np.ndarray, t: np.ndarray, window: int) -> np.ndarray:
    """Windows [len(t), window] ending at each t."""
    return sliding_window_view(x, window)[t - window + 1]


def target(x: np.ndarray, t: np.ndarray, horizon: Horizon) -> np.ndarray:
    if horizon.target == "value_at":
        return x[t + horizon.steps]
    ahead = sliding_window_view(x, horizon.steps)[t + 1]
    return ahead.mean(axis=1)


def baselines(x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
    """The naive forecasts a learned model has to beat, all from the last 10 samples."""
    w = windows(x, t, BASELINE_WINDOW)
    ewma = w[:, 0].copy()
    for k in range(1, BASELINE_WINDOW):
        ewma = EWMA_ALPHA * w[:, k] + (1 - EWMA_ALPHA) * ewma
    return {"persistence": w[:, -1], "mean10": w.mean(axis=1), "ewma": ewma}


def metrics(pred: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """MAE (Mbps), MAPE over actual >= 0.1 Mbps (%), share within +-20% of actual (%)."""
    err = np.abs(pred - actual)
    sig = actual >= 0.1
    return {
        "mae": float(err.mean()),
        "mape": float(100 * (err[sig] / actual[sig]).mean()),
        "within20": float(100 * (err <= 0.2 * actual).mean()),
        "n": int(len(actual)),
    }

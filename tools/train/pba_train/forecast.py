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
# Candidates for the tuned baselines: a fixed 10-sample smoother is weak at long horizons,
# so the model is also compared with the moving average and EWMA tuned for its horizon.
MA_SAMPLES = (2, 3, 5, 10, 20, 30, 60, 90, 120, 180, 240, 300)
EWMA_ALPHAS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7)


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


@dataclass(frozen=True)
class TunedBaselines:
    """The moving-average length and EWMA weight with the lowest MAE on the training data
    for one horizon, both limited to the model's window."""
    ma_samples: int
    ewma_alpha: float
    window: int


def _ewma(w: np.ndarray, alpha: float) -> np.ndarray:
    """EWMA over each row of w, started at its oldest sample."""
    e = w[:, 0].copy()
    for k in range(1, w.shape[1]):
        e = alpha * w[:, k] + (1 - alpha) * e
    return e


def baselines(x: np.ndarray, t: np.ndarray, tuned: TunedBaselines | None = None
              ) -> dict[str, np.ndarray]:
    """The naive forecasts a learned model has to beat: persistence, mean and EWMA(0.3) of
    the last 10 samples, and with `tuned` the moving average and EWMA tuned for the
    horizon over the model's window."""
    w = windows(x, t, BASELINE_WINDOW)
    out = {"persistence": w[:, -1], "mean10": w.mean(axis=1), "ewma": _ewma(w, EWMA_ALPHA)}
    if tuned is not None:
        out["ma_tuned"] = windows(x, t, tuned.ma_samples).mean(axis=1)
        out["ewma_tuned"] = _ewma(windows(x, t, tuned.window), tuned.ewma_alpha)
    return out


def tune_baselines(series: list[np.ndarray], window: int, horizon: Horizon, stride: int = 1
                   ) -> TunedBaselines:
    """Pick the moving-average length and EWMA weight that minimise the pooled MAE over
    every evaluation point (every `stride`-th) of the given series."""
    pts = [(x, points(len(x), window, horizon)[::stride]) for x in series]
    pts = [(x, t) for x, t in pts if len(t)]
    actual = np.concatenate([target(x, t, horizon) for x, t in pts])

    def mae(forecast_of) -> float:
        return float(np.abs(np.concatenate([forecast_of(x, t) for x, t in pts]) - actual).mean())

    ma = min((k for k in MA_SAMPLES if k <= window),
             key=lambda k: mae(lambda x, t: windows(x, t, k).mean(axis=1)))
    alpha = min(EWMA_ALPHAS, key=lambda a: mae(lambda x, t: _ewma(windows(x, t, window), a)))
    return TunedBaselines(ma, alpha, window)


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

"""Synthetic latency, loss, jitter and clock fields to accompany a real bandwidth trace.

The public traces carry throughput only, but the transport's v1 layout takes six fields.
This companion derives the missing ones from the trace itself with simple, documented
mechanisms, so v1 learns plausible couplings rather than constants:

- latency_ms: a per-trace base RTT (LTE 25-70 ms, 3G 60-150 ms) inflated by up to 2.5x
  while throughput is below the trace's median (queues build as the link starves,
  smoothed over ~2 s), times slow log-normal noise (AR(1), phi 0.8, sigma 0.08), plus a
  100-400 ms spike during outages (throughput under 5% of the median);
- packet_loss: ~0.2% background (log-normal) plus up to 8% growing with starvation squared;
- jitter_ms: 0.5 ms plus an EWMA (alpha 0.3) of the absolute latency change;
- hour_of_day / day_of_week: from the start time in the Norway file names; NYU files carry
  none, so a seeded start between 07:00 and 22:00 on a seeded weekday.

Every random draw is seeded from the trace's name, so the companion is reproducible.
"""
from __future__ import annotations

import datetime as dt
import re
import zlib

import numpy as np

from .traces import Trace

BASE_RTT_MS = {"nyu_mets": (25.0, 70.0), "norway3g": (60.0, 150.0)}


def _ewma(x: np.ndarray, alpha: float) -> np.ndarray:
    out = np.empty_like(x)
    acc = x[0]
    for i, v in enumerate(x):
        acc = alpha * v + (1 - alpha) * acc
        out[i] = acc
    return out


def _start_time(trace: Trace, rng: np.random.Generator) -> dt.datetime:
    found = re.search(r"(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})", trace.name)
    if found:
        y, mo, d, h, mi = (int(g) for g in found.groups())
        return dt.datetime(y, mo, d, h, mi)
    day = dt.datetime(2018, 4, 1) + dt.timedelta(days=int(rng.integers(0, 7)))
    return day + dt.timedelta(hours=float(rng.uniform(7, 22)))


def clock_fields(trace: Trace, rng: np.random.Generator) -> dict[str, np.ndarray]:
    start = _start_time(trace, rng)
    hours = np.empty(len(trace.t_s))
    days = np.empty(len(trace.t_s))
    for i, t in enumerate(trace.t_s):
        now = start + dt.timedelta(seconds=float(t))
        hours[i] = now.hour
        days[i] = (now.weekday() + 1) % 7  # Go's time.Weekday: Sunday = 0
    return {"hour_of_day": hours, "day_of_week": days}


def fields(trace: Trace) -> dict[str, np.ndarray]:
    """All six v1 fields for every sample of the trace."""
    rng = np.random.default_rng(zlib.crc32(trace.name.encode()))
    bw = trace.mbps
    n = len(bw)
    level = max(float(np.median(bw)), 1e-3)
    starvation = _ewma(np.clip(1.0 - bw / level, 0.0, 1.0), 0.5)
    noise = np.empty(n)
    acc = 0.0
    for i, e in enumerate(rng.normal(0.0, 0.08, n)):
        acc = 0.8 * acc + e
        noise[i] = acc
    base = rng.uniform(*BASE_RTT_MS[trace.dataset])
    latency = base * (1.0 + 1.5 * starvation) * np.exp(noise)
    latency += np.where(bw < 0.05 * level, rng.uniform(100.0, 400.0, n), 0.0)
    loss = np.clip(0.002 * np.exp(rng.normal(0.0, 0.5, n)) + 0.08 * starvation ** 2, 0.0, 1.0)
    jitter = 0.5 + _ewma(np.abs(np.diff(latency, prepend=latency[0])), 0.3)
    return {"bandwidth_mbps": bw, "latency_ms": latency, "packet_loss": loss,
            "jitter_ms": jitter, **clock_fields(trace, rng)}

"""Synthetic datacenter link telemetry (no public datacenter traces exist).

One trace is a 1 s series of bandwidth_mbps, latency_ms, packet_loss and jitter_ms on a
path inside a datacenter fabric, built from three mechanisms:

- Regimes: the path's capacity (log-uniform 1-10 Gbps), background utilisation mean
  (0.1-0.6) and base latency (log-uniform 0.1-2 ms) hold for an exponential duration
  (mean 10 min), then are redrawn (re-routing, tenant changes).
- Background load: utilisation follows an AR(1) around the regime mean (phi 0.95,
  sigma 0.03); available bandwidth = capacity x (1 - utilisation).
- Congestion episodes (incast, elephant flows): start at rate 1 per 5 min, last 5-60 s,
  take 30-90% of the remaining bandwidth with a 3 s ramp up and down, add 1-8 ms of
  queueing delay, 0.1-2% loss and jitter proportional to the added delay.

On top: queueing delay base x util / (1 - util) (M/M/1-like, capped), bandwidth
measurement noise (3% log-normal), background loss 1e-6-1e-4, jitter 2-5% of latency.
Latency is clipped to 0.1-10 ms and loss to [0, 1].
"""
from __future__ import annotations

import numpy as np


def generate(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    capacity = np.empty(n)
    util_mean = np.empty(n)
    base_ms = np.empty(n)
    i = 0
    while i < n:
        length = max(30, int(rng.exponential(600)))
        capacity[i:i + length] = np.exp(rng.uniform(np.log(1000), np.log(10000)))
        util_mean[i:i + length] = rng.uniform(0.1, 0.6)
        base_ms[i:i + length] = np.exp(rng.uniform(np.log(0.1), np.log(2.0)))
        i += length

    util = np.empty(n)
    u = util_mean[0]
    for k, e in enumerate(rng.normal(0.0, 0.03, n)):
        u = util_mean[k] + 0.95 * (u - util_mean[k]) + e
        u = min(max(u, 0.0), 0.95)
        util[k] = u

    # Congestion episodes as an intensity profile in [0, 1] with 3 s ramps.
    intensity = np.zeros(n)
    take = np.zeros(n)
    delay = np.zeros(n)
    loss_ep = np.zeros(n)
    for start in np.flatnonzero(rng.random(n) < 1 / 300):
        length = int(rng.uniform(5, 60))
        ramp = np.minimum(1.0, np.minimum(np.arange(length) + 1, length - np.arange(length)) / 3)
        end = min(n, start + length)
        shape = ramp[: end - start]
        deeper = shape > intensity[start:end]
        sl = slice(start, end)
        take[sl] = np.where(deeper, rng.uniform(0.3, 0.9) * shape, take[sl])
        delay[sl] = np.where(deeper, rng.uniform(1.0, 8.0) * shape, delay[sl])
        loss_ep[sl] = np.where(deeper, rng.uniform(0.001, 0.02) * shape, loss_ep[sl])
        intensity[sl] = np.maximum(intensity[sl], shape)

    bandwidth = capacity * (1 - util) * (1 - take) * np.exp(rng.normal(0, 0.03, n))
    queueing = base_ms * np.minimum(util / (1 - util), 10.0)
    latency = np.clip((base_ms + queueing + delay) * np.exp(rng.normal(0, 0.05, n)), 0.1, 10.0)
    background_loss = np.exp(rng.uniform(np.log(1e-6), np.log(1e-4), n))
    loss = np.clip(background_loss + loss_ep * np.exp(rng.normal(0, 0.3, n)), 0.0, 1.0)
    jitter = latency * rng.uniform(0.02, 0.05, n) + 0.3 * delay
    return {"bandwidth_mbps": bandwidth, "latency_ms": latency, "packet_loss": loss,
            "jitter_ms": jitter}

"""The `internet` default: bandwidth forecast for variable (mobile / wide-area) links.

Design, and why:
- Target: mean bandwidth over the next 60 s (`mean_over`, 60 steps), as `log_ratio` to the
  window mean. The allocation settings this forecast sizes (stream count, buffers, chunk
  size) are held for tens of seconds, so the next minute's mean is what they should be
  sized for. It is also where the throughput history says something an average does not:
  the mean over the next 10 s was tried first, and no model (LSTM, MLP, gradient-boosted
  trees on multi-scale features) got more than 2-4 % below an EWMA there (docs/models.md).
- Input: the last 180 one-second bandwidth samples as `log_ratio` to the window mean
  (c = 0.1 Mbps). Three minutes of history let the network see where the link has been
  beyond the last few seconds, which is what the one-minute target depends on (pooled MAE
  on the held-out routes below the tuned EWMA: 11.2 % with 120 s of history, 12.4 % with
  180 s). The network
  only ever sees shapes relative to the link's own recent level, so it transfers to links
  100x faster or slower than the training traces.
- Scale augmentation: every training window is multiplied by a random factor
  (log-uniform 0.05..100). log_ratio is scale-free except for c, which decides how deep an
  outage looks (ln(c / m)); the augmentation shows the network outages on links from
  ~0.05 Mbps to several Gbps, so a 900 Mbps link's drop to zero is not out of range.
- Loss: L1 between predicted and actual ratio to the window mean, i.e. the MAE in units of
  the link's own level: its minimiser is the conditional median, as for the MAE reported,
  and every link weighs the same whatever its absolute speed.
- Both datasets are sampled equally, so the 3G traces are not drowned by the longer LTE ones.
- Windows occasionally lose samples (NaN) before the pipeline fills them, as a live
  predictor's windows do.
"""
from __future__ import annotations

import numpy as np
import torch

from . import forecast, nets, pipeline, training
from .traces import Trace

NAME = "internet"
WINDOW = 180
HORIZON = forecast.Horizon("mean_over", 60)
SAMPLE_INTERVAL_S = 1.0
C_MBPS = 0.1
HIDDEN = 32
SEED = 20261126
EPOCHS = 8
WINDOWS_PER_EPOCH = 40_000
BATCH = 256
SCALE_RANGE = (0.05, 100.0)
MISSING_RATE = 0.02  # share of samples blanked in 10% of windows

FEATURES = [pipeline.Feature("bandwidth_mbps", pipeline.Norm("log_ratio", c=C_MBPS),
                             missing=0.0)]
OUTPUTS = [pipeline.Output("bandwidth_mbps", pipeline.Norm("log_ratio", c=C_MBPS),
                           ref_feature=0)]
ARCHITECTURE = [nets.LSTM(HIDDEN), nets.Dense(1)]


def examples(traces: list[Trace]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw windows [N, WINDOW], targets [N] and dataset labels of every training point."""
    wins, targets, sets = [], [], []
    for tr in traces:
        t = forecast.points(len(tr.mbps), WINDOW, HORIZON)
        if len(t):
            wins.append(forecast.windows(tr.mbps, t, WINDOW))
            targets.append(forecast.target(tr.mbps, t, HORIZON))
            sets += [tr.dataset] * len(t)
    return np.concatenate(wins), np.concatenate(targets), np.array(sets)


def augmented_batch(wins: np.ndarray, targets: np.ndarray, rng: np.random.Generator
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled, partly blanked windows through the predictor's pipeline, and the target as
    a ratio to the (filled) window mean that the output's de-normalisation will use."""
    n = len(wins)
    scale = np.exp(rng.uniform(*np.log(SCALE_RANGE), n))
    raw = wins * scale[:, None]
    blank = (rng.random(raw.shape) < MISSING_RATE) & (rng.random((n, 1)) < 0.1)
    raw = np.where(blank, np.nan, raw)
    x, means = pipeline.model_input({"bandwidth_mbps": raw}, FEATURES)
    ratio = (targets * scale + C_MBPS) / (means[:, 0] + C_MBPS)
    return torch.from_numpy(x), torch.from_numpy(ratio.astype(np.float32))[:, None]


def ratio_l1(y: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
    return (torch.exp(y) - ratio).abs().mean()


def train(train_traces: list[Trace], log=print) -> tuple[nets.Network, float]:
    rng = training.seed_everything(SEED)
    wins, targets, sets = examples(train_traces)
    # Equal total weight per dataset.
    weight = np.zeros(len(sets))
    for ds in np.unique(sets):
        weight[sets == ds] = 1.0 / (sets == ds).sum()
    weight /= weight.sum()
    net = nets.Network(len(FEATURES), ARCHITECTURE)

    def batches(epoch):
        pick = rng.choice(len(wins), WINDOWS_PER_EPOCH, p=weight)
        x, y = augmented_batch(wins[pick], targets[pick], rng)
        for i in range(0, len(x), BATCH):
            yield x[i:i + BATCH], y[i:i + BATCH]

    log(f"{NAME}: {len(wins)} training windows, {EPOCHS} epochs x {WINDOWS_PER_EPOCH}")
    seconds = training.fit(net, EPOCHS, batches, ratio_l1, lr=2e-3, log=log)
    return net, seconds


def metadata() -> dict:
    return {
        "model.name": NAME,
        "model.mode": "internet",
        "model.description": (
            "Bandwidth forecast for variable links: mean bandwidth over the next 60 s from "
            "the last 180 one-second samples, both relative to the window mean (log_ratio), "
            "so it is independent of the link's absolute speed. Latency, loss and jitter "
            "come from the predictor's fallback."),
        "input.sample_interval_s": SAMPLE_INTERVAL_S,
        "forecast.target": HORIZON.target,
        "forecast.horizon_steps": HORIZON.steps,
        "forecast.horizon_s": HORIZON.steps * SAMPLE_INTERVAL_S,
        "train.seed": SEED,
        "train.epochs": EPOCHS,
        "train.loss": "L1 on the ratio of the 60 s mean to the window mean",
        "train.augmentation": (f"scale x log-uniform {SCALE_RANGE[0]}..{SCALE_RANGE[1]}; "
                               f"{MISSING_RATE:.0%} of samples blanked in 10% of windows"),
    }

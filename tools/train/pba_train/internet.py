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

from dataclasses import dataclass

import numpy as np
import torch

from . import forecast, nets, pipeline, training
from .traces import Trace

NAME = "internet"
C_MBPS = 0.1
BATCH = 256
SCALE_RANGE = (0.05, 100.0)
MISSING_RATE = 0.02  # share of samples blanked in 10% of windows

FEATURES = [pipeline.Feature("bandwidth_mbps", pipeline.Norm("log_ratio", c=C_MBPS),
                             missing=0.0)]
OUTPUTS = [pipeline.Output("bandwidth_mbps", pipeline.Norm("log_ratio", c=C_MBPS),
                           ref_feature=0)]


@dataclass(frozen=True)
class Recipe:
    """What a bandwidth forecaster of this design is trained for and how: the shipped
    `internet` model is DEFAULT; the leave-one-dataset-out study (lodo.py) varies it."""
    window: int = 180                      # input samples
    horizon: forecast.Horizon = forecast.Horizon("mean_over", 60)
    sample_interval_s: float = 1.0
    hidden: int = 32
    epochs: int = 8
    windows_per_epoch: int = 40_000
    seed: int = 20261126
    # Time-stretch augmentation: each training window (and its target) is cut from the
    # trace replayed s times slower, s log-uniform in this range (None: no stretch).
    stretch: tuple[float, float] | None = None
    # Multiplicative measurement noise on the input samples only (log-normal, this sigma;
    # 0: none): a noisier history teaches the network to smooth more before it extrapolates.
    noise_sigma: float = 0.0
    # Share of training windows spliced from two: the window's tail and the target come
    # from another point (of any trace), the head from the first, so a level change at the
    # splice persists into the target — as it does on links whose changes are not dips.
    splice: float = 0.0

    @property
    def architecture(self) -> list:
        return [nets.LSTM(self.hidden), nets.Dense(1)]


DEFAULT = Recipe()
WINDOW = DEFAULT.window
HORIZON = DEFAULT.horizon
SAMPLE_INTERVAL_S = DEFAULT.sample_interval_s
SEED = DEFAULT.seed
EPOCHS = DEFAULT.epochs


def examples(traces: list[Trace], recipe: Recipe = DEFAULT
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw windows [N, window], targets [N] and dataset labels of every training point."""
    wins, targets, sets = [], [], []
    for tr in traces:
        t = forecast.points(len(tr.mbps), recipe.window, recipe.horizon)
        if len(t):
            wins.append(forecast.windows(tr.mbps, t, recipe.window))
            targets.append(forecast.target(tr.mbps, t, recipe.horizon))
            sets += [tr.dataset] * len(t)
    return np.concatenate(wins), np.concatenate(targets), np.array(sets)


def stretched_examples(traces: list[Trace], n: int, recipe: Recipe, rng: np.random.Generator
                       ) -> tuple[np.ndarray, np.ndarray]:
    """n raw windows [n, window] and their targets, each cut from a trace replayed s times
    slower (s log-uniform in recipe.stretch; s < 1 is faster). A sample of the replayed
    trace is the mean throughput over its span of the original, computed exactly from the
    trace's cumulative sum, so s < 1 averages several samples and s > 1 spreads one over
    several. Datasets weigh equally; within one, every second of trace does."""
    span = recipe.window + recipe.horizon.steps  # replayed samples per example
    if recipe.horizon.target == "value_at":
        raise ValueError("time-stretch is defined for mean_over targets")
    lo, hi = np.log(recipe.stretch)
    datasets = sorted({tr.dataset for tr in traces})
    wins, targets = np.empty((n, recipe.window)), np.empty(n)
    ds_pick = rng.integers(len(datasets), size=n)
    s_all = np.exp(rng.uniform(lo, hi, n))
    for d, ds in enumerate(datasets):
        pool = [tr for tr in traces if tr.dataset == ds]
        rows = np.flatnonzero(ds_pick == d)
        s = s_all[rows]
        need = span / s  # original samples each example covers
        lengths = np.array([len(tr.mbps) for tr in pool], dtype=np.float64)
        # A trace is picked in proportion to the room it leaves for the example.
        room = np.maximum(lengths[None, :] - need[:, None], 0.0)
        cum = np.cumsum(room, axis=1)
        if not np.all(cum[:, -1] > 0):
            raise ValueError(f"{ds}: no trace is long enough for a time-stretched example")
        u = rng.random(len(rows)) * cum[:, -1]
        which = (cum < u[:, None]).sum(axis=1)
        start = u - np.where(which > 0, cum[np.arange(len(rows)), which - 1], 0.0)
        for j in np.unique(which):
            sel = which == j
            y = replayed(pool[j].mbps, start[sel], s[sel], span)
            wins[rows[sel]] = y[:, :recipe.window]
            targets[rows[sel]] = y[:, recipe.window:].mean(axis=1)
    return wins, targets


def spliced(wins: np.ndarray, targets: np.ndarray, pick: np.ndarray, other: np.ndarray,
            share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Windows `pick` where a `share` of them take their samples from a cut point on, and
    their target, from windows `other`; the cut is uniform in 1 .. window-1."""
    out, tgt = wins[pick].copy(), targets[pick].copy()
    n, window = out.shape
    mix = rng.random(n) < share
    cut = rng.integers(1, window, n)
    tail = mix[:, None] & (np.arange(window)[None, :] >= cut[:, None])
    out = np.where(tail, wins[other], out)
    tgt = np.where(mix, targets[other], tgt)
    return out, tgt


def replayed(x: np.ndarray, start: np.ndarray, s: np.ndarray, span: int) -> np.ndarray:
    """[len(start), span] samples of the piecewise-constant trace x replayed s times slower
    from original time `start` (in samples): sample k is the mean of x over
    [start + k/s, start + (k+1)/s), from the exact cumulative integral of x."""
    csum = np.concatenate([[0.0], np.cumsum(x)])
    grid = start[:, None] + np.arange(span + 1)[None, :] / s[:, None]
    c = np.interp(grid, np.arange(len(csum)), csum)
    return np.diff(c, axis=1) * s[:, None]


def augmented_batch(wins: np.ndarray, targets: np.ndarray, rng: np.random.Generator,
                    noise_sigma: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled, partly blanked (and with noise_sigma, noisy) windows through the predictor's
    pipeline, and the target as a ratio to the (filled) window mean that the output's
    de-normalisation will use."""
    n = len(wins)
    scale = np.exp(rng.uniform(*np.log(SCALE_RANGE), n))
    raw = wins * scale[:, None]
    if noise_sigma:
        raw = raw * np.exp(rng.normal(0.0, noise_sigma, raw.shape))
    blank = (rng.random(raw.shape) < MISSING_RATE) & (rng.random((n, 1)) < 0.1)
    raw = np.where(blank, np.nan, raw)
    x, means = pipeline.model_input({"bandwidth_mbps": raw}, FEATURES)
    ratio = (targets * scale + C_MBPS) / (means[:, 0] + C_MBPS)
    return torch.from_numpy(x), torch.from_numpy(ratio.astype(np.float32))[:, None]


def ratio_l1(y: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
    return (torch.exp(y) - ratio).abs().mean()


def train(train_traces: list[Trace], recipe: Recipe = DEFAULT, log=print, name: str = NAME
          ) -> tuple[nets.Network, float]:
    rng = training.seed_everything(recipe.seed)
    net = nets.Network(len(FEATURES), recipe.architecture)
    if recipe.stretch is None:
        wins, targets, sets = examples(train_traces, recipe)
        # Equal total weight per dataset.
        weight = np.zeros(len(sets))
        for ds in np.unique(sets):
            weight[sets == ds] = 1.0 / (sets == ds).sum()
        weight /= weight.sum()

        def draw():
            pick = rng.choice(len(wins), recipe.windows_per_epoch, p=weight)
            if not recipe.splice:
                return wins[pick], targets[pick]
            return spliced(wins, targets, pick, rng.choice(len(wins), len(pick), p=weight),
                           recipe.splice, rng)
        log(f"{name}: {len(wins)} training windows, "
            f"{recipe.epochs} epochs x {recipe.windows_per_epoch}")
    else:
        def draw():
            return stretched_examples(train_traces, recipe.windows_per_epoch, recipe, rng)
        log(f"{name}: {len(train_traces)} training traces, time-stretch "
            f"{recipe.stretch[0]:g}..{recipe.stretch[1]:g}, "
            f"{recipe.epochs} epochs x {recipe.windows_per_epoch}")

    def batches(epoch):
        x, y = augmented_batch(*draw(), rng, recipe.noise_sigma)
        for i in range(0, len(x), BATCH):
            yield x[i:i + BATCH], y[i:i + BATCH]

    seconds = training.fit(net, recipe.epochs, batches, ratio_l1, lr=2e-3, log=log)
    return net, seconds


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 600 else f"{seconds:g} s"


def metadata(recipe: Recipe = DEFAULT, name: str = NAME) -> dict:
    """The model's metadata apart from io, data, metrics; for DEFAULT exactly the shipped
    file's."""
    h_s = recipe.horizon.steps * recipe.sample_interval_s
    every = ("one-second" if recipe.sample_interval_s == 1
             else f"{recipe.sample_interval_s:g}-second")
    augmentation = (f"scale x log-uniform {SCALE_RANGE[0]}..{SCALE_RANGE[1]}; "
                    f"{MISSING_RATE:.0%} of samples blanked in 10% of windows")
    if recipe.stretch:
        augmentation += (f"; time-stretch x log-uniform "
                         f"{recipe.stretch[0]:g}..{recipe.stretch[1]:g}")
    if recipe.splice:
        augmentation += f"; {recipe.splice:.0%} of windows spliced from two"
    if recipe.noise_sigma:
        augmentation += f"; input samples x log-normal noise, sigma {recipe.noise_sigma:g}"
    return {
        "model.name": name,
        "model.mode": "internet",
        "model.description": (
            f"Bandwidth forecast for variable links: mean bandwidth over the next "
            f"{_duration(h_s)} from the last {recipe.window} {every} samples, both relative "
            "to the window mean (log_ratio), so it is independent of the link's absolute "
            "speed. Latency, loss and jitter come from the predictor's fallback."),
        "input.sample_interval_s": recipe.sample_interval_s,
        "forecast.target": recipe.horizon.target,
        "forecast.horizon_steps": recipe.horizon.steps,
        "forecast.horizon_s": h_s,
        "train.seed": recipe.seed,
        "train.epochs": recipe.epochs,
        "train.loss": f"L1 on the ratio of the {_duration(h_s)} mean to the window mean",
        "train.augmentation": augmentation,
    }

"""The `v1` default: the transport's current network layout, reproduced exactly.

Input [10, 6]: bandwidth/1000, latency/100, loss, jitter/50, hour/24, weekday/7 (`divide`);
LSTM 128 (sequences) -> LSTM 64 (last step) -> Dense 32 ReLU -> BatchNorm -> Dense 4;
outputs bandwidth, latency, loss, jitter for the next sample, de-normalised by the same
divisors. Trained on the real bandwidth traces with the synthetic companion fields of
pba_train.companion (the public traces have no latency, loss or jitter).

The fixed `divide` normalisation makes bandwidth tiny (a 1 Mbps 3G link is 0.001), which
an LSTM trained from scratch cannot resolve. So training uses gains: the network sees each
input times INPUT_GAIN and learns each target times OUTPUT_GAIN; afterwards the gains are
folded exactly into the first LSTM's input weights and the last Dense layer, so the stored
network takes and returns the transport's units unchanged.

The loss is L1 per output: for bandwidth relative to the window's mean bandwidth (so a
1 Mbps link's errors count as much as a 20 Mbps link's), for the others relative to the
output's mean absolute target.
"""
from __future__ import annotations

import numpy as np
import torch

from . import companion, forecast, nets, pipeline, training
from .traces import Trace

NAME = "v1"
WINDOW = 10
HORIZON = forecast.Horizon("value_at", 1)
SAMPLE_INTERVAL_S = 1.0
SEED = 20261127
EPOCHS = 6
WINDOWS_PER_EPOCH = 60_000
BATCH = 128

_DIVISORS = [("bandwidth_mbps", 1000.0), ("latency_ms", 100.0), ("packet_loss", 1.0),
             ("jitter_ms", 50.0), ("hour_of_day", 24.0), ("day_of_week", 7.0)]
# A wholly missing field falls back to a typical value, not 0 (0 ms latency is a claim).
_MISSING = {"bandwidth_mbps": 0.0, "latency_ms": 50.0, "packet_loss": 0.0, "jitter_ms": 5.0,
            "hour_of_day": 12.0, "day_of_week": 3.0}
FEATURES = [pipeline.Feature(n, pipeline.Norm("divide", a=d), _MISSING[n]) for n, d in _DIVISORS]
OUTPUTS = [pipeline.Output(n, pipeline.Norm("divide", a=d)) for n, d in _DIVISORS[:4]]
INPUT_GAIN = np.array([100.0, 1.0, 10.0, 5.0, 1.0, 1.0], np.float32)
OUTPUT_GAIN = INPUT_GAIN[:4]
ARCHITECTURE = [nets.LSTM(128, return_sequences=True), nets.LSTM(64), nets.Dense(32, "relu"),
                nets.BatchNorm(), nets.Dense(4)]


def examples(traces: list[Trace]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised inputs [N, 10, 6], normalised next-sample targets [N, 4], dataset labels."""
    xs, ys, sets = [], [], []
    for tr in traces:
        f = companion.fields(tr)
        t = forecast.points(len(tr.mbps), WINDOW, HORIZON)
        if not len(t):
            continue
        x, _ = pipeline.model_input({k: forecast.windows(v, t, WINDOW) for k, v in f.items()},
                                    FEATURES)
        y = np.stack([f[o.name][t + 1] / o.norm.a for o in OUTPUTS], axis=1)
        xs.append(x)
        ys.append(y.astype(np.float32))
        sets += [tr.dataset] * len(t)
    return np.concatenate(xs), np.concatenate(ys), np.array(sets)


def fold_gains(net: nets.Network) -> None:
    """Make net(x) == trained_net(x * INPUT_GAIN) / OUTPUT_GAIN, exactly, in place."""
    with torch.no_grad():
        net.blocks[0].lstm.weight_ih_l0.mul_(torch.from_numpy(INPUT_GAIN)[None, :])
        last = net.blocks[-1][0]
        last.weight.div_(torch.from_numpy(OUTPUT_GAIN)[:, None])
        last.bias.div_(torch.from_numpy(OUTPUT_GAIN))


def train(train_traces: list[Trace], log=print) -> tuple[nets.Network, float]:
    rng = training.seed_everything(SEED)
    x, y, sets = examples(train_traces)
    weight = np.zeros(len(sets))
    for ds in np.unique(sets):
        weight[sets == ds] = 1.0 / (sets == ds).sum()
    weight /= weight.sum()
    # Per-window error scale (in gained units): bandwidth by the window's mean bandwidth
    # (+0.1 Mbps), the other outputs by their mean absolute target.
    gained_y = y * OUTPUT_GAIN
    scale = np.tile(np.abs(gained_y).mean(axis=0), (len(y), 1))
    scale[:, 0] = (x[:, :, 0].mean(axis=1) + 1e-4) * OUTPUT_GAIN[0]
    x_gained = x * INPUT_GAIN
    net = nets.Network(len(FEATURES), ARCHITECTURE)

    def batches(epoch):
        pick = rng.choice(len(x), WINDOWS_PER_EPOCH, p=weight)
        xb = torch.from_numpy(x_gained[pick])
        yb = torch.from_numpy(np.stack([gained_y[pick], scale[pick]], axis=1))
        for i in range(0, len(pick), BATCH):
            yield xb[i:i + BATCH], yb[i:i + BATCH]

    log(f"{NAME}: {len(x)} training windows, {EPOCHS} epochs x {WINDOWS_PER_EPOCH}")
    seconds = training.fit(net, EPOCHS, batches,
                           lambda p, t: ((p - t[:, 0]).abs() / t[:, 1]).mean(), lr=1e-3,
                           log=log)
    fold_gains(net)
    return net, seconds


def metadata() -> dict:
    return {
        "model.mode": "generic",
        "model.description": (
            "The transport's v1 layout: next-second bandwidth, latency, loss and jitter from "
            "the last 10 samples of six fields divided by fixed constants. Kept for "
            "compatibility; it depends on absolute levels (bandwidth/1000)."),
        "input.sample_interval_s": SAMPLE_INTERVAL_S,
        "forecast.target": HORIZON.target,
        "forecast.horizon_steps": HORIZON.steps,
        "forecast.horizon_s": HORIZON.steps * SAMPLE_INTERVAL_S,
        "train.seed": SEED,
        "train.epochs": EPOCHS,
        "train.loss": ("L1 per output: bandwidth relative to the window mean bandwidth, the "
                       "others relative to their mean |target|; input gains "
                       f"{INPUT_GAIN.tolist()} and output gains {OUTPUT_GAIN.tolist()} folded "
                       "into the first LSTM and last Dense after training"),
        "train.companion": ("latency, loss, jitter synthetic (pba_train.companion): "
                            "base RTT inflated while throughput is below the trace median, "
                            "outage spikes, loss growing with starvation, jitter from "
                            "latency changes"),
    }

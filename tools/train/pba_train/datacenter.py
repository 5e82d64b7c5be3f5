"""The `datacenter` default: all four link metrics for paths inside a datacenter fabric.

Trained on synthetic telemetry only (pba_train.synthetic_dc), which its metadata says.
- Input: the last 30 one-second samples of bandwidth, latency and jitter as `log_ratio`
  to their window means (scale-free: a 1 Gbps and a 10 Gbps path look alike), and loss as
  standardised log(loss + 1e-6) (loss has no useful "level" to be relative to: it sits at
  ~1e-5 and jumps by orders of magnitude during congestion).
- Target: the mean of each metric over the next 10 s, in the same normalisation (the
  `log_ratio` outputs refer to their own input feature's window mean).
- LSTM 32 -> Dense 4, L1 loss in the normalised space (its minimiser, the conditional
  median, is the same in raw units).
- Validation on simulator seeds never used in training.
"""
from __future__ import annotations

import numpy as np
import torch

from . import forecast, nets, pipeline, synthetic_dc, training
from .traces import Trace

NAME = "datacenter"
WINDOW = 30
HORIZON = forecast.Horizon("mean_over", 10)
SAMPLE_INTERVAL_S = 1.0
SEED = 20261128
EPOCHS = 8
BATCH = 256
TRAIN_SEEDS = range(0, 160)
VAL_SEEDS = range(10_000, 10_020)
TRACE_SECONDS = 3600
WINDOWS_PER_EPOCH = 60_000
LOSS_C = 1e-6
# log(loss + 1e-6) standardised by its spread on the simulator (fixed, not fitted, so the
# metadata stays a round, documented number): ~ln(1e-5) centre, ~3 nats spread.
LOSS_NORM = pipeline.Norm("log", a=-11.5, b=3.0, c=LOSS_C)

FEATURES = [
    pipeline.Feature("bandwidth_mbps", pipeline.Norm("log_ratio", c=1.0), missing=0.0),
    pipeline.Feature("latency_ms", pipeline.Norm("log_ratio", c=0.01), missing=0.5),
    pipeline.Feature("packet_loss", LOSS_NORM, missing=0.0),
    pipeline.Feature("jitter_ms", pipeline.Norm("log_ratio", c=0.001), missing=0.05),
]
OUTPUTS = [
    pipeline.Output("bandwidth_mbps", pipeline.Norm("log_ratio", c=1.0), ref_feature=0),
    pipeline.Output("latency_ms", pipeline.Norm("log_ratio", c=0.01), ref_feature=1),
    pipeline.Output("packet_loss", LOSS_NORM),
    pipeline.Output("jitter_ms", pipeline.Norm("log_ratio", c=0.001), ref_feature=3),
]
ARCHITECTURE = [nets.LSTM(32), nets.Dense(4)]


def synthetic_traces(seeds) -> list[Trace]:
    """Simulator runs as Trace objects (mbps = bandwidth) for the shared evaluation code."""
    out = []
    for s in seeds:
        f = synthetic_dc.generate(TRACE_SECONDS, s)
        out.append(Trace("synthetic_dc", f"seed{s}", f"seed{s}",
                         np.arange(TRACE_SECONDS, dtype=float), f["bandwidth_mbps"], f))
    return out


def fields_of(trace: Trace) -> dict[str, np.ndarray]:
    return trace.fields


def normalised_targets(fields: dict[str, np.ndarray], t: np.ndarray, means: np.ndarray
                       ) -> np.ndarray:
    """The forecast targets in the outputs' normalisation (inverse of de-normalisation)."""
    cols = []
    for o in OUTPUTS:
        y = forecast.target(fields[o.name], t, HORIZON)
        if o.norm.kind == "log_ratio":
            m = means[:, o.ref_feature]
            cols.append(np.log((np.maximum(y, 0) + o.norm.c) / (m + o.norm.c)))
        else:
            cols.append((np.log(np.maximum(y, 0) + o.norm.c) - o.norm.a) / o.norm.b)
    return np.stack(cols, axis=1).astype(np.float32)


def examples(traces: list[Trace]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for tr in traces:
        t = forecast.points(TRACE_SECONDS, WINDOW, HORIZON)
        win = {k: forecast.windows(v, t, WINDOW) for k, v in tr.fields.items()}
        x, means = pipeline.model_input(win, FEATURES)
        xs.append(x)
        ys.append(normalised_targets(tr.fields, t, means))
    return np.concatenate(xs), np.concatenate(ys)


def train(log=print) -> tuple[nets.Network, float]:
    rng = training.seed_everything(SEED)
    x, y = examples(synthetic_traces(TRAIN_SEEDS))
    net = nets.Network(len(FEATURES), ARCHITECTURE)

    def batches(epoch):
        pick = torch.from_numpy(rng.choice(len(x), WINDOWS_PER_EPOCH, replace=False))
        xb, yb = torch.from_numpy(x)[pick], torch.from_numpy(y)[pick]
        for i in range(0, len(pick), BATCH):
            yield xb[i:i + BATCH], yb[i:i + BATCH]

    log(f"{NAME}: {len(x)} synthetic training windows, {EPOCHS} epochs x {WINDOWS_PER_EPOCH}")
    seconds = training.fit(net, EPOCHS, batches, lambda p, t: (p - t).abs().mean(), lr=2e-3,
                           log=log)
    return net, seconds


def metadata() -> dict:
    return {
        "model.mode": "datacenter",
        "model.description": (
            "Datacenter paths: mean bandwidth, latency, loss and jitter over the next 10 s "
            "from the last 30 one-second samples; bandwidth, latency and jitter relative to "
            "their window means, loss as a standardised log. Trained on SYNTHETIC telemetry."),
        "input.sample_interval_s": SAMPLE_INTERVAL_S,
        "forecast.target": HORIZON.target,
        "forecast.horizon_steps": HORIZON.steps,
        "forecast.horizon_s": HORIZON.steps * SAMPLE_INTERVAL_S,
        "train.data": (
            "synthetic: pba_train.synthetic_dc datacenter simulator (1-10 Gbps regimes, "
            "0.1-10 ms latency, AR(1) background load, congestion episodes with loss and "
            f"queueing); {len(TRAIN_SEEDS)} runs of {TRACE_SECONDS} s"),
        "train.split": (f"by simulator seed: train seeds {TRAIN_SEEDS.start}-{TRAIN_SEEDS.stop - 1},"
                        f" validation seeds {VAL_SEEDS.start}-{VAL_SEEDS.stop - 1}"),
        "train.seed": SEED,
        "train.epochs": EPOCHS,
        "train.loss": "L1 in the outputs' normalised space",
    }

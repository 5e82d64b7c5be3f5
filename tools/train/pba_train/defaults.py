"""Train, validate and write each default model (the body of train_defaults.py)."""
from __future__ import annotations

import os
import time

import numpy as np

import pba_format as pf

from . import evaluate, export, forecast, internet, nets, pipeline, traces

MODELS = ("internet", "v1", "datacenter", "policy")


def _common(name: str) -> dict:
    return {"model.name": name, "model.version": export.MODEL_VERSION,
            "train.tool": export.TOOL}


def _real_data_metadata(all_traces: list[traces.Trace]) -> dict:
    return {
        "train.data": "real throughput traces: " + "; ".join(traces.SOURCES.values()),
        "train.split": traces.split_description(all_traces),
    }


def _selftest_window(model_fields: dict[str, np.ndarray], features, window: int, at: int
                     ) -> np.ndarray:
    """One real input window, as the predictor would build it, for the self-test."""
    t = np.array([at])
    win = {k: forecast.windows(v, t, window) for k, v in model_fields.items()}
    return pipeline.model_input(win, features)[0][0]


def train_internet(data_dir: str, out: str, log=print) -> str:
    all_traces = traces.load_all(data_dir)
    train, held = traces.split(all_traces)
    net, seconds = internet.train(train, log=log)
    md = {**_common(internet.NAME), **internet.metadata(),
          **export.io_metadata(internet.FEATURES, internet.OUTPUTS, internet.WINDOW),
          **_real_data_metadata(all_traces),
          "model.architecture": nets.describe(net, internet.WINDOW)}
    table = evaluate.replay(pf.Model(*nets.export(net), md), held)
    md.update(evaluate.metrics_metadata(table))
    probe = next(t for t in held if t.dataset == "nyu_mets")
    x = _selftest_window(evaluate.bandwidth_fields(probe), internet.FEATURES, internet.WINDOW,
                         at=len(probe.mbps) // 2)
    size = export.write(os.path.join(out, "internet.pba"), net, md, x)
    return (evaluate.format_table(table, f"internet — held-out routes, "
                                  f"{internet.HORIZON.target} {internet.HORIZON.steps} s")
            + f"\n\ntraining wall time: {seconds:.0f} s; file size {size} bytes\n")


TRAINERS = {"internet": train_internet}


def train_all(data_dir: str, out: str, names) -> str:
    parts = []
    for name in names:
        start = time.time()
        parts.append(TRAINERS[name](data_dir, out))
        print(f"{name}: done in {time.time() - start:.0f} s", flush=True)
    return "\n\n".join(parts)

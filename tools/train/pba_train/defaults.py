"""Train, validate and write each default model (the body of train_defaults.py)."""
from __future__ import annotations

import os
import time

import numpy as np

import pba_format as pf

from . import (companion, datacenter, evaluate, export, forecast, internet, nets, pipeline,
               policy, traces, v1)

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
    model = pf.Model(*nets.export(net), md)
    tuned = evaluate.tune_baselines(model, train)
    table = evaluate.replay(model, held, tuned=tuned)
    md.update(evaluate.metrics_metadata(table))
    md.update(evaluate.tuned_metadata(tuned))
    probe = next(t for t in held if t.dataset == "nyu_mets")
    x = _selftest_window(evaluate.bandwidth_fields(probe), internet.FEATURES, internet.WINDOW,
                         at=len(probe.mbps) // 2)
    size = export.write(os.path.join(out, "internet.pba"), net, md, x)
    return (evaluate.format_table(table, f"internet — held-out routes, "
                                  f"{internet.HORIZON.target} {internet.HORIZON.steps} s",
                                  tuned=tuned)
            + f"\n\ntraining wall time: {seconds:.0f} s; file size {size} bytes\n")


def train_v1(data_dir: str, out: str, log=print) -> str:
    all_traces = traces.load_all(data_dir)
    train, held = traces.split(all_traces)
    net, seconds = v1.train(train, log=log)
    md = {**_common(v1.NAME), **v1.metadata(),
          **export.io_metadata(v1.FEATURES, v1.OUTPUTS, v1.WINDOW),
          **_real_data_metadata(all_traces),
          "model.architecture": nets.describe(net, v1.WINDOW)}
    md["train.data"] += "; latency, loss, jitter and clock: synthetic companion"
    table = evaluate.replay(pf.Model(*nets.export(net), md), held, companion.fields)
    md.update(evaluate.metrics_metadata(table))
    probe = next(t for t in held if t.dataset == "nyu_mets")
    x = _selftest_window(companion.fields(probe), v1.FEATURES, v1.WINDOW,
                         at=len(probe.mbps) // 2)
    size = export.write(os.path.join(out, "v1.pba"), net, md, x)
    return (evaluate.format_table(table, "v1 — held-out routes, bandwidth value_at 1 s")
            + f"\n\ntraining wall time: {seconds:.0f} s; file size {size} bytes\n")


def train_datacenter(data_dir: str, out: str, log=print) -> str:
    net, seconds = datacenter.train(log=log)
    md = {**_common(datacenter.NAME), **datacenter.metadata(),
          **export.io_metadata(datacenter.FEATURES, datacenter.OUTPUTS, datacenter.WINDOW),
          "model.architecture": nets.describe(net, datacenter.WINDOW)}
    model = pf.Model(*nets.export(net), md)
    held = datacenter.synthetic_traces(datacenter.VAL_SEEDS)
    report = []
    for target, unit in (("bandwidth_mbps", "mbps"), ("latency_ms", "ms")):
        table = evaluate.replay(model, held, datacenter.fields_of, target)
        md.update(evaluate.metrics_metadata(table, f"metrics.val_{target.split('_')[0]}", unit))
        report.append(evaluate.format_table(
            table, f"datacenter — held-out simulator seeds, {target} mean_over 10 s",
            unit.replace("mbps", "Mbps")))
    x = _selftest_window(held[0].fields, datacenter.FEATURES, datacenter.WINDOW, at=1800)
    size = export.write(os.path.join(out, "datacenter.pba"), net, md, x)
    return ("\n\n".join(report)
            + f"\n\ntraining wall time: {seconds:.0f} s; file size {size} bytes\n")


def train_policy(data_dir: str, out: str, log=print) -> str:
    net, seconds = policy.train(log=log)
    result = policy.evaluate(net)
    md = {**_common(policy.NAME), **policy.metadata(result),
          **export.io_metadata(policy.FEATURES, [], None),
          "model.architecture": nets.describe(net, None)}
    state = np.array([[12.0, 250.0, 0.003, 0.985]])
    size = export.write(os.path.join(out, "policy.pba"), net, md, policy.normalise(state)[0])
    return ("### policy — mean reward on "
            f"{result['states']} fresh simulated states\n\n"
            "| policy | best possible | fixed 50 % | optimal action chosen |\n|---:|---:|---:|---:|\n"
            f"| {result['policy']:.4f} | {result['best']:.4f} | {result['fixed50']:.4f} "
            f"| {100 * result['optimal_share']:.1f}% |\n\n"
            f"training wall time: {seconds:.0f} s; file size {size} bytes\n")


TRAINERS = {"internet": train_internet, "v1": train_v1, "datacenter": train_datacenter,
            "policy": train_policy}


def train_all(data_dir: str, out: str, names) -> str:
    parts = []
    for name in names:
        start = time.time()
        parts.append(TRAINERS[name](data_dir, out))
        print(f"{name}: done in {time.time() - start:.0f} s", flush=True)
    return "\n\n".join(parts)

"""Replay held-out traces through a stored model exactly as the C++ predictor would.

The model is the parsed `.pba` (weights as stored, float32) run by pba_format's numpy
reference forward pass; its inputs come from pipeline.model_input using only the file's
metadata. So these numbers measure the shipped file, not the PyTorch module it came from.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

import pba_format as pf

from . import forecast, pipeline
from .traces import Trace

METHODS = ("model", "persistence", "mean10", "ewma")
TUNED_METHODS = ("ma_tuned", "ewma_tuned")


def features_of(model: pf.Model) -> list[pipeline.Feature]:
    m = model.metadata
    return [pipeline.Feature(n, pipeline.Norm(k, a, b, c), miss) for n, k, a, b, c, miss in
            zip(m["input.features"], m["input.norm"], m["input.norm_a"], m["input.norm_b"],
                m["input.norm_c"], m["input.missing"])]


def outputs_of(model: pf.Model) -> list[pipeline.Output]:
    m = model.metadata
    return [pipeline.Output(n, pipeline.Norm(k, a, b, c), r) for n, k, a, b, c, r in
            zip(m["output.targets"], m["output.norm"], m["output.norm_a"], m["output.norm_b"],
                m["output.norm_c"], m["output.ref_feature"])]


def horizon_of(model: pf.Model) -> forecast.Horizon:
    return forecast.Horizon(model.metadata["forecast.target"],
                            int(model.metadata["forecast.horizon_steps"]))


def predict(model: pf.Model, fields: dict[str, np.ndarray], t: np.ndarray,
            batch: int = 4096) -> np.ndarray:
    """Raw forecasts [len(t), O] for windows ending at each t of whole-trace fields."""
    window = model.input_shape[0]
    feats, outs = features_of(model), outputs_of(model)
    preds = []
    for i in range(0, len(t), batch):
        tt = t[i:i + batch]
        win = {k: forecast.windows(v, tt, window) for k, v in fields.items()}
        x, means = pipeline.model_input(win, feats)
        y = pf.forward_numpy(model, x)
        preds.append(pipeline.model_output(y, outs, means))
    return np.concatenate(preds)


def bandwidth_fields(trace: Trace) -> dict[str, np.ndarray]:
    """A throughput trace as the predictor's samples: only bandwidth is known."""
    return {"bandwidth_mbps": trace.mbps}


def tune_baselines(model: pf.Model, train: list[Trace],
                   fields_of: Callable[[Trace], dict[str, np.ndarray]] = bandwidth_fields,
                   target: str = "bandwidth_mbps") -> forecast.TunedBaselines:
    """The moving average and EWMA tuned on the training traces for the model's window and
    horizon."""
    return forecast.tune_baselines([fields_of(tr)[target] for tr in train],
                                   model.input_shape[0], horizon_of(model))


def replay(model: pf.Model, traces: list[Trace],
           fields_of: Callable[[Trace], dict[str, np.ndarray]] = bandwidth_fields,
           target: str = "bandwidth_mbps", tuned: forecast.TunedBaselines | None = None
           ) -> dict[str, dict[str, dict[str, float]]]:
    """{dataset or 'pooled': {method: metrics}} for the model's forecast of `target` and
    the naive baselines on that field (with `tuned`, also the tuned ones), on the same
    evaluation points of every trace."""
    window, horizon = model.input_shape[0], horizon_of(model)
    col = list(model.metadata["output.targets"]).index(target)
    methods = METHODS + (TUNED_METHODS if tuned else ())
    per_set: dict[str, dict[str, list]] = {}
    for tr in traces:
        fields = fields_of(tr)
        series = fields[target]
        t = forecast.points(len(series), window, horizon)
        if len(t) == 0:
            continue
        got = per_set.setdefault(tr.dataset, {k: [] for k in methods + ("actual",)})
        got["actual"].append(forecast.target(series, t, horizon))
        got["model"].append(predict(model, fields, t)[:, col])
        for name, pred in forecast.baselines(series, t, tuned).items():
            got[name].append(pred)
    table = {}
    pooled = {k: [] for k in methods + ("actual",)}
    for ds in sorted(per_set):
        cat = {k: np.concatenate(v) for k, v in per_set[ds].items()}
        table[ds] = {k: forecast.metrics(cat[k], cat["actual"]) for k in methods}
        for k in pooled:
            pooled[k].append(cat[k])
    if len(per_set) > 1:
        cat = {k: np.concatenate(v) for k, v in pooled.items()}
        table["pooled"] = {k: forecast.metrics(cat[k], cat["actual"]) for k in methods}
    return table


def gain_over_best_baseline(row: dict[str, dict[str, float]]) -> float:
    """How much lower (%) the model's MAE is than the best naive baseline's."""
    best = min(m["mae"] for k, m in row.items() if k != "model")
    return 100.0 * (1.0 - row["model"]["mae"] / best)


def metrics_metadata(table: dict, prefix: str = "metrics.val", unit: str = "mbps"
                     ) -> dict[str, float]:
    """<prefix>_<set>_<method>_<mae_UNIT|mape_pct|within20_pct> keys."""
    out = {}
    for ds, row in table.items():
        for method, m in row.items():
            key = f"{prefix}_{ds}_{method}"
            out[key + "_mae_" + unit] = round(m["mae"], 6)
            out[key + "_mape_pct"] = round(m["mape"], 4)
            out[key + "_within20_pct"] = round(m["within20"], 4)
        out[f"{prefix}_{ds}_points"] = int(row["model"]["n"])
        out[f"{prefix}_{ds}_gain_over_best_baseline_pct"] = round(gain_over_best_baseline(row), 4)
    # The headline numbers under the format doc's short names, from the pooled row.
    overall = table.get("pooled") or next(iter(table.values()))
    out[f"{prefix}_mae_{unit}"] = round(overall["model"]["mae"], 6)
    out[f"{prefix}_mape_pct"] = round(overall["model"]["mape"], 4)
    out[f"{prefix}_within20_pct"] = round(overall["model"]["within20"], 4)
    for method in overall:
        if method != "model":
            out[f"{prefix}_{method}_mae_{unit}"] = round(overall[method]["mae"], 6)
    return out


def tuned_metadata(tuned: forecast.TunedBaselines, prefix: str = "metrics.val") -> dict:
    return {f"{prefix}_ma_tuned_samples": tuned.ma_samples,
            f"{prefix}_ewma_tuned_alpha": tuned.ewma_alpha}


def format_table(table: dict, title: str, unit: str = "Mbps",
                 tuned: forecast.TunedBaselines | None = None) -> str:
    """Markdown table: one row per set and method."""
    labels = {"mean10": "mean of 10", "ewma": "EWMA 0.3 of 10"}
    if tuned:
        labels["ma_tuned"] = f"mean of {tuned.ma_samples} (tuned)"
        labels["ewma_tuned"] = f"EWMA {tuned.ewma_alpha:g} of {tuned.window} (tuned)"
    lines = [f"### {title}", "",
             f"| set | points | method | MAE ({unit}) | MAPE (actual ≥ 0.1) | within ±20% |",
             "|---|---:|---|---:|---:|---:|"]
    for ds, row in table.items():
        for method, m in row.items():
            lines.append(f"| {ds} | {m['n']} | {labels.get(method, method)} | {m['mae']:.4g} | {m['mape']:.1f}% "
                         f"| {m['within20']:.1f}% |")
        lines.append(f"| {ds} | | model vs best baseline | "
                     f"{gain_over_best_baseline(row):+.1f}% lower MAE | | |")
    return "\n".join(lines)

"""Leave-one-dataset-out (LODO) evaluation: does a forecaster trained on one network's
traces beat the smoothers on a network it never saw?

A study is one (sampling interval, horizon) question answered by one training recipe.
Each dataset that supports the interval is trained on alone (its training routes) and the
model is tested on the held-out routes of its own dataset and on every trace of the others;
for intervals of 5 s or more, where the FCC fixed-broadband traces (5 s rows) apply, a
model trained on both mobile datasets is tested on FCC too. The 1-s studies leave FCC out:
its samples are 5 s apart, so a model of 1-s samples does not apply to it as measured; as a
stand-in they are also replayed held (each 5-s value repeated for 5 s), which lacks the
variation inside each 5 s and is reported apart.

Baselines, all on the same points as the model: persistence, mean and EWMA(0.3) of the
last 10 samples; the moving average and EWMA tuned on the model's training traces
(forecast.tune_baselines); and the best moving average and the best EWMA chosen in
hindsight on the test traces themselves — a bound no causal smoother picked in advance
reaches.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

import pba_format as pf

from . import evaluate, export, forecast, internet, nets, traces
from .traces import Trace

TRAIN_SETS = ("nyu_mets", "norway3g")
TEST_ONLY_SETS = ("fcc_broadband",)
MIN_TRAIN_POINTS = 1000  # fewer evaluation points than this: the dataset is not trained on


@dataclass(frozen=True)
class Study:
    name: str
    recipe: internet.Recipe
    note: str = ""


def _recipe(interval_s: float, window: int, steps: int, **kw) -> internet.Recipe:
    return internet.Recipe(window=window, horizon=forecast.Horizon("mean_over", steps),
                           sample_interval_s=interval_s, **kw)


# The (interval, horizon) questions of issue #12. Windows: 3 min of 1-s samples as the
# shipped model; at coarser intervals as many samples as the short traces allow.
STUDIES = {s.name: s for s in (
    Study("1s_60s", internet.DEFAULT, "the shipped internet recipe"),
    Study("1s_10s", _recipe(1.0, 60, 10)),
    Study("10s_60s", _recipe(10.0, 18, 6)),
    Study("10s_15min", _recipe(10.0, 18, 90)),
    Study("60s_60s", _recipe(60.0, 10, 1)),
    Study("60s_15min", _recipe(60.0, 10, 15)),
)}

# Training variants tried for generalisation (judged only by LODO).
VARIANTS = {
    "base": {},
    "stretch": {"stretch": (0.5, 2.0)},
    "small": {"hidden": 16},
    "noise": {"noise_sigma": 0.3},
    "splice": {"splice": 0.3},
}


def _multiple(coarse_s: float, fine_s: float) -> bool:
    k = coarse_s / fine_s
    return k >= 1 and abs(k - round(k)) < 1e-9


def applies(dataset: str, interval_s: float) -> bool:
    """A dataset serves a study when its samples aggregate exactly to the study's interval."""
    return _multiple(interval_s, traces.SAMPLE_INTERVAL_S[dataset])


def series(data_dir: str, interval_s: float) -> dict[str, list[Trace]]:
    """Every applicable dataset's traces at the study's interval. A test-only dataset with
    coarser samples is added held (each sample repeated over its span) under the key
    '<dataset> held': a stand-in, not a measurement at the study's interval."""
    out = {}
    for ds in TRAIN_SETS + TEST_ONLY_SETS:
        if applies(ds, interval_s):
            out[ds] = [traces.aggregate(tr, interval_s) for tr in traces.load_dataset(data_dir, ds)]
        elif ds in TEST_ONLY_SETS and _multiple(traces.SAMPLE_INTERVAL_S[ds], interval_s):
            out[ds + " held"] = [traces.hold(tr, interval_s)
                                 for tr in traces.load_dataset(data_dir, ds)]
    return out


def point_count(trs: list[Trace], recipe: internet.Recipe) -> int:
    return sum(len(forecast.points(len(tr.mbps), recipe.window, recipe.horizon)) for tr in trs)


def score(model: pf.Model, test: list[Trace], recipe: internet.Recipe,
          tuned: forecast.TunedBaselines, stride: int = 1) -> dict:
    """MAE of the model and every baseline on the same points (every `stride`-th) of the
    test traces; the hindsight smoothers are the best on exactly these points."""
    hind = forecast.tune_baselines([tr.mbps for tr in test], recipe.window, recipe.horizon,
                                   stride)
    got = {k: [] for k in ("actual", "model", "persistence", "mean10", "ewma", "ma_tuned",
                           "ewma_tuned", "ma_best", "ewma_best")}
    for tr in test:
        t = forecast.points(len(tr.mbps), recipe.window, recipe.horizon)[::stride]
        if not len(t):
            continue
        got["actual"].append(forecast.target(tr.mbps, t, recipe.horizon))
        got["model"].append(evaluate.predict(model, evaluate.bandwidth_fields(tr), t)[:, 0])
        for k, v in forecast.baselines(tr.mbps, t, tuned).items():
            got[k].append(v)
        for k, v in forecast.baselines(tr.mbps, t, hind).items():
            if k in ("ma_tuned", "ewma_tuned"):
                got[k.replace("tuned", "best")].append(v)
    cat = {k: np.concatenate(v) for k, v in got.items()}
    mae = {k: float(np.abs(v - cat["actual"]).mean()) for k, v in cat.items() if k != "actual"}
    return {"points": len(cat["actual"]), "mae": mae, "tuned": tuned, "hindsight": hind}


def train_or_load(path: str, train: list[Trace], recipe: internet.Recipe, name: str,
                  reuse: bool, log=print) -> pf.Model:
    """Train on `train` and write the model (with a PyTorch self-test) to `path`, or read
    it back when `reuse` and it exists."""
    if reuse and os.path.exists(path):
        with open(path, "rb") as f:
            return pf.read_model(f.read(), verify_selftest=True)
    net, seconds = internet.train(train, recipe, log=log, name=name)
    md = {"model.version": export.MODEL_VERSION,
          "train.tool": export.TOOL.replace("train_defaults.py", "evaluate_lodo.py"),
          **internet.metadata(recipe, name),
          **export.io_metadata(internet.FEATURES, internet.OUTPUTS, recipe.window),
          "model.architecture": nets.describe(net, recipe.window),
          "train.data": "real throughput traces: " + "; ".join(
              traces.SOURCES[ds] for ds in sorted({tr.dataset for tr in train})),
          "train.split": "training routes of " + ", ".join(sorted({tr.dataset for tr in train})),
          "train.wall_s": round(seconds, 1)}
    probe = max(train, key=lambda tr: len(tr.mbps))
    t = np.array([len(probe.mbps) // 2])
    x = internet.pipeline.model_input(
        {"bandwidth_mbps": forecast.windows(probe.mbps, t, recipe.window)}, internet.FEATURES)[0][0]
    export.write(path, net, md, x)
    with open(path, "rb") as f:
        return pf.read_model(f.read(), verify_selftest=True)


def run(data_dir: str, study: Study, variant: str, work_dir: str, epochs_scale: float = 1.0,
        reuse: bool = False, candidates: str | None = None, stride: int = 1, log=print
        ) -> list[dict]:
    """Every LODO row of one study and variant: {train, test, points, mae{...}, ...}. With
    `candidates`, the model trained on every usable dataset is also written there as
    internet_<study>.pba with its results."""
    recipe = replace(study.recipe, **VARIANTS[variant])
    if epochs_scale != 1.0:
        recipe = replace(recipe, epochs=max(2, round(recipe.epochs * epochs_scale)),
                         windows_per_epoch=round(recipe.windows_per_epoch * epochs_scale))
    data = series(data_dir, recipe.sample_interval_s)
    usable = [ds for ds in TRAIN_SETS
              if point_count([tr for tr in data[ds] if not tr.held_out], recipe)
              >= MIN_TRAIN_POINTS]
    for ds in TRAIN_SETS:
        if ds not in usable:
            log(f"{study.name}: {ds} has too few training points, not trained on")
    train_on = [(ds,) for ds in usable]
    if any(ds.split(" ")[0] in TEST_ONLY_SETS for ds in data) and len(usable) > 1:
        train_on.append(tuple(usable))
    rows = []
    for sets in train_on:
        train = [tr for ds in sets for tr in data[ds] if not tr.held_out]
        tag = "+".join(sets)
        path = os.path.join(work_dir, f"{study.name}_{variant}_{tag}_e{epochs_scale:g}.pba")
        model = train_or_load(path, train, recipe, f"{study.name}_{variant}", reuse, log)
        tuned = forecast.tune_baselines([tr.mbps for tr in train], recipe.window, recipe.horizon)
        tests = [(f"{ds} held-out routes", [tr for tr in data[ds] if tr.held_out]) for ds in sets]
        tests += [(f"{ds} (all)", data[ds]) for ds in data
                  if ds not in sets and not ds.endswith(" held")]
        tests += [(f"{ds.replace(' held', '')} (all, held as {recipe.sample_interval_s:g} s)",
                   data[ds]) for ds in data if ds.endswith(" held")]
        for label, test in tests:
            if point_count(test, recipe) == 0:
                rows.append({"train": tag, "test": label, "points": 0})
                continue
            rows.append({"train": tag, "test": label, **score(model, test, recipe, tuned, stride)})
            log(format_rows(rows[-1:]))
        if candidates and len(sets) == len(usable):
            name = f"internet_{study.name}"
            size = write_candidate(model, [r for r in rows if r["train"] == tag], name,
                                   os.path.join(candidates, name + ".pba"))
            log(f"wrote {candidates}/{name}.pba ({size} bytes)")
    return rows


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_").replace("__", "_")


def write_candidate(model: pf.Model, rows: list[dict], name: str, path: str) -> int:
    """The model trained on both mobile datasets, renamed, with its LODO results as
    metrics.lodo_* keys; returns the file size."""
    md = dict(model.metadata)
    md["model.name"] = name
    for r in rows:
        if not r["points"]:
            continue
        key = "metrics.lodo_" + _slug(r["test"])
        md[key + "_points"] = r["points"]
        md[key + "_model_mae_mbps"] = round(r["mae"]["model"], 6)
        md[key + "_best_causal_mae_mbps"] = round(min(r["mae"][k] for k in CAUSAL), 6)
        md[key + "_gain_over_best_causal_pct"] = round(gain(r, CAUSAL), 4)
        md[key + "_gain_over_hindsight_pct"] = round(gain(r, CAUSAL + HINDSIGHT), 4)
    data = pf.Model(model.layers, model.tensors, md, model.selftest).to_bytes()
    pf.check_selftest(pf.read_model(data))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def gain(row: dict, against: tuple[str, ...]) -> float:
    """How much lower (%) the model's MAE is than the best of `against`."""
    best = min(row["mae"][k] for k in against)
    return 100.0 * (1.0 - row["mae"]["model"] / best)


CAUSAL = ("persistence", "mean10", "ewma", "ma_tuned", "ewma_tuned")
HINDSIGHT = ("ma_best", "ewma_best")

HEADER = ("| trained on | tested on | points | model | persistence | mean of 10 | EWMA 0.3 "
          "| MA tuned | EWMA tuned | best MA / EWMA in hindsight | vs best causal | vs hindsight |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def format_rows(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        if not r["points"]:
            lines.append(f"| {r['train']} | {r['test']} | 0 | traces too short | | | | | | | | |")
            continue
        m, tu, hi = r["mae"], r["tuned"], r["hindsight"]
        lines.append(
            f"| {r['train']} | {r['test']} | {r['points']} | {m['model']:.4g} "
            f"| {m['persistence']:.4g} | {m['mean10']:.4g} | {m['ewma']:.4g} "
            f"| {m['ma_tuned']:.4g} ({tu.ma_samples}) | {m['ewma_tuned']:.4g} ({tu.ewma_alpha:g}) "
            f"| {m['ma_best']:.4g} ({hi.ma_samples}) / {m['ewma_best']:.4g} ({hi.ewma_alpha:g}) "
            f"| {gain(r, CAUSAL):+.1f}% | {gain(r, CAUSAL + HINDSIGHT):+.1f}% |")
    return "\n".join(lines)


def format_table(study: Study, variant: str, rows: list[dict], epochs_scale: float,
                 stride: int = 1) -> str:
    r = replace(study.recipe, **VARIANTS[variant])
    title = (f"### {study.name} ({variant}): {r.sample_interval_s:g} s samples, window "
             f"{r.window}, mean over the next {r.horizon.steps} samples "
             f"({r.horizon.steps * r.sample_interval_s:g} s), LSTM {r.hidden}"
             + (f", training budget x{epochs_scale:g}" if epochs_scale != 1.0 else "")
             + (f", every {stride}th point" if stride != 1 else ""))
    return "\n".join([title, "", "MAE in Mbps; tuned/hindsight parameters in brackets "
                      "(MA samples, EWMA alpha); gains are lower MAE than the best of the "
                      "causal baselines, and than those and the hindsight ones.", "",
                      HEADER, format_rows(rows)])

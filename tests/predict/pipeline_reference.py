#!/usr/bin/python3
"""Reference forecasts of the embedded default models, computed the way they were trained.

For every src/models/*.pba that forecasts (has output.targets), builds a synthetic window with
gaps, runs it through tools/train/pba_train/pipeline.py (the numpy pipeline the models were
trained with) and pba_format.forward_numpy (float64 layers), and writes
  OUT/<name>.window.csv    timestamp_unix_s,bandwidth_mbps,latency_ms,packet_loss,jitter_ms (empty: missing)
  OUT/<name>.expected.csv  bandwidth_mbps,latency_ms,packet_loss,jitter_ms (empty: not forecast)
predict_test "[pipeline_live]" feeds the window to a C++ Predictor and compares.

    pipeline_reference.py OUT_DIR
"""
import datetime
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "tools"), os.path.join(ROOT, "tools", "train")]
import pba_format as pf  # noqa: E402
from pba_train import pipeline  # noqa: E402

FIELDS = ("bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms")
START = 1764158100.0  # 2025-11-26 11:55:00 UTC, a Wednesday


def window(n: int, interval: float, datacenter: bool) -> dict[str, np.ndarray]:
    t = np.arange(n, dtype=np.float64)
    level, rtt = (3000.0, 2.0) if datacenter else (40.0, 60.0)
    w = {
        "timestamp_unix_s": START + interval * t,
        "bandwidth_mbps": level * (1 + 0.25 * np.sin(0.3 * t)),
        "latency_ms": rtt * (1 + 0.25 * np.cos(0.2 * t)),
        "packet_loss": 1e-4 * (1 + (t % 3)),
        "jitter_ms": 0.1 + 0.01 * t,
    }
    for i in (0, 1, n // 2):
        w["bandwidth_mbps"][min(i, n - 1)] = np.nan
    for i in (3, 4):
        w["latency_ms"][min(i, n - 1)] = np.nan
    return w


def calendar(ts: np.ndarray) -> dict[str, np.ndarray]:
    utc = [datetime.datetime.fromtimestamp(s, datetime.timezone.utc) for s in ts]
    return {"hour_of_day": np.array([d.hour for d in utc], dtype=np.float64),
            # Go's time.Weekday: Sunday = 0; Python's weekday(): Monday = 0.
            "day_of_week": np.array([(d.weekday() + 1) % 7 for d in utc], dtype=np.float64)}


def main(out_dir: str) -> int:
    os.makedirs(out_dir, exist_ok=True)
    models_dir = os.path.join(ROOT, "src", "models")
    written = 0
    for file in sorted(os.listdir(models_dir)):
        if not file.endswith(".pba"):
            continue
        name = file[:-len(".pba")]
        model = pf.read_model(open(os.path.join(models_dir, file), "rb").read())
        m = model.metadata
        if "output.targets" not in m:
            continue  # not a forecasting model (the policy)
        n_in = len(m["input.features"])
        get = lambda key, default: m.get(key, [default] * n_in)  # noqa: E731
        features = [pipeline.Feature(f, pipeline.Norm(k, a, b, c), miss) for f, k, a, b, c, miss in
                    zip(m["input.features"], get("input.norm", "none"), get("input.norm_a", 0.0),
                        get("input.norm_b", 0.0), get("input.norm_c", 0.0), get("input.missing", 0.0))]
        n_out = len(m["output.targets"])
        oget = lambda key, default: m.get(key, [default] * n_out)  # noqa: E731
        outputs = [pipeline.Output(o, pipeline.Norm(k, a, b, c), r) for o, k, a, b, c, r in
                   zip(m["output.targets"], oget("output.norm", "none"), oget("output.norm_a", 0.0),
                       oget("output.norm_b", 0.0), oget("output.norm_c", 0.0), oget("output.ref_feature", -1))]
        shape = m["input.shape"]
        n = shape[0] if len(shape) == 2 else 1
        w = window(max(n, 12), float(m.get("input.sample_interval_s", 1.0)), m.get("model.mode") == "datacenter")
        fields = {**{k: v[None, -n:] for k, v in w.items()}, **{k: v[None, -n:] for k, v in
                                                               calendar(w["timestamp_unix_s"]).items()}}
        x, means = pipeline.model_input(fields, features)
        y = np.asarray(pf.forward_numpy(model, x[0].reshape(shape))).reshape(1, -1)
        raw = pipeline.model_output(y, outputs, means)[0]
        expected = {o.name: v for o, v in zip(outputs, raw)}
        if "packet_loss" in expected:
            expected["packet_loss"] = min(expected["packet_loss"], 1.0)  # the predictor's clamp

        def cell(v):
            return "" if v is None or (isinstance(v, float) and math.isnan(v)) else repr(float(v))

        with open(os.path.join(out_dir, f"{name}.window.csv"), "w") as f:
            f.write("timestamp_unix_s," + ",".join(FIELDS) + "\n")
            for i in range(len(w["timestamp_unix_s"])):
                f.write(",".join(cell(w[k][i]) for k in ("timestamp_unix_s",) + FIELDS) + "\n")
        with open(os.path.join(out_dir, f"{name}.expected.csv"), "w") as f:
            f.write(",".join(FIELDS) + "\n" + ",".join(cell(expected.get(k)) for k in FIELDS) + "\n")
        print(f"{name}: {dict((k, float(v)) for k, v in expected.items())}")
        written += 1
    if written == 0:
        print("no forecasting model in src/models", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

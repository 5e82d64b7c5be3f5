#!/usr/bin/python3
"""Contract tests for `pba replay` (issue 7): options, summary numbers, --out CSV, --plot, refusals.

Usage: replay_contract_test.py PBA_BINARY REPO_ROOT

The summary's numbers are checked against values computed here, independently of pba: by
hand for a model that always forecasts 10 Mbps, and from the trace itself for the embedded
`internet` model on the bundled demo trace.
"""
import csv
import io
import math
import os
import re
import subprocess
import sys
import tempfile

from contract import check, finish

CONTRACT_COLUMNS = ["t_s", "target_t_s", "predicted_mbps", "low_mbps", "high_mbps", "confidence", "mode", "fallback"]


def run(*args, env=None):
    return subprocess.run([PBA, "replay", *args], capture_output=True, text=True, env=env)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def constant_model(path, mbps, window, target="value_at", steps=1):
    """A .pba whose bandwidth forecast is always `mbps`: an LSTM feeding a zero-weight Dense."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import numpy as np
    import pba_format as pf
    hidden = 2
    rng = np.random.default_rng(1)
    tensors = [pf.Tensor("lstm.weight_ih", rng.uniform(-0.5, 0.5, (4 * hidden, 1))),
               pf.Tensor("lstm.weight_hh", rng.uniform(-0.5, 0.5, (4 * hidden, hidden))),
               pf.Tensor("lstm.bias_ih", np.zeros(4 * hidden)),
               pf.Tensor("lstm.bias_hh", np.zeros(4 * hidden)),
               pf.Tensor("dense.weight", np.zeros((1, hidden))),
               pf.Tensor("dense.bias", np.array([mbps]))]
    layers = [pf.Layer(pf.LayerType.LSTM, input_size=1, output_size=hidden, tensors=[0, 1, 2, 3]),
              pf.Layer(pf.LayerType.DENSE, input_size=hidden, output_size=1, tensors=[4, 5])]
    metadata = {"input.shape": [window, 1], "input.features": ["bandwidth_mbps"], "input.norm": ["none"],
                "output.targets": ["bandwidth_mbps"], "output.norm": ["none"], "input.sample_interval_s": 1.0,
                "forecast.target": target, "forecast.horizon_steps": steps, "model.name": "constant",
                "model.version": "test", "model.mode": "internet"}
    with open(path, "wb") as f:
        f.write(pf.write_model(layers, tensors, metadata))
    return path


def table(stdout, title_start):
    """{method: (mae, mape or None, within)} from the summary table after the line starting title_start."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title_start))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("  ") or line.startswith("  *"):
            break
        m = re.match(r"  (.+?)\s+(\d+\.\d+)\s+(n/a|\d+\.\d%)\s+(\d+\.\d)%$", line)
        if m:
            mape = None if m.group(3) == "n/a" else float(m.group(3)[:-1]) / 100
            rows[m.group(1)] = (float(m.group(2)), mape, float(m.group(4)) / 100)
    return rows


def read_out(path):
    with open(path, newline="") as f:
        text = f.read()
    reader = csv.DictReader(io.StringIO(text))
    return reader.fieldnames, list(reader)


def test_hand_computed(tmp):
    # bandwidth 10, 20, 10, 30, 20; a window-2 model always forecasting 10 Mbps one step ahead.
    trace = write(os.path.join(tmp, "hand.csv"), "t_s,throughput_mbps\n0,10\n1,20\n2,10\n3,30\n4,20\n")
    model = constant_model(os.path.join(tmp, "constant.pba"), 10, 2)
    out = os.path.join(tmp, "hand_out.csv")
    r = run("--trace", trace, "--model", model, "--out", out)
    check(r.returncode == 0, f"replay of a hand-made trace exits 0 ({r.stderr.strip()})")
    check("forecasts:  5 (one per accepted sample): 4 by the model, 1 by the fallback rule (1 window_filling)"
          in r.stdout, "forecast counts: 4 model, 1 fallback while the window fills")
    check("target:     bandwidth 1 samples ahead (1 s)" in r.stdout, "target line names value_at, 1 step")
    rows = table(r.stdout, "accuracy of the model's 3 scored forecasts")
    # Points t = 1, 2, 3 with actuals 10, 30, 20 (worked out in docs and the C++ test):
    want = {
        "model": (10.0, (0 + 20 / 30 + 10 / 20) / 3, 1 / 3),
        "persistence": (40 / 3, (10 / 10 + 20 / 30 + 10 / 20) / 3, 0.0),
        "moving average 10": ((5 + (30 - 40 / 3) + 2.5) / 3, (5 / 10 + (30 - 40 / 3) / 30 + 2.5 / 20) / 3, 1 / 3),
        "EWMA α=0.3": ((3 + 17.9 + 2.53) / 3, (3 / 10 + 17.9 / 30 + 2.53 / 20) / 3, 1 / 3),
    }
    for method, (mae, mape, within) in want.items():
        got = rows.get(method)
        check(got is not None and abs(got[0] - mae) < 6e-4 and abs(got[1] - mape) < 6e-4
              and abs(got[2] - within) < 6e-4, f"{method}: MAE/MAPE/±20% {got} == hand-computed "
              f"({mae:.4f}, {mape:.4f}, {within:.4f})")

    header, data = read_out(out)
    check(header[:8] == CONTRACT_COLUMNS, f"--out starts with the contract columns ({header[:8]})")
    check("actual_mbps" in header, "--out has actual_mbps")
    check(len(data) == 5, "--out: one row per forecast")
    check([row["t_s"] for row in data] == ["0", "1", "2", "3", "4"], "--out t_s: each sample's time")
    check([row["target_t_s"] for row in data] == ["1", "2", "3", "4", "5"], "--out target_t_s: t_s + 1 s")
    check([row["fallback"] for row in data] == ["1", "0", "0", "0", "0"], "--out fallback: 1 while the window fills")
    check([row["actual_mbps"] for row in data] == ["20", "10", "30", "20", ""],
          "--out actual_mbps: the next sample's value, empty after the last")
    check(all(float(row["predicted_mbps"]) == 10 for row in data[1:]), "--out predicted_mbps: the model's 10")
    check(all(row["mode"] == "internet" for row in data), "--out mode: the model's mode")
    check(all(float(row["low_mbps"]) <= float(row["predicted_mbps"]) <= float(row["high_mbps"]) for row in data),
          "--out: low <= predicted <= high")

    # --confidence calibrated: (30 x 0.43 + hits) / (30 + outcomes), each earlier outcome weighed
    # by 44/45 per later one, model and fallback forecasts apart. The fallback forecast (t 0) and
    # the model's first (t 1) have no matured outcome of their source: 0.43. The model's 10 then meets
    # 10 (hit), 30 (miss), 20 (miss) for the forecasts at t 2, 3, 4.
    r = run("--trace", trace, "--model", model, "--out", out, "--confidence", "calibrated")
    check(r.returncode == 0 and "calibrated confidence" in r.stdout, "--confidence calibrated runs and says so")
    lam = 44 / 45
    want = [0.43, 0.43, (12.9 + 1) / 31, (12.9 + lam) / (30 + 1 + lam), (12.9 + lam ** 2) / (30 + 1 + lam + lam ** 2)]
    _, data = read_out(out)
    got = [float(row["confidence"]) for row in data]
    check(len(got) == 5 and all(abs(g - w) < 1e-12 for g, w in zip(got, want)),
          f"--out confidence under the calibrated rule {got} == hand-computed {want}")


def test_demo_trace_against_independent_baselines(tmp):
    trace = os.path.join(ROOT, "examples", "data", "nyu_lte_car.csv")
    out = os.path.join(tmp, "demo_out.csv")
    r = run("--trace", trace, "--out", out)  # the default model: embedded internet
    check(r.returncode == 0, f"replay of the demo trace with the default model exits 0 ({r.stderr.strip()})")
    if r.returncode != 0:
        return
    check("embedded default 'internet'" in r.stdout, "the default model is the embedded internet")
    m = re.search(r"target:     (mean bandwidth over the next|bandwidth) (\d+) samples", r.stdout)
    check(m is not None, "the summary states the target")
    mean_over, h = m.group(1).startswith("mean"), int(m.group(2))

    with open(trace) as f:
        x = [float(line.split(",")[1]) for line in f.read().splitlines()[1:] if line.strip()]
    header, data = read_out(out)
    check(len(data) == len(x), "one forecast per row of a clean trace")

    def actual(i):
        if i + h >= len(x):
            return None
        return sum(x[i + 1:i + h + 1]) / h if mean_over else x[i + h]

    def baselines(i):
        w = x[max(0, i - 9):i + 1]
        ewma = w[0]
        for v in w[1:]:
            ewma = 0.3 * v + 0.7 * ewma
        return {"persistence": w[-1], "moving average 10": sum(w) / len(w), "EWMA α=0.3": ewma}

    # The internet default serves the online aggregate; --out keeps the bare network beside it.
    check(all(row["aggregated"] == "1" for row in data), "every demo forecast is served as the aggregate")
    errors = {"served (aggregate)": [], "network alone": [], "persistence": [], "moving average 10": [],
              "EWMA α=0.3": []}
    mape = {k: [] for k in errors}
    worst_actual, disagreements = 0.0, []
    for i, row in enumerate(data):
        a = actual(i)
        got = float(row["actual_mbps"]) if row["actual_mbps"] else None
        if a is None or got is None:
            if a is not None or got is not None:
                disagreements.append(i)
            continue
        worst_actual = max(worst_actual, abs(a - got))
        if row["fallback"] != "0":
            continue
        served = [("served (aggregate)", float(row["predicted_mbps"])), ("network alone", float(row["network_mbps"]))]
        for method, value in served + list(baselines(i).items()):
            errors[method].append(abs(value - a))
            if a >= 0.1:
                mape[method].append(abs(value - a) / a)
    check(not disagreements, f"the actual is known to both pba and this test, or to neither ({disagreements[:5]})")
    check(worst_actual < 1e-9, f"--out actual_mbps equals the trace's target ({worst_actual:.3g})")
    n = len(errors["served (aggregate)"])
    rows = table(r.stdout, f"accuracy of the model's {n} scored forecasts")
    for method in errors:
        mae = sum(errors[method]) / n
        mp = sum(mape[method]) / len(mape[method])
        got = rows.get(method)
        check(got is not None and abs(got[0] - mae) < 6e-4 and abs(got[1] - mp) < 6e-4,
              f"demo {method}: printed MAE/MAPE {got} == recomputed from the trace ({mae:.4f}, {mp:.4f})")
    check(not re.search(r"\b(nan|inf)\b", r.stdout, re.I), "no NaN or Inf in the summary")
    for needle in ("interval:   stated coverage", "confidence: mean", "modes:      internet", "AMST:       last forecast",
                   "-> streams", "latency:    predict() p50"):
        check(needle in r.stdout, f"summary has '{needle}'")


def test_degenerate(tmp):
    model = constant_model(os.path.join(tmp, "constant3.pba"), 10, 3)
    trace = write(os.path.join(tmp, "degenerate.csv"),
                  "t_s,throughput_mbps\n0,10\n1,inf\n2,-5\n2,10\n1.5,10\nnan,10\n3,\n4,12\n5,12\n")
    r = run("--trace", trace, "--model", model)
    check(r.returncode == 0, f"a degenerate trace replays ({r.stderr.strip()})")
    check("refused: 1 invalid time, 1 repeated time, 1 time going backwards;" in r.stdout
          and "2 values treated as missing" in r.stdout, "refusals and dropped values counted")
    check("note: 1 rows with an empty, non-finite or out-of-range t_s" in r.stderr, "invalid times noted on stderr")
    check(not re.search(r"\b(nan|inf)\b", r.stdout, re.I), "no NaN or Inf in a degenerate trace's summary")

    zeros = write(os.path.join(tmp, "zeros.csv"), "t_s,throughput_mbps\n" + "".join(f"{t},0\n" for t in range(20)))
    r = run("--trace", zeros, "--model", model)
    check(r.returncode == 0 and "n/a" in r.stdout, "an all-zero trace replays; MAPE is n/a")
    check(not re.search(r"\b(nan|inf)\b", r.stdout, re.I), "no NaN or Inf for an all-zero trace")

    gap = write(os.path.join(tmp, "gap.csv"), "t_s,throughput_mbps\n" + "".join(f"{t},5\n" for t in range(5)) +
                "".join(f"{t},5\n" for t in range(1000, 1005)))
    r = run("--trace", gap, "--model", model)
    check(r.returncode == 0 and "1 window restarts after a gap" in r.stdout, "a huge gap restarts the window")


def test_bandwidths_near_dbl_max(tmp):
    # Bandwidths within a factor 2 of DBL_MAX: any two of them sum past it, so a sum-then-divide
    # mean (errors, the moving average, a mean_over actual) would print inf. Every number must
    # come out finite and agree with exact rational arithmetic on the trace.
    from fractions import Fraction
    levels = [1.5e308, 1.7e308, 1.0e308, 1.6e308, 1.2e308, 1.79e308, 0.9e308, 1.3e308, 1.75e308, 1.1e308]
    x = [levels[t % len(levels)] for t in range(200)]
    trace = write(os.path.join(tmp, "huge.csv"), "t_s,throughput_mbps\n" + "".join(f"{t},{v!r}\n" for t, v in enumerate(x)))

    model = constant_model(os.path.join(tmp, "constant_huge.pba"), 10, 3)
    out = os.path.join(tmp, "huge_out.csv")
    r = run("--trace", trace, "--model", model, "--out", out)
    check(r.returncode == 0, f"a trace near DBL_MAX replays ({r.stderr.strip()})")
    if r.returncode != 0:
        return
    check(not re.search(r"\b(nan|inf)\b", r.stdout, re.I), "no NaN or Inf in the summary of a trace near DBL_MAX")
    _, data = read_out(out)
    errors = {"model": [], "persistence": [], "moving average 10": [], "EWMA α=0.3": []}
    for i, row in enumerate(data[:-1]):  # value_at one step: the next row is the actual
        a = Fraction(x[i + 1])
        w = x[max(0, i - 9):i + 1]
        ewma = w[0]
        for v in w[1:]:
            ewma = 0.3 * v + 0.7 * ewma
        for method, value in [("model", float(row["predicted_mbps"])), ("persistence", w[-1]),
                              ("moving average 10", sum(map(Fraction, w)) / len(w)), ("EWMA α=0.3", ewma)]:
            errors[method].append(abs(Fraction(value) - a))
    n = len(errors["model"])
    rows = table(r.stdout, f"accuracy of all {n} scored forecasts served")
    for method, e in errors.items():
        mae = float(sum(e) / n)
        mape = float(sum(err / Fraction(x[i + 1]) for i, err in enumerate(e)) / n)
        got = rows.get(method)
        check(got is not None and math.isfinite(got[0]) and abs(got[0] - mae) <= 1e-9 * mae
              and abs(got[1] - mape) < 6e-4, f"near DBL_MAX, {method}: printed MAE/MAPE {got and (got[0], got[1])} "
              f"== exact ({mae:.6g}, {mape:.4f})")

    # The embedded internet model forecasts the mean over its next samples: that actual too.
    r = run("--trace", trace)
    m = re.search(r"scored:     (\d+) forecasts", r.stdout)
    check(r.returncode == 0 and m is not None and int(m.group(1)) > 0,
          f"near DBL_MAX, mean_over actuals are known ({m and m.group(0)})")
    check(not re.search(r"\b(nan|inf)\b", r.stdout, re.I), "no NaN or Inf in the mean_over summary near DBL_MAX")


def check_refused(tmp, model, cases, name_file):
    """Each {name: (trace text, needle)} is refused: exit 1 and one stderr line with the needle
    (and the trace's path when name_file)."""
    for name, (text, needle) in cases.items():
        path = write(os.path.join(tmp, "bad.csv"), text)
        r = run("--trace", path, "--model", model)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 1 and len(lines) == 1 and needle in lines[0] and (path in lines[0] or not name_file),
              f"refused {name}: exit 1, one line naming the defect{' and file' if name_file else ''} ({lines})")


def test_refusals(tmp):
    model = constant_model(os.path.join(tmp, "constant.pba"), 10, 2)
    cases = {
        "not a number": ("t_s,throughput_mbps\n0,1\n1,x\n", "line 3: column 2 (throughput_mbps): 'x' is not a number"),
        "cell count": ("t_s,throughput_mbps\n0,1,2\n", "line 2: 3 cells, the header has 2"),
        "no header": ("0,1\n1,2\n", "line 1: expected a header naming the columns"),
        "no bandwidth": ("t_s,rtt_ms\n0,1\n", "line 1: no 'throughput_mbps' column"),
        "no rows": ("t_s,throughput_mbps\n", "no data rows after the header on line 1"),
    }
    check_refused(tmp, model, cases, name_file=True)
    r = run("--trace", os.path.join(tmp, "missing.csv"), "--model", model)
    check(r.returncode == 1 and "cannot open trace" in r.stderr, "a missing trace: exit 1, named")
    r = run("--trace", write(os.path.join(tmp, "ok.csv"), "t_s,throughput_mbps\n0,1\n"),
            "--model", os.path.join(ROOT, "tests", "data", "reference", "v1.pba"))
    check(r.returncode == 1 and "cannot drive a predictor" in r.stderr, "a model without predictor metadata: exit 1")
    for args, needle in [((), "missing required option --trace"),
                         (("--trace", "a.csv", "--default", "internet", "--model", model), "either --default"),
                         (("--trace", "a.csv", "--mode", "fast"), "--mode must be"),
                         (("--trace", "a.csv", "--confidence", "high"), "--confidence must be transport or calibrated"),
                         (("--trace", "a.csv", "--bogus"), "unknown option --bogus")]:
        r = run(*args)
        check(r.returncode == 2 and needle in r.stderr, f"usage error exits 2: {needle}")


def test_collector_csv(tmp):
    """The transport collector's column names and ISO 8601 times replay as the canonical trace does."""
    from datetime import datetime
    model = constant_model(os.path.join(tmp, "constant.pba"), 10, 2)
    times = ["2026-12-05T08:00:00Z", "2026-12-05T09:00:01+01:00", "2026-12-05 08:00:02.250Z",
             "2026-12-05T03:00:03-0500", "2026-12-05T08:00:04.5+00"]
    # Python's own reading of each time (3.11 fromisoformat takes every form above but "+00").
    want_t = [datetime.fromisoformat(t.replace("+00", "+00:00") if t.endswith("+00") else t).timestamp()
              for t in times]
    values = [(12.5, 40, 0.01, 2), (13, 41, 0, 2.5), (11, "", 0.02, 3), (14, 39, 0, 2), (12, 40, 0.005, 1)]
    collector = "timestamp,bandwidth_mbps,latency_ms,packet_loss,jitter_ms,streams\n" + "".join(
        f"{t},{b},{l},{p},{j},4\n" for t, (b, l, p, j) in zip(times, values))
    canonical = "t_s,throughput_mbps,rtt_ms,loss,jitter_ms\n" + "".join(
        f"{t!r},{b},{l},{p},{j}\n" for t, (b, l, p, j) in zip(want_t, values))
    millis = "timestamp_ms,bandwidth_mbps\n" + "".join(f"{round(t * 1000)},{v[0]}\n" for t, v in zip(want_t, values))
    outs = {}
    for name, text in [("collector", collector), ("canonical", canonical), ("millis", millis)]:
        out = os.path.join(tmp, f"{name}_out.csv")
        r = run("--trace", write(os.path.join(tmp, f"{name}.csv"), text), "--model", model, "--out", out)
        check(r.returncode == 0, f"{name} trace replays ({r.stderr.strip()})")
        # Every column but the measured predict() latency.
        outs[name] = [{k: v for k, v in row.items() if k != "latency_us"} for row in read_out(out)[1]] \
            if r.returncode == 0 else []
    got_t = [float(row["t_s"]) for row in outs["collector"]]
    check(len(got_t) == 5 and all(abs(g - w) < 1e-6 for g, w in zip(got_t, want_t)),
          f"ISO 8601 times with Z, offsets, a space and fractions are Python's Unix seconds ({got_t} vs {want_t})")
    check(outs["collector"] == outs["canonical"], "the collector's columns give the canonical trace's forecasts")
    check([float(row["t_s"]) for row in outs["millis"]] == [float(row["t_s"]) for row in outs["canonical"]],
          "timestamp_ms is read as milliseconds")

    cases = {
        "two time columns": ("t_s,timestamp,throughput_mbps\n0,0,1\n",
                             "columns 't_s' (column 1) and 'timestamp' (column 2) both give t_s"),
        "two loss columns": ("t_s,throughput_mbps,loss,packet_loss\n0,1,0,0\n",
                             "columns 'loss' (column 3) and 'packet_loss' (column 4) both give loss"),
        "no offset": ("timestamp,bandwidth_mbps\n2026-12-05T08:00:00,1\n",
                      "line 2: column 1 (timestamp): '2026-12-05T08:00:00' is not a valid ISO 8601 time with its UTC offset"),
        "February 30": ("timestamp,bandwidth_mbps\n2026-02-30T08:00:00Z,1\n", "'2026-02-30T08:00:00Z' is not a valid ISO 8601"),
        "a date only": ("time,bandwidth_mbps\n2026-12-05,1\n", "'2026-12-05' is not a number nor an ISO 8601 time"),
        "no time": ("when,bandwidth_mbps\n0,1\n", "no 't_s' column (t_s, timestamp, time, ts"),
    }
    check_refused(tmp, model, cases, name_file=False)


def test_plot(tmp):
    model = constant_model(os.path.join(tmp, "constant.pba"), 10, 2)
    trace = write(os.path.join(tmp, "plot.csv"), "t_s,throughput_mbps\n" + "".join(f"{t},{5 + t % 7}\n" for t in range(80)))
    png = os.path.join(tmp, "plot.png")
    have_matplotlib = subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], capture_output=True).returncode == 0
    if have_matplotlib:
        r = run("--trace", trace, "--model", model, "--plot", png)
        check(r.returncode == 0, f"--plot exits 0 ({r.stderr.strip()})")
        with open(png, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", "--plot writes a PNG")
    else:
        print("skip: matplotlib missing, the PNG is not checked")
    env = dict(os.environ, PBA_PYTHON=os.path.join(tmp, "no-python3"))
    r = run("--trace", trace, "--model", model, "--plot", png, env=env)
    check(r.returncode == 1 and "python3-matplotlib" in r.stderr, f"--plot without Python: exit 1, says what to install "
          f"({r.stderr.strip()})")


def amst_settings(bw, latency_ms=0.0):
    """The transport's streams, buffer, chunk, pacing (no loss, no jitter), in Go's float64 order."""
    factor = 0.7 if latency_ms > 100 else 1.3 if latency_ms < 20 else 1.0
    streams = min(max(math.trunc(math.trunc(bw / 10) * factor), 2), 256)
    buffer = min(max(math.trunc(bw * 1000000 / 8 * (latency_ms / 1000)), 16384), 1048576)
    chunk = min(max(buffer // streams, 8192), 131072)
    return streams, buffer, chunk, math.trunc(bw * 1000000 * 0.95 / 8)


def test_allocation_against_a_reimplementation(tmp):
    """The allocation table and its --out columns, recomputed here from the forecasts in --out."""
    trace = os.path.join(ROOT, "examples", "data", "nyu_lte_car.csv")
    out = os.path.join(tmp, "allocation_out.csv")
    r = run("--trace", trace, "--out", out)
    check(r.returncode == 0, f"replay of the demo trace exits 0 ({r.stderr.strip()})")
    if r.returncode != 0:
        return
    header, data = read_out(out)
    check(header[:16] == ["t_s", "target_t_s", "predicted_mbps", "low_mbps", "high_mbps", "confidence", "mode",
                          "fallback", "actual_mbps", "interval_coverage", "fallback_reason", "target",
                          "persistence_mbps", "moving_average_mbps", "ewma_mbps", "latency_us"],
          "--out: the original columns first, in their order")
    with open(trace) as f:
        x = [float(line.split(",")[1]) for line in f.read().splitlines()[1:] if line.strip()]
    check(all(row["next_mbps"] != "" and float(row["next_mbps"]) == v for v, row in zip(x[1:], data))
          and data[-1]["next_mbps"] == "", "--out next_mbps: the next row's throughput, empty after the last")

    delivered = sorted(float(row["next_mbps"]) for row in data if row["next_mbps"])
    fixed = amst_settings(delivered[(len(delivered) + 1) // 2 - 1])

    def interval(row):
        b, lo, hi = float(row["predicted_mbps"]), float(row["low_mbps"]), float(row["high_mbps"])
        streams = amst_settings(b)[0]
        buffer = amst_settings(hi)[1]
        return streams, buffer, min(max(buffer // streams, 8192), 131072), amst_settings(max(lo, 0.5 * b))[3]

    def gated(size, rule):
        return lambda row: size(row) if float(row[f"confidence_{rule}"]) >= 0.8 else None

    def point(row):
        return amst_settings(float(row["predicted_mbps"]))

    policies = {
        "pba, gates, transport rule": (gated(point, "transport"), "pba_gated_transport"),
        "pba, gates, calibrated rule": (gated(point, "calibrated"), "pba_gated_calibrated"),
        "pba, every forecast": (point, "pba_every"),
        "pba interval-sized, gates, transport rule": (gated(interval, "transport"), "interval_gated_transport"),
        "pba interval-sized, gates, calibrated rule": (gated(interval, "calibrated"), "interval_gated_calibrated"),
        "pba interval-sized, every forecast": (interval, "interval_every"),
        "EWMA α=0.3, every sample": (lambda row: amst_settings(float(row["ewma_mbps"])) if row["ewma_mbps"] else None,
                                     "ewma"),
        "fixed": (lambda row: None, "fixed"),
        "oracle (hindsight)": (lambda row: amst_settings(float(row["next_mbps"])) if row["next_mbps"] else None,
                               "oracle"),
    }
    for label, (choose, k) in policies.items():
        held, steps, over, unused, changes, applied, columns_agree = fixed, 0, 0, 0.0, 0, 0, True
        for row in data:
            new = choose(row)
            if new is not None:
                applied += 1
                changes += new[:3] != held[:3]
                held = new
            columns_agree &= (int(row[f"{k}_streams"]), int(row[f"{k}_buffer_bytes"]), int(row[f"{k}_chunk_bytes"]),
                              int(row[f"{k}_pacing_bytes_per_s"])) == held
            if row["next_mbps"]:
                d, p = float(row["next_mbps"]), held[3] * 8 / 1e6
                steps += 1
                over += p > d
                unused += max(0.0, d - p) / d if d > 0 else 0.0
        check(columns_agree, f"--out {k}_*: the settings held, as recomputed here")
        m = re.search(re.escape(label) + r"\s+(\d+\.\d)%\s+(\d+\.\d)%\s+(\d+)\s+(\d+)", r.stdout)
        got = m and (float(m.group(1)), float(m.group(2)), int(m.group(3)), int(m.group(4)))
        want = (round(100 * over / steps, 1), round(100 * unused / steps, 1), applied, changes)
        check(got is not None and abs(got[0] - want[0]) < 0.051 and abs(got[1] - want[1]) < 0.051
              and got[2:] == want[2:], f"allocation {label}: overshoot, undershoot, applied, changes {got} == {want}")
    check("overshoot" in r.stdout and "undershoot" in r.stdout, "the summary names overshoot and undershoot")


if __name__ == "__main__":
    PBA, ROOT = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        test_hand_computed(tmp)
        test_degenerate(tmp)
        test_bandwidths_near_dbl_max(tmp)
        test_refusals(tmp)
        test_collector_csv(tmp)
        test_plot(tmp)
        test_demo_trace_against_independent_baselines(tmp)
        test_allocation_against_a_reimplementation(tmp)
    finish()

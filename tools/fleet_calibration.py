#!/usr/bin/python3
"""Calibration of the calibrated confidence as a node sees it: every trace of a set, one link
each, through one process and one model (so the links share the model's fleet prior).

Each trace becomes a predictor (the C interface, libpba.so) on one embedded `internet` model,
with the calibrated confidence rule; the traces' rows are fed in one time order, trace k
starting `k x stagger` after trace 0 (in the order of their file names):
  --start concurrent   every link starts at once (a node that just started: a cold fleet)
  --start staggered    link k starts k x (mean trace duration / 4) in: links come and go
Each predictor is given its own trace's timestamps (the interleaving decides only which
outcomes the fleet holds), so every forecast is the one `pba replay` makes; only the
confidence differs. The actual of each forecast is worked out as `pba replay` does (the mean of
the samples after the forecast up to the one at its target time, within half a sample
interval), and the table is calibration_table.py's.

  tools/fleet_calibration.py --lib build/release/capi/libpba.so --traces ../shared/data/traces \\
      --start staggered nyu_mets norway3g fcc_broadband
"""

import argparse
import ctypes as C
import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import calibration_table  # noqa: E402

CONFIDENCE_CALIBRATED = 1
TARGET_VALUE_AT = 0  # pba_forecast_target
TARGET_MEAN_OVER = 1


class Sample(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("timestamp_unix_s", C.c_double), ("bandwidth_mbps", C.c_double),
                ("latency_ms", C.c_double), ("packet_loss", C.c_double), ("jitter_ms", C.c_double),
                ("throughput_mbps", C.c_double), ("reliability", C.c_double)]


class Forecast(C.Structure):
    _fields_ = [("struct_size", C.c_size_t)] + [(n, C.c_double) for n in (
        "bandwidth_mbps", "latency_ms", "packet_loss", "jitter_ms", "confidence", "bandwidth_low_mbps",
        "bandwidth_high_mbps", "interval_coverage", "made_at_unix_s", "target_unix_s", "horizon_s")] + \
        [(n, C.c_uint32) for n in ("horizon_steps", "target", "mode", "fallback", "fallback_reason",
                                   "fallback_fields", "unknown_fields", "reserved")] + \
        [("model_generation", C.c_uint64), ("model_version", C.c_char * 96), ("aggregated", C.c_uint32),
         ("leading_member", C.c_uint32), ("leading_weight", C.c_double), ("network_bandwidth_mbps", C.c_double)]


class Config(C.Structure):
    _fields_ = [("struct_size", C.c_size_t)] + [(n, C.c_void_p) for n in (
        "model", "slot", "datacenter_model", "datacenter_slot", "internet_model", "internet_slot")] + \
        [("mode", C.c_int), ("utc_offset_s", C.c_double), ("sample_interval_s", C.c_double),
         ("max_gap_s", C.c_double), ("accuracy_window", C.c_uint32), ("interval_window", C.c_uint32),
         ("interval_coverage", C.c_double), ("match_observed_samples", C.c_int), ("average_samples", C.c_uint32),
         ("dwell_samples", C.c_uint32)] + [(n, C.c_double) for n in (
             "hysteresis", "datacenter_max_latency_ms", "datacenter_min_bandwidth_mbps", "datacenter_max_packet_loss",
             "internet_min_latency_ms", "internet_max_bandwidth_mbps", "internet_min_packet_loss",
             "confidence_tolerance")] + \
        [("confidence_rule", C.c_uint32), ("aggregation", C.c_uint32), ("horizon_s", C.c_double),
         ("reserved", C.c_uint32 * 2)]


def default_config(model) -> Config:
    """pba_predictor_config_default() with `model` and the calibrated rule."""
    return Config(struct_size=C.sizeof(Config), model=model, accuracy_window=100, interval_window=100,
                  interval_coverage=0.9, match_observed_samples=1, average_samples=10, dwell_samples=3,
                  hysteresis=0.1, datacenter_max_latency_ms=10.0, datacenter_min_bandwidth_mbps=1000.0,
                  datacenter_max_packet_loss=0.001, internet_min_latency_ms=50.0,
                  internet_max_bandwidth_mbps=1000.0, internet_min_packet_loss=0.01, confidence_tolerance=0.2,
                  confidence_rule=CONFIDENCE_CALIBRATED)


class Library:
    def __init__(self, path: str):
        self.lib = C.CDLL(path)
        self.lib.pba_last_error.restype = C.c_char_p
        for name in ("pba_default_model_bytes", "pba_model_load_memory", "pba_predictor_create",
                     "pba_predictor_observe", "pba_predictor_predict"):
            getattr(self.lib, name).restype = C.c_int

    def check(self, status: int, what: str):
        if status != 0:
            sys.exit(f"fleet_calibration.py: {what}: {self.lib.pba_last_error().decode()}")

    def model(self, name: str):
        """A Model object of its own (pba_model_load_default shares one per process), so its own fleet."""
        data, size, out = C.c_void_p(), C.c_size_t(), C.c_void_p()
        self.check(self.lib.pba_default_model_bytes(name.encode(), C.byref(data), C.byref(size)), f"model {name}")
        self.check(self.lib.pba_model_load_memory(data, size, None, C.byref(out)), f"loading model {name}")
        return out

    def predictor(self, model):
        config = default_config(model)
        out = C.c_void_p()
        self.check(self.lib.pba_predictor_create(C.byref(config), C.byref(out)), "creating a predictor")
        return out


def read_trace(path: pathlib.Path):
    """(t_s, mbps) rows; an empty or non-finite bandwidth is missing (NaN), as the trace reader has it."""
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            t, _, bw = line.strip().partition(",")
            try:
                v = float(bw)
            except ValueError:
                v = math.nan
            rows.append((float(t), v if math.isfinite(v) and v >= 0 else math.nan))
    return rows


def actual_of(rows, i: int, target_t: float, horizon_s: float, steps: int, target: int) -> float:
    """The measured target of the forecast made after row i (trace/replay.cpp actual_of)."""
    steps = max(steps, 1)
    tolerance = 0.5 * horizon_s / steps
    first = i + 1
    j = first
    while j < len(rows) and rows[j][0] < target_t - tolerance:
        j += 1
    if j == len(rows):
        return math.nan
    in_time = rows[j][0] <= target_t + tolerance
    if target == TARGET_VALUE_AT:
        return rows[j][1] if in_time else math.nan
    values = [rows[k][1] for k in range(first, j + 1 if in_time else j) if math.isfinite(rows[k][1])]
    return sum(values) / len(values) if values and len(values) >= (steps + 1) // 2 else math.nan


def run_set(lib: Library, model, traces, start: str):
    """(stated, predicted, actual, fallback) of every scored forecast of the set's traces."""
    trs = [read_trace(p) for p in traces]
    durations = [tr[-1][0] - tr[0][0] for tr in trs if tr]
    stagger = sum(durations) / len(durations) / 4 if start == "staggered" and durations else 0.0
    events = sorted((tr[i][0] - tr[0][0] + k * stagger, k, i) for k, tr in enumerate(trs) for i in range(len(tr)))
    predictors = [lib.predictor(model) for _ in trs]
    made = [[] for _ in trs]
    sample, forecast = Sample(struct_size=C.sizeof(Sample)), Forecast(struct_size=C.sizeof(Forecast))
    for _, k, i in events:
        t, bw = trs[k][i]
        for name in ("latency_ms", "packet_loss", "jitter_ms", "throughput_mbps", "reliability"):
            setattr(sample, name, math.nan)
        sample.timestamp_unix_s, sample.bandwidth_mbps = t, bw
        if lib.lib.pba_predictor_observe(predictors[k], C.byref(sample), None) != 0:
            continue
        if lib.lib.pba_predictor_predict(predictors[k], C.byref(forecast)) != 0:
            continue
        made[k].append((i, forecast.confidence, forecast.bandwidth_mbps, forecast.target_unix_s, forecast.horizon_s,
                        forecast.horizon_steps, forecast.target, forecast.fallback == 1))
    for p in predictors:
        lib.lib.pba_predictor_free(p)
    points = []
    for tr, forecasts in zip(trs, made):
        for i, stated, predicted, target_t, horizon_s, steps, target, fallback in forecasts:
            actual = actual_of(tr, i, target_t, horizon_s, steps, target)
            if math.isfinite(actual):
                points.append((stated, predicted, actual, fallback))
    return points


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", help="the trace folders to replay, each as one node")
    ap.add_argument("--lib", required=True, help="libpba.so")
    ap.add_argument("--traces", required=True, type=pathlib.Path, help="folder holding one folder of traces per set")
    ap.add_argument("--start", choices=["concurrent", "staggered"], default="staggered")
    ap.add_argument("--model", default="internet", help="the embedded model (default internet)")
    ap.add_argument("--min-count", type=int, default=200, help="deciles with fewer forecasts are not judged")
    ap.add_argument("--bar", type=float, default=5.0, help="allowed |observed - stated|, in percentage points")
    args = ap.parse_args()

    lib = Library(args.lib)
    print(f"'within': |actual - predicted| <= 0.2 x actual; deciles with >= {args.min_count} forecasts must be "
          f"within ±{args.bar:g} points; links start {args.start}")
    ok = True
    for name in args.sets:
        traces = sorted((args.traces / name).glob("*.csv"))
        if not traces:
            sys.exit(f"fleet_calibration.py: no *.csv in {args.traces / name}")
        model = lib.model(args.model)  # one model per set: its own fleet, as one node serving that network
        points = run_set(lib, model, traces, args.start)
        ok &= calibration_table.print_set(name, points, 0.2, args.min_count, args.bar)
        if points:
            print(f"AMST's gates: confidence >= 0.6 at {100 * sum(p[0] >= 0.6 for p in points) / len(points):.1f} %, "
                  f">= 0.8 at {100 * sum(p[0] >= 0.8 for p in points) / len(points):.1f} % of the scored forecasts")
        lib.lib.pba_model_free(model)
    print(f"\nbar {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

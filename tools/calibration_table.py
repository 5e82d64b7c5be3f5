#!/usr/bin/python3
"""Calibration of a replay's confidence: stated against observed probability, in deciles.

A forecast is a hit when its bandwidth lies within the tolerance of the measured target,
|actual - predicted| <= tolerance * actual (actual >= 0), the event the calibrated confidence
rule states the probability of (include/pba/predict/calibrated_confidence.hpp). Forecasts are
grouped by stated confidence into deciles [0, 0.1), ..., [0.9, 1]; for each, the mean stated
value and the observed share of hits. Only scored forecasts (a non-empty actual_mbps) count.

  tools/calibration_table.py --pba build/release/tools/pba --traces ../shared/data/traces \\
      nyu_mets norway3g fcc_broadband
      replays every trace of each named set with `pba replay --confidence calibrated --out`
  tools/calibration_table.py --csv NAME=replay1.csv,replay2.csv ...
      reads replay CSVs already written
"""

import argparse
import csv
import math
import pathlib
import subprocess
import sys
import tempfile

DECILES = 10


def within(predicted: float, actual: float, tolerance: float) -> bool:
    return math.isfinite(actual) and actual >= 0.0 and abs(actual - predicted) <= tolerance * actual


def read_points(paths):
    """(stated, predicted, actual, fallback) of every scored forecast in the replay CSVs."""
    points = []
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row["actual_mbps"] == "":
                    continue
                points.append((float(row["confidence"]), float(row["predicted_mbps"]), float(row["actual_mbps"]),
                               row["fallback"] == "1"))
    return points


def table(points, tolerance: float, min_count: int, bar_points: float):
    """Rows (decile, count, stated, observed, ok) and whether every decile with >= min_count passes."""
    bins = [[0, 0.0, 0] for _ in range(DECILES)]  # count, stated sum, hits
    for stated, predicted, actual, _ in points:
        b = bins[min(int(stated * DECILES), DECILES - 1)]
        b[0] += 1
        b[1] += stated
        b[2] += within(predicted, actual, tolerance)
    rows, passed = [], True
    for d, (n, stated_sum, hits) in enumerate(bins):
        if n == 0:
            continue
        stated, observed = stated_sum / n, hits / n
        judged = n >= min_count
        ok = abs(observed - stated) * 100 <= bar_points
        passed &= ok or not judged
        rows.append((d, n, stated, observed, ("yes" if ok else "NO") if judged else "-"))
    return rows, passed


def print_set(name: str, points, tolerance: float, min_count: int, bar_points: float) -> bool:
    if not points:
        print(f"\n{name}: no scored forecast (no forecast's target was measured): nothing to judge")
        return True
    all_ok = True
    for label, subset in (("all", points), ("model", [p for p in points if not p[3]]),
                          ("fallback", [p for p in points if p[3]])):
        if not subset:
            continue
        rows, ok = table(subset, tolerance, min_count, bar_points)
        hits = sum(within(p[1], p[2], tolerance) for p in subset)
        print(f"\n{name}, {label} forecasts: {len(subset)} scored, mean stated {sum(p[0] for p in subset) / len(subset):.3f}, "
              f"observed {hits / len(subset):.3f}")
        print("| stated | forecasts | mean stated | observed | within ±{:g} points |".format(bar_points))
        print("|---|---:|---:|---:|---|")
        for d, n, stated, observed, verdict in rows:
            print(f"| {d / DECILES:.1f}–{(d + 1) / DECILES:.1f} | {n} | {stated:.3f} | {observed:.3f} | {verdict} |")
        if label == "all":
            all_ok &= ok
    return all_ok


def replay_set(pba: str, traces: pathlib.Path, name: str, out_dir: pathlib.Path, rule: str):
    csvs = []
    for trace in sorted((traces / name).glob("*.csv")):
        out = out_dir / f"{name}__{trace.name}"
        subprocess.run([pba, "replay", "--trace", str(trace), "--confidence", rule, "--out", str(out), "--quiet"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        csvs.append(out)
    if not csvs:
        sys.exit(f"calibration_table.py: no *.csv in {traces / name}")
    return csvs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="*", help="with --traces: the trace folders to replay")
    ap.add_argument("--pba", help="the pba executable")
    ap.add_argument("--traces", type=pathlib.Path, help="folder holding one folder of traces per set")
    ap.add_argument("--csv", action="append", default=[], help="NAME=a.csv,b.csv: replay CSVs already written")
    ap.add_argument("--confidence", default="calibrated", choices=["transport", "calibrated"],
                    help="the rule to replay with (default calibrated)")
    ap.add_argument("--tolerance", type=float, default=0.2, help="'within' as the predictor's confidence_tolerance")
    ap.add_argument("--min-count", type=int, default=200, help="deciles with fewer forecasts are not judged")
    ap.add_argument("--bar", type=float, default=5.0, help="allowed |observed - stated|, in percentage points")
    args = ap.parse_args()

    groups = []
    for spec in args.csv:
        name, _, files = spec.partition("=")
        groups.append((name, files.split(",")))
    ok = True
    with tempfile.TemporaryDirectory(prefix="pba-calibration-") as tmp:
        if args.sets:
            if not (args.pba and args.traces):
                ap.error("replaying sets needs --pba and --traces")
            for name in args.sets:
                groups.append((name, replay_set(args.pba, args.traces, name, pathlib.Path(tmp), args.confidence)))
        if not groups:
            ap.error("nothing to read: give sets with --pba and --traces, or --csv")
        print(f"'within': |actual - predicted| <= {args.tolerance:g} x actual; deciles with >= {args.min_count} "
              f"forecasts must be within ±{args.bar:g} points")
        for name, files in groups:
            ok &= print_set(name, read_points(files), args.tolerance, args.min_count, args.bar)
    print(f"\nbar {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The allocation score of `pba replay`, pooled per dataset, as the markdown table in docs/replay.md.

Usage: tools/allocation_table.py PBA_BINARY DATASET... [--default NAME] [--jobs N]

Each DATASET is a trace file or a folder of them (*.csv, pooled). Every trace is replayed with
`pba replay --out`; the per-forecast columns of each policy (docs/replay.md, "--out CSV") are
pooled over the dataset's traces: overshoot is the share of all scored steps paced above the
delivered throughput, undershoot the mean unused share over them, changes the forecasts after
which streams, buffer or chunk changed, per hour of trace (first to last forecast).
"""
import argparse
import concurrent.futures
import csv
import glob
import os
import subprocess
import sys
import tempfile

LABELS = {
    "pba_gated_transport": "pba, gates, transport rule",
    "pba_gated_calibrated": "pba, gates, calibrated rule",
    "pba_every": "pba, every forecast",
    "interval_gated_transport": "pba interval-sized, gates, transport rule",
    "interval_gated_calibrated": "pba interval-sized, gates, calibrated rule",
    "interval_every": "pba interval-sized, every forecast",
    "ewma": "EWMA α=0.3, every sample",
    "fixed": "fixed (median delivered, per trace)",
    "oracle": "oracle (hindsight)",
}
SETTINGS = ("streams", "buffer_bytes", "chunk_bytes")


def policies(header):
    return [c[:-len("_overshoot")] for c in header if c.endswith("_overshoot")]


def replay(pba, trace, model):
    """{policy: [steps, overshoot steps, unused sum, changes]} and hours for one trace."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.csv")
        r = subprocess.run([pba, "replay", "--trace", trace, "--default", model, "--out", out, "--quiet"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"pba replay {trace} failed: {r.stderr.strip()}")
        with open(out, newline="") as f:
            reader = csv.DictReader(f)
            keys = policies(reader.fieldnames)
            totals = {k: [0, 0, 0.0, 0] for k in keys}
            previous = None
            first_t = last_t = None
            for row in reader:
                t = float(row["t_s"])
                first_t = t if first_t is None else first_t
                last_t = t
                if previous is None:  # every policy starts from the fixed settings
                    previous = {k: tuple(row[f"fixed_{s}"] for s in SETTINGS) for k in keys}
                for k in keys:
                    held = tuple(row[f"{k}_{s}"] for s in SETTINGS)
                    if held != previous[k]:
                        totals[k][3] += 1
                    previous[k] = held
                    if row[f"{k}_overshoot"] != "":
                        totals[k][0] += 1
                        totals[k][1] += int(row[f"{k}_overshoot"])
                        totals[k][2] += float(row[f"{k}_undershoot"])
    return totals, ((last_t - first_t) / 3600 if first_t is not None else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pba")
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("--default", default="internet", help="the embedded model (default internet)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    columns, pooled = [], []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for dataset in args.datasets:
            traces = sorted(glob.glob(os.path.join(dataset, "*.csv"))) if os.path.isdir(dataset) else [dataset]
            if not traces:
                sys.exit(f"{dataset}: no *.csv traces")
            name = os.path.basename(os.path.normpath(dataset))
            totals, hours = {}, 0.0
            for t, h in pool.map(lambda tr: replay(args.pba, tr, args.default), traces):
                hours += h
                for k, v in t.items():
                    acc = totals.setdefault(k, [0, 0, 0.0, 0])
                    for i in range(4):
                        acc[i] += v[i]
            steps = next(iter(totals.values()))[0] if totals else 0
            columns.append(f"{name} ({len(traces)} trace{'s' if len(traces) > 1 else ''}, {steps} steps, {hours:.1f} h)")
            pooled.append((totals, hours))

    print("| policy | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for k in LABELS:
        cells = []
        for totals, hours in pooled:
            v = totals.get(k)
            if not v or v[0] == 0:
                cells.append("n/a")
                continue
            cells.append(f"{100 * v[1] / v[0]:.1f}% / {100 * v[2] / v[0]:.1f}% / {v[3] / hours if hours else 0:.0f}")
        print(f"| {LABELS[k]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

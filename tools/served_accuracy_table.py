#!/usr/bin/python3
"""Accuracy of the forecasts pba serves, per held-out dataset, sampling interval and horizon.

Every held-out trace (the held-out routes of nyu_mets and norway3g, every fcc_broadband trace:
a dataset no model was trained on) is replayed through `pba replay --default internet --out`,
resampled first to the sampling interval asked (the mean throughput of each block), with
`--horizon` when a horizon other than the model's is asked. Over the scored forecasts
(fallback ones included) pooled per dataset: the MAE of the served forecast, of the best of
the three fixed baselines (persistence, the 10-sample mean, EWMA 0.3), of the best single
smoother chosen in hindsight on that dataset (the aggregate's smoother members), and of the
bare network where it answered.

  tools/served_accuracy_table.py --pba build/release/tools/pba --data ../shared/data \\
      --interval 1 --horizon 60 --interval 60 --horizon 900 ...
  (each --interval/--horizon pair is one table row group; the horizon 0 means the model's)
"""

import argparse
import csv
import math
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "train"))
from pba_train import traces as trace_sets  # noqa: E402

DATASETS = ("nyu_mets", "norway3g", "fcc_broadband")
BASELINES = ("persistence_mbps", "moving_average_mbps", "ewma_mbps")
SMOOTHERS = ("persistence", "ma10", "ewma_0.5", "ewma_0.2", "ewma_0.05", "ewma_0.02", "ewma_0.005", "ewma_0.001")


def held_out(dataset: str, data_dir: str):
    traces = trace_sets.load_dataset(data_dir, dataset)
    return traces if dataset not in trace_sets.HELD_OUT_ROUTES else [t for t in traces if t.held_out]


def resampled_rows(trace, interval_s: float):
    """(t_s, mbps) rows of the trace at interval_s: block means (the trace as it is if finer)."""
    if interval_s <= trace.interval_s:
        return list(zip(trace.t_s, trace.mbps))
    per = int(round(interval_s / trace.interval_s))
    rows = []
    for start in range(0, len(trace.mbps) - per + 1, per):
        rows.append((trace.t_s[start + per - 1], float(trace.mbps[start:start + per].mean())))
    return rows


class Pool:
    def __init__(self):
        self.n = 0
        self.sum = {}
        self.network = [0, 0.0]

    def add(self, row):
        actual = float(row["actual_mbps"])
        self.n += 1
        values = {"served": row["predicted_mbps"]}
        values.update({b: row[b] for b in BASELINES})
        values.update({s: row.get(f"member_{s}_mbps", "") for s in SMOOTHERS})
        for key, text in values.items():
            if text != "":
                self.sum[key] = self.sum.get(key, 0.0) + abs(float(text) - actual)
        if row.get("network_mbps", "") not in ("", "0"):
            self.network[0] += 1
            self.network[1] += abs(float(row["network_mbps"]) - actual)

    def mae(self, key):
        return self.sum.get(key, math.nan) / self.n if self.n else math.nan


def replay(pba: str, rows, horizon_s: float, tmp: pathlib.Path, pool: Pool):
    trace_csv, out_csv = tmp / "trace.csv", tmp / "out.csv"
    with open(trace_csv, "w") as f:
        f.write("t_s,throughput_mbps\n")
        f.writelines(f"{t:.17g},{v:.17g}\n" for t, v in rows)
    cmd = [pba, "replay", "--trace", str(trace_csv), "--default", "internet", "--out", str(out_csv)]
    if horizon_s > 0:
        cmd += ["--horizon", f"{horizon_s:g}"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["actual_mbps"] != "":
                pool.add(row)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pba", required=True)
    ap.add_argument("--data", required=True, help="the folder holding traces/<dataset>/")
    ap.add_argument("--interval", type=float, action="append", required=True, help="seconds between samples")
    ap.add_argument("--horizon", type=float, action="append", required=True, help="seconds; 0: the model's")
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    args = ap.parse_args()
    if len(args.interval) != len(args.horizon):
        ap.error("give as many --interval as --horizon")

    print("| interval | horizon | dataset | points | served MAE | best fixed baseline | gain | "
          "best smoother in hindsight | gain | network alone (points) |")
    print("|---:|---:|---|---:|---:|---|---:|---|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for interval_s, horizon_s in zip(args.interval, args.horizon):
            for dataset in args.datasets:
                pool = Pool()
                for trace in held_out(dataset, args.data):
                    rows = resampled_rows(trace, interval_s)
                    if len(rows) >= 2:
                        replay(args.pba, rows, horizon_s, pathlib.Path(tmp), pool)
                if pool.n == 0:
                    continue
                served = pool.mae("served")
                base = min(BASELINES, key=pool.mae)
                smoother = min(SMOOTHERS, key=lambda s: pool.mae(s) if s in pool.sum else math.inf)
                net = (f"{pool.network[1] / pool.network[0]:.3f} ({pool.network[0]})" if pool.network[0] else "-")
                label = {"persistence_mbps": "persistence", "moving_average_mbps": "MA10", "ewma_mbps": "EWMA 0.3"}
                print(f"| {interval_s:g} s | {horizon_s:g} s | {dataset} | {pool.n} | {served:.3f} | "
                      f"{label[base]} {pool.mae(base):.3f} | {100 * (1 - served / pool.mae(base)):+.1f} % | "
                      f"{smoother} {pool.mae(smoother):.3f} | {100 * (1 - served / pool.mae(smoother)):+.1f} % | {net} |",
                      flush=True)


if __name__ == "__main__":
    main()

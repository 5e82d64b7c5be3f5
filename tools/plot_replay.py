#!/usr/bin/python3
"""Plots a `pba replay --out` CSV: the measured bandwidth against the forecast and its interval.

Usage: plot_replay.py REPLAY.csv OUT.png [--title TEXT]

Each forecast is drawn at its target time (t_s + horizon), next to what was measured for
that target (the mean over the horizon for a mean_over model), so the gap between the two
lines is the forecast error. The shaded band is the forecast's bandwidth interval; forecasts
from the fallback rule are marked along the bottom. Exit status 3: matplotlib is missing.
"""
import argparse
import csv
import math
import sys


def number(text):
    return float(text) if text else math.nan


def read(path):
    rows = {"made": [], "target": [], "predicted": [], "low": [], "high": [], "actual": [], "fallback": [],
            "covered": [], "mean_over": False}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows["made"].append(number(r["t_s"]))
            rows["target"].append(number(r["target_t_s"]))
            rows["predicted"].append(number(r["predicted_mbps"]))
            rows["low"].append(number(r["low_mbps"]))
            rows["high"].append(number(r["high_mbps"]))
            rows["actual"].append(number(r["actual_mbps"]))
            rows["fallback"].append(r["fallback"] == "1")
            rows["covered"].append(number(r["interval_coverage"]) > 0)
            rows["mean_over"] |= r["target"] == "mean_over"
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv")
    parser.add_argument("png")
    parser.add_argument("--title", default="pba replay")
    args = parser.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        print(f"plot_replay.py: needs matplotlib (Debian: apt-get install python3-matplotlib): {e}", file=sys.stderr)
        return 3

    rows = read(args.csv)
    if not rows["target"]:
        print(f"plot_replay.py: {args.csv} holds no forecast", file=sys.stderr)
        return 1
    t0 = rows["made"][0]
    x = [t - t0 for t in rows["target"]]
    # The band only where an interval exists (NaN elsewhere breaks the fill).
    low = [lo if c else math.nan for lo, c in zip(rows["low"], rows["covered"])]
    high = [hi if c else math.nan for hi, c in zip(rows["high"], rows["covered"])]

    fig, ax = plt.subplots(figsize=(12, 4.5), dpi=110)
    ax.fill_between(x, low, high, color="tab:blue", alpha=0.18, linewidth=0, label="forecast interval")
    measured = "measured (mean over the horizon)" if rows["mean_over"] else "measured"
    ax.plot(x, rows["actual"], color="black", linewidth=0.9, label=measured)
    ax.plot(x, rows["predicted"], color="tab:blue", linewidth=1.1, label="forecast")
    fallback_x = [xi for xi, fb in zip(x, rows["fallback"]) if fb]
    if fallback_x:
        ax.plot(fallback_x, [0] * len(fallback_x), "|", color="tab:orange", markersize=8, label="fallback rule")
    ax.set_xlabel("time forecast for (s from the first forecast)")
    ax.set_ylabel("bandwidth (Mbps)")
    ax.set_title(args.title, fontsize="medium", pad=22)
    ax.set_xlim(min(x), max(x) if max(x) > min(x) else min(x) + 1)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 0.99), fontsize="small", ncol=4, frameon=False)
    fig.tight_layout()
    fig.savefig(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())

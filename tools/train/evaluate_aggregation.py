#!/usr/bin/python3
"""Replay every trace of every dataset through the per-link forecast aggregator and compare it
with the naive baselines and with the best single smoother chosen in hindsight.

    tools/train/evaluate_aggregation.py DATA_DIR [--pba build/release/tools/pba] [--cache DIR]
                                                 [--tune]

DATA_DIR holds traces/<dataset>/*.csv (`t_s,throughput_mbps`). Each trace is one link: the
aggregator starts from equal weights on it. Horizons 10 s, 60 s and 15 min, target mean_over,
horizon_steps = H / the dataset's sample interval. The network member is the embedded
`internet` model's forecast from `pba replay` (its 60 s mean; asleep at the other horizons, on
datasets not sampled every second, and wherever the replay says the fallback rule answered).

Every method is scored on the same points: every sample with a measured target and a baseline.
- baselines (as `pba replay`): persistence, mean of the last 10, EWMA(0.3) of the last 10;
- hindsight: the best single EWMA (debiased, alpha on a grid) or moving average (length on a
  grid) on the pooled dataset, chosen after seeing it;
- served: the aggregator with the chosen parameters (pba_train.aggregation defaults).
`--tune` also runs the leave-one-dataset-out choice of the learning parameters.
"""
from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tools/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))                    # tools/train

import numpy as np  # noqa: E402

from pba_train import aggregation as ag  # noqa: E402
from pba_train import traces as tr  # noqa: E402

HORIZONS_S = (10.0, 60.0, 900.0)
NETWORK_HORIZON_S = 60.0
HINDSIGHT_EWMA = tuple(float(a) for a in np.round(np.geomspace(0.001, 0.9, 25), 4))
HINDSIGHT_MA = (1, 2, 3, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900)
BASELINES = ("persistence", "mean10", "ewma0.3_10")
ETAS = (0.5, 1.0, 2.0)
SHARES = (0.001, 0.003, 0.01)
SNAPSHOTS = (4,)
PRIORS = ((0.1, 1.0), (0.3, 0.75), (0.5, 0.75), (0.5, 1.0), (0.7, 0.75), (1.0, 0.75))
SNAPSHOT_CHOICES = (2, 3, 4, 6)  # checked at the chosen eta, share and prior


class Link:
    """One trace and everything about it that does not depend on the learning parameters."""

    def __init__(self, dataset: str, name: str, t: np.ndarray, y: np.ndarray, interval_s: float):
        self.dataset, self.name, self.t, self.y, self.interval_s = dataset, name, t, y, interval_s
        self.seg = ag.segments(t, interval_s)
        self.held_out = False
        if dataset in tr.HELD_OUT_ROUTES:
            self.held_out = tr.route_of(dataset, name) in tr.HELD_OUT_ROUTES[dataset]
        self.network = np.full(len(t), np.nan)
        self.family = np.stack([ag.smoother_forecasts(y, self.seg, kind, p)
                                for _, kind, p in ag.MEMBERS[1:]], axis=1)
        self.hindsight = np.concatenate(
            [ewmas(y, self.seg, HINDSIGHT_EWMA),
             np.stack([ag.smoother_forecasts(y, self.seg, "ma", n) for n in HINDSIGHT_MA], axis=1)],
            axis=1)
        self.baselines = baselines(y, self.seg)

    def members(self, horizon_s: float, with_network: bool = True) -> np.ndarray:
        net = self.network if with_network and horizon_s == NETWORK_HORIZON_S else np.nan
        return np.concatenate([np.broadcast_to(net, (len(self.t),))[:, None], self.family], axis=1)


def ewmas(y: np.ndarray, seg: np.ndarray, alphas) -> np.ndarray:
    """Debiased EWMAs (as the aggregator's members) for many alphas at once, per segment."""
    a = np.array(alphas)
    out = np.full((len(y), len(a)), np.nan)
    s0 = np.zeros(len(a))
    s1 = np.zeros(len(a))
    prev = None
    for i, v in enumerate(y):
        if seg[i] != prev:
            prev = seg[i]
            s0[:] = 0.0
            s1[:] = 0.0
        if v >= 0 and np.isfinite(v):
            s0 = (1.0 - a) * s0 + a * v
            s1 = (1.0 - a) * s1 + a
        if s1[0] > 0:
            out[i] = s0 / s1
    return out


def baselines(y: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """persistence, mean of last 10, EWMA(0.3) of last 10 over the finite values among the newest
    <= 10 samples since the segment began (as src/trace/replay.cpp)."""
    n = len(y)
    w = 10
    idx = np.arange(n)[:, None] - np.arange(w - 1, -1, -1)[None, :]  # oldest .. newest
    start = np.zeros(n, dtype=np.int64)
    firsts = np.concatenate([[0], np.flatnonzero(np.diff(seg)) + 1])
    start[firsts] = firsts
    start = np.maximum.accumulate(start)
    valid = idx >= start[:, None]
    vals = np.where(valid, y[np.clip(idx, 0, n - 1)], np.nan)
    vals = np.where(vals >= 0, vals, np.nan)
    fin = np.isfinite(vals)
    count = fin.sum(axis=1)
    mean = np.where(count > 0, np.where(fin, vals, 0).sum(axis=1) / np.maximum(count, 1), np.nan)
    newest = np.full(n, np.nan)
    ewma = np.full(n, np.nan)
    for k in range(w):
        v = vals[:, k]
        newest = np.where(np.isfinite(v), v, newest)
        ewma = np.where(np.isnan(ewma), v, np.where(np.isnan(v), ewma, 0.3 * v + 0.7 * ewma))
    return np.stack([newest, mean, ewma], axis=1)


def load(data_dir: str) -> list[Link]:
    links = []
    root = os.path.join(data_dir, "traces")
    for dataset in sorted(os.listdir(root)):
        folder = os.path.join(root, dataset)
        files = sorted(f for f in os.listdir(folder) if f.endswith(".csv"))
        raw = [np.loadtxt(os.path.join(folder, f), delimiter=",", skiprows=1, ndmin=2) for f in files]
        # nominal: Norway's 3G rows are 1.001 .. 1.02 s apart
        interval = float(np.round(np.median(np.concatenate([np.diff(r[:, 0]) for r in raw]))))
        for f, r in zip(files, raw):
            links.append(Link(dataset, f[:-4], r[:, 0], r[:, 1], interval))
    return links


def attach_network(links: list[Link], pba: str, cache: str) -> None:
    """The `internet` model's per-sample forecasts from `pba replay` (NaN where its `fallback`
    column says the fallback rule answered)."""
    os.makedirs(cache, exist_ok=True)
    for link in links:
        if link.interval_s != 1.0:
            continue
        out = os.path.join(cache, f"{link.dataset}__{link.name}.csv")
        if not os.path.exists(out):
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
                f.write("t_s,throughput_mbps\n")
                np.savetxt(f, np.stack([link.t, link.y], axis=1), delimiter=",", fmt="%.17g")
            subprocess.run([pba, "replay", "--trace", f.name, "--default", "internet", "--out",
                            out + ".tmp", "--quiet"], check=True, stdout=subprocess.DEVNULL)
            os.replace(out + ".tmp", out)
            os.unlink(f.name)
        with open(out) as f:
            header = f.readline().strip().split(",")
        data = np.genfromtxt(out, delimiter=",", skip_header=1, usecols=(
            header.index("t_s"), header.index("predicted_mbps"), header.index("fallback")))
        data = data.reshape(-1, 3)
        pos = np.searchsorted(link.t, data[:, 0])
        assert np.all(link.t[pos] == data[:, 0]), f"{out}: rows do not match the trace"
        link.network[pos] = np.where(data[:, 2] == 0, data[:, 1], np.nan)


class Prepared:
    """Per link and horizon: the actuals, the scored points, and per snapshot count the
    settlement events (they depend on the snapshot spacing only)."""

    def __init__(self, link: Link, horizon_s: float):
        self.link = link
        self.horizon_s = horizon_s
        steps = max(int(round(horizon_s / link.interval_s)), 1)
        self.config = ag.Config(horizon_s, "mean_over", steps, link.interval_s)
        self.actual, _ = ag.actuals(link.t, link.y, horizon_s, steps, "mean_over", 0.5 * link.interval_s)
        self.points = np.isfinite(self.actual) & np.isfinite(link.baselines[:, 1])
        self.plans: dict[tuple, ag.Plan] = {}

    def plan(self, k: int, with_network: bool, members: np.ndarray) -> ag.Plan:
        if (k, with_network) not in self.plans:
            self.plans[k, with_network] = ag.plan(self.link.t, self.link.y, members, self.config_for(k))
        return self.plans[k, with_network]

    def config_for(self, k: int, eta: float = ag.LEARNING_RATE, share: float = ag.SHARE,
                   prior=(ag.PRIOR_AGE_RATIO, ag.PRIOR_WIDTH)) -> ag.Config:
        c = self.config
        return ag.Config(c.horizon_s, c.target, c.horizon_steps, c.sample_interval_s, eta, share, k,
                         *prior)

    def served(self, eta: float, share: float, k: int, prior, with_network: bool = True) -> np.ndarray:
        members = self.link.members(self.horizon_s, with_network)
        return ag.run(self.plan(k, with_network, members), members,
                      self.config_for(k, eta, share, prior)).served


def abs_errors(prep: Prepared, forecasts: np.ndarray) -> np.ndarray:
    """Sum of |forecast - actual| over the prepared points, per column."""
    p = prep.points
    f = forecasts[p] if forecasts.ndim == 2 else forecasts[p][:, None]
    return np.abs(f - prep.actual[p][:, None]).sum(axis=0)


def table_rows(preps: list[Prepared], eta, share, k, prior) -> list[dict]:
    rows = []
    for dataset in sorted({p.link.dataset for p in preps}):
        for h in HORIZONS_S:
            group = [p for p in preps if p.link.dataset == dataset and p.horizon_s == h]
            n = sum(int(p.points.sum()) for p in group)
            if n == 0:
                continue
            served = sum(abs_errors(p, p.served(eta, share, k, prior))[0] for p in group) / n
            base = sum(abs_errors(p, p.link.baselines) for p in group) / n
            hind = sum(abs_errors(p, p.link.hindsight) for p in group) / n
            best = int(np.argmin(hind))
            label = (f"ewma {HINDSIGHT_EWMA[best]}" if best < len(HINDSIGHT_EWMA)
                     else f"ma {HINDSIGHT_MA[best - len(HINDSIGHT_EWMA)]}")
            rows.append({"dataset": dataset, "horizon_s": h, "points": n, "served": served,
                         "baselines": base, "hindsight": hind[best], "hindsight_label": label})
    return rows


def print_table(rows: list[dict]) -> None:
    print("| dataset | H | points | served MAE | persistence | mean10 | EWMA 0.3 of 10 | "
          "vs best baseline | best in hindsight | vs hindsight |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        b = r["baselines"]
        gain = 1 - r["served"] / b.min()
        vs_h = 1 - r["served"] / r["hindsight"]
        print(f"| {r['dataset']} | {r['horizon_s']:g} s | {r['points']} | {r['served']:.4g} | "
              f"{b[0]:.4g} | {b[1]:.4g} | {b[2]:.4g} | {100 * gain:+.1f}% | "
              f"{r['hindsight']:.4g} ({r['hindsight_label']}) | {100 * vs_h:+.1f}% |")


def held_out_network(preps: list[Prepared], eta, share, k, prior) -> None:
    print("\nThe network member's effect on the routes the `internet` model never saw "
          f"(H = {NETWORK_HORIZON_S:g} s):\n")
    print("| dataset | points | served with network | without | network alone (where it answered) "
          "| best baseline | best in hindsight |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for dataset in sorted({p.link.dataset for p in preps if p.link.held_out}):
        group = [p for p in preps if p.link.dataset == dataset and p.link.held_out
                 and p.horizon_s == NETWORK_HORIZON_S]
        n = sum(int(p.points.sum()) for p in group)
        w = sum(abs_errors(p, p.served(eta, share, k, prior, True))[0] for p in group) / n
        wo = sum(abs_errors(p, p.served(eta, share, k, prior, False))[0] for p in group) / n
        base = (sum(abs_errors(p, p.link.baselines) for p in group) / n).min()
        hind = (sum(abs_errors(p, p.link.hindsight) for p in group) / n).min()
        # the network alone: on the points where it answered, against the served forecast there
        net_err = served_err = 0.0
        m = 0
        for p in group:
            q = p.points & np.isfinite(p.link.network)
            net_err += np.abs(p.link.network[q] - p.actual[q]).sum()
            served_err += np.abs(p.served(eta, share, k, prior, True)[q] - p.actual[q]).sum()
            m += int(q.sum())
        print(f"| {dataset} (held out) | {n} | {w:.4g} ({100 * (1 - w / base):+.1f}% vs baseline) | "
              f"{wo:.4g} | {net_err / m:.4g} vs served {served_err / m:.4g} on {m} points | "
              f"{base:.4g} | {hind:.4g} |")


def grid_errors(preps: list[Prepared]) -> dict:
    """Served MAE / best-in-hindsight MAE per grid point (eta, share, k) and (dataset, horizon)."""
    etas, shares = np.array([g[0] for g in itertools.product(ETAS, SHARES)]), \
        np.array([g[1] for g in itertools.product(ETAS, SHARES)])
    keys = sorted({(p.link.dataset, p.horizon_s) for p in preps})
    sums = {(k, pr, key): np.zeros(len(etas)) for k in SNAPSHOTS for pr in PRIORS for key in keys}
    hind = {key: 0.0 for key in keys}
    for p in preps:
        key = (p.link.dataset, p.horizon_s)
        members = p.link.members(p.horizon_s)
        for k in SNAPSHOTS:
            for pr in PRIORS:
                served, _, _ = ag.run_many(p.plan(k, True, members), members, etas, shares,
                                           ag.prior(p.config_for(k, prior=pr)))
                sums[k, pr, key] += abs_errors(p, served.T)
    for key in keys:
        group = [p for p in preps if (p.link.dataset, p.horizon_s) == key]
        hind[key] = sum(abs_errors(p, p.link.hindsight) for p in group).min()
    return {(e, s, k, pr): {key: sums[k, pr, key][j] / hind[key] for key in keys if hind[key] > 0}
            for k in SNAPSHOTS for pr in PRIORS for j, (e, s) in enumerate(zip(etas, shares))}


def tune(preps: list[Prepared]) -> None:
    ratios = grid_errors(preps)
    datasets = sorted({p.link.dataset for p in preps})
    grid = list(ratios)

    def score(g, ds):
        return float(np.mean([r for (d, _), r in ratios[g].items() if d in ds]))

    print("\nLeave-one-dataset-out: parameters chosen on the other datasets (mean over their "
          "horizons of served / best-in-hindsight MAE), then scored on the one left out:\n")
    print("| left out | chosen eta, share, k, prior (age ratio, width) | on the others | on the left-out | "
          "best possible on the left-out |")
    print("|---|---|---:|---:|---:|")
    for d in datasets:
        others = [o for o in datasets if o != d]
        g = min(grid, key=lambda g: score(g, others))
        best = min(score(x, [d]) for x in grid)
        print(f"| {d} | {g} | {score(g, others):.4f} | {score(g, [d]):.4f} | {best:.4f} |")
    keys = sorted(next(iter(ratios.values())))
    print("\nEvery grid point on every dataset and horizon (served / best-in-hindsight MAE):\n")
    print("| eta | share | k | prior | " + " | ".join(f"{d} {h:g} s" for d, h in keys) + " | mean |")
    print("|---:|---:|---:|---|" + "---:|" * (len(keys) + 1))
    for g in sorted(grid, key=lambda g: score(g, datasets)):
        print(f"| {g[0]} | {g[1]} | {g[2]} | {g[3][0]}, {g[3][1]:g} | " + " | ".join(f"{ratios[g][key]:.4f}" for key in keys)
              + f" | {score(g, datasets):.4f} |")


def snapshot_choice(preps: list[Prepared], eta, share, prior) -> None:
    print("\nSnapshots per horizon at the chosen eta, share and prior (served / best-in-hindsight MAE):\n")
    keys = sorted({(p.link.dataset, p.horizon_s) for p in preps})
    print("| k | " + " | ".join(f"{d} {h:g} s" for d, h in keys) + " | mean |")
    print("|---:|" + "---:|" * (len(keys) + 1))
    for k in SNAPSHOT_CHOICES:
        ratios = []
        for key in keys:
            group = [p for p in preps if (p.link.dataset, p.horizon_s) == key]
            served = sum(abs_errors(p, p.served(eta, share, k, prior))[0] for p in group)
            ratios.append(served / sum(abs_errors(p, p.link.hindsight) for p in group).min())
        print(f"| {k} | " + " | ".join(f"{r:.4f}" for r in ratios) + f" | {np.mean(ratios):.4f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--pba", default=os.path.join(here, "..", "..", "build", "release", "tools", "pba"))
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "pba-aggregation-network"))
    ap.add_argument("--tune", action="store_true", help="also the leave-one-dataset-out choice "
                    "of the learning parameters and the snapshot count (slow: ~10 min)")
    args = ap.parse_args()

    links = load(args.data_dir)
    attach_network(links, args.pba, args.cache)
    preps = [Prepared(link, h) for link in links for h in HORIZONS_S]
    g = (ag.LEARNING_RATE, ag.SHARE, ag.SNAPSHOTS_PER_HORIZON, (ag.PRIOR_AGE_RATIO, ag.PRIOR_WIDTH))
    print(f"Aggregator: members {', '.join(m[0] for m in ag.MEMBERS)}; eta {g[0]}, share {g[1]}, "
          f"{g[2]} snapshots per horizon, prior age ratio {g[3][0]} width {g[3][1]}. MAE in Mbps, target mean_over.\n")
    print_table(table_rows(preps, *g))
    held_out_network(preps, *g)
    if args.tune:
        tune(preps)
        snapshot_choice(preps, g[0], g[1], g[3])


if __name__ == "__main__":
    main()

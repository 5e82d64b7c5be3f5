#!/usr/bin/python3
"""Write tests/data/aggregation_reference.csv: the numpy reference aggregator
(pba_train.aggregation.Aggregator) run sample by sample over two synthetic links, for the C++
ForecastAggregator to reproduce (tests/predict/aggregation_test.cpp).

    tools/train/gen_aggregation_reference.py [OUT.csv]

Each row: case, t_s, bandwidth_mbps, network_mbps, event (1: restart() before observe,
2: reset_member(network) before observe), served_mbps, then the 9 weights after forecast().
NaN is written `nan`. Case 0: mean_over 20 s; case 1: value_at 5 s; the configs are
CASES below (the C++ test repeats them).
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from pba_train import aggregation as ag  # noqa: E402

CASES = (
    ag.Config(20.0, "mean_over", 20, 1.0, learning_rate=3.0, share=0.02, snapshots_per_horizon=4,
              prior_age_ratio=0.2, prior_width=1.0),
    ag.Config(5.0, "value_at", 5, 1.0, learning_rate=1.5, share=0.05, snapshots_per_horizon=6,
              prior_age_ratio=0.5, prior_width=2.0),
)


def link(seed: int, n: int = 700):
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    t[350:] += 40.0  # a gap: the caller restarts
    y = 20.0 * np.exp(np.cumsum(rng.normal(0, 0.08, n)))
    y[rng.random(n) < 0.03] = math.nan
    net = y * np.exp(rng.normal(0, 0.2, n))
    net[:100] = math.nan      # the model's window filling
    net[500:520] = math.nan
    event = np.zeros(n, dtype=int)
    event[350] = 1
    event[600] = 2
    return t, y, net, event


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "aggregation_reference.csv")
    rows = []
    for case, config in enumerate(CASES):
        a = ag.Aggregator(config)
        t, y, net, event = link(case + 1)
        for i in range(len(t)):
            if event[i] == 1:
                a.restart()
            elif event[i] == 2:
                a.reset_member(0)
            a.observe(t[i], y[i])
            served, _, _ = a.forecast(t[i], net[i])
            rows.append([case, t[i], y[i], net[i], event[i], served, *a.weights])
    with open(out, "w") as f:
        for r in rows:
            f.write(",".join(f"{v:.17g}" if isinstance(v, float) else str(v) for v in r) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Replay held-out data through the stored default models and print the comparison tables.

    tools/train/evaluate_models.py DATA_DIR [--models src/models]

Each `.pba` is read back and run by the numpy reference forward pass on inputs built by
the predictor's own pipeline (forward/back-fill, per-feature normalisation from the file's
metadata, de-normalisation, clamping), so the numbers describe the shipped files:
- internet, v1: the held-out real routes (v1 with its synthetic companion fields);
- datacenter: the held-out simulator seeds;
- policy: mean reward on 10,000 fresh simulated states.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tools/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))                    # tools/train

import numpy as np  # noqa: E402

import pba_format as pf  # noqa: E402
from pba_train import companion, datacenter, evaluate, policy, traces  # noqa: E402


def load(models: str, name: str) -> pf.Model:
    with open(os.path.join(models, name + ".pba"), "rb") as f:
        return pf.read_model(f.read(), verify_selftest=True)


def policy_rewards(model: pf.Model) -> dict[str, float]:
    states = policy.sample_states(policy.EVAL_STATES, np.random.default_rng(policy.EVAL_SEED))
    rewards = policy.all_rewards(states)
    choice = pf.forward_numpy(model, policy.normalise(states)).argmax(axis=1)
    picked = rewards[np.arange(len(states)), choice]
    return {"policy": picked.mean(), "best": rewards.max(axis=1).mean(),
            "fixed50": rewards[:, 4].mean(),
            "optimal": (picked >= rewards.max(axis=1) - 1e-12).mean()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", help="folder with traces/<dataset>/*.csv")
    parser.add_argument("--models", default="src/models")
    args = parser.parse_args()

    train, held = traces.split(traces.load_all(args.data_dir))
    internet = load(args.models, "internet")
    h = evaluate.horizon_of(internet)
    tuned = evaluate.tune_baselines(internet, train)
    print(evaluate.format_table(evaluate.replay(internet, held, tuned=tuned),
                                f"internet — held-out routes, {h.target} {h.steps} steps",
                                tuned=tuned))
    print()
    print(evaluate.format_table(evaluate.replay(load(args.models, "v1"), held, companion.fields),
                                "v1 — held-out routes, bandwidth value_at 1 step"))
    print()
    dc = load(args.models, "datacenter")
    dc_traces = datacenter.synthetic_traces(datacenter.VAL_SEEDS)
    for target, unit in (("bandwidth_mbps", "Mbps"), ("latency_ms", "ms")):
        table = evaluate.replay(dc, dc_traces, datacenter.fields_of, target)
        print(evaluate.format_table(table, f"datacenter — held-out simulator seeds, {target}",
                                    unit))
        print()
    r = policy_rewards(load(args.models, "policy"))
    print(f"### policy — mean reward on {policy.EVAL_STATES} fresh simulated states\n\n"
          "| policy | best possible | fixed 50 % | optimal action chosen |\n"
          "|---:|---:|---:|---:|\n"
          f"| {r['policy']:.4f} | {r['best']:.4f} | {r['fixed50']:.4f} "
          f"| {100 * r['optimal']:.1f}% |")


if __name__ == "__main__":
    main()

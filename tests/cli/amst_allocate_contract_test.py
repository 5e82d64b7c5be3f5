#!/usr/bin/python3
"""Contract tests for `pba amst` and `pba allocate` (the output lines issue 4 fixes).

Usage: amst_allocate_contract_test.py PBA_BINARY
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import pba_format as pf  # noqa: E402
from contract import check, finish  # noqa: E402


def run(*args):
    return subprocess.run([PBA, *map(str, args)], capture_output=True, text=True)


def amst(bw, lat, loss, jitter):
    return run("amst", "--bandwidth-mbps", bw, "--latency-ms", lat, "--loss", loss, "--jitter-ms", jitter)


def test_amst_issue_cases():
    cases = {
        (100, 50, 0, 5): "streams=10 buffer_bytes=687500 chunk_bytes=68750 pacing_bytes_per_s=11875000 "
                         "window_bytes=6875000\n",
        (1000, 10, 0.005, 1): "streams=130 buffer_bytes=1048576 chunk_bytes=8192 pacing_bytes_per_s=118750000 "
                              "window_bytes=136314880\n",
        (50, 150, 0.03, 10): "streams=2 buffer_bytes=1000000 chunk_bytes=131072 pacing_bytes_per_s=5937500 "
                             "window_bytes=2000000\n",
    }
    for args, want in cases.items():
        r = amst(*args)
        check(r.returncode == 0 and r.stdout == want and r.stderr == "", f"amst {args}: {r.stdout.strip()!r}")


def test_amst_bad_input():
    for args, field in [(("nan", 50, 0, 5), "bandwidth_mbps"), ((100, -1, 0, 5), "latency_ms"),
                        ((100, 50, 1.5, 5), "packet_loss"), ((100, 50, 0, "inf"), "jitter_ms"),
                        ((1e300, 50, 0, 5), "bandwidth_mbps")]:
        r = amst(*args)
        check(r.returncode != 0 and r.stdout == "" and field in r.stderr,
              f"amst {args}: exit {r.returncode}, names {field} ({r.stderr.strip()})")
    r = run("amst", "--bandwidth-mbps", 100, "--latency-ms", 50, "--loss", 0)
    check(r.returncode != 0 and "--jitter-ms" in r.stderr, "amst: a missing option is named")
    r = run("amst", "--bandwidth-mbps", "fast", "--latency-ms", 50, "--loss", 0, "--jitter-ms", 5)
    check(r.returncode != 0 and "not a number" in r.stderr, "amst: a non-number is refused")


def hand_policy(path):
    """Q_a = a·x0 − (a − 3)²·x1, x0 = minmax(reliability; 0.9, 1), x1 = latency_ms / 100."""
    w = [[a, -(a - 3) ** 2] for a in range(10)]
    tensors = [pf.Tensor("q.weight", w), pf.Tensor("q.bias", [0.0] * 10)]
    layers = [pf.Layer(pf.LayerType.DENSE, pf.Activation.LINEAR, 2, 10, tensors=[0, 1])]
    meta = {"input.shape": [2], "model.mode": "policy", "input.features": ["reliability", "latency_ms"],
            "input.norm": ["minmax", "divide"], "input.norm_a": [0.9, 100.0], "input.norm_b": [1.0, 0.0]}
    with open(path, "wb") as f:
        f.write(pf.write_model(layers, tensors, meta))


def allocate(*args, model=None):
    extra = ["--model", model] if model else []
    return run("allocate", "--latency-ms", args[0], "--bandwidth-mbps", args[1], "--loss", args[2],
               "--reliability", args[3], *extra)


def test_allocate(model):
    # x = (0.5, 0.5): Q = a/2 − (a−3)²/2; actions 3 and 4 tie at 1.5 and the lower one wins.
    r = allocate(50, 100, 0, 0.95, model=model)
    want = "action=3 allocation_pct=40 q=[-4.5,-1.5,0.5,1.5,1.5,0.5,-1.5,-4.5,-8.5,-13.5]\n"
    check(r.returncode == 0 and r.stdout == want, f"allocate: {r.stdout.strip()!r} ({r.stderr.strip()})")
    r = allocate(50, 100, 0, 1.0, model=model)
    check(r.stdout.startswith("action=4 allocation_pct=50 q=["), f"allocate: {r.stdout.strip()!r}")
    for args, field in [((50, 100, 0, 1.5), "reliability"), ((50, 100, "nan", 0.99), "packet_loss"),
                        ((-5, 100, 0, 0.99), "latency_ms")]:
        r = allocate(*args, model=model)
        check(r.returncode != 0 and r.stdout == "" and field in r.stderr,
              f"allocate {args}: exit {r.returncode}, names {field} ({r.stderr.strip()})")
    r = allocate(50, 100, 0, 0.99, model=model + ".missing")
    check(r.returncode != 0 and r.stdout == "", f"allocate: a missing model file fails ({r.stderr.strip()})")


def test_allocate_default_model():
    """Without --model: the embedded policy. Two states whose best allocation is unique:
    0.5 ms, 0.01 % loss, 99.5 % reliability (optimal 75: 70 % scores 1.05) and 120 ms,
    5 % loss, 92 % reliability (optimal 15: 20 % scores 0.95, 10 % only 0.75)."""
    for state, best in [((0.5, 10000, 0.0001, 0.995), 70), ((120, 50, 0.05, 0.92), 20)]:
        r = allocate(*state)
        line = re.fullmatch(r"action=(\d) allocation_pct=(\d+) q=\[([^\]]*)\]\n", r.stdout)
        check(r.returncode == 0 and line is not None, f"allocate {state} with the embedded policy: "
                                                        f"{r.stdout.strip()!r} ({r.stderr.strip()})")
        if line:
            action, pct, q = int(line[1]), int(line[2]), [float(v) for v in line[3].split(",")]
            check(len(q) == 10 and q.index(max(q)) == action and pct == (action + 1) * 10,
                  f"allocate {state}: the action is the argmax of the 10 printed Q-values")
            check(pct == best, f"allocate {state}: {pct} % is the reward's best, {best} %")


if __name__ == "__main__":
    PBA = sys.argv[1]
    test_amst_issue_cases()
    test_amst_bad_input()
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "hand_policy.pba")
        hand_policy(model)
        test_allocate(model)
    test_allocate_default_model()
    finish()

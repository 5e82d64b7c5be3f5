#!/usr/bin/python3
"""Contract tests for `pba inspect` and `pba forward` (the formats the core issue fixes).

Usage: cli_contract_test.py PBA_BINARY REFERENCE_DIR
"""
import os
import subprocess
import sys
import tempfile

from contract import check, finish


def run(*args):
    return subprocess.run([PBA, *args], capture_output=True, text=True)


def read_rows(path):
    with open(path) as f:
        return [[float(v) for v in line.split(",")] for line in f if line.strip()]


def test_forward_matches_pytorch(arch):
    model = os.path.join(REF, f"{arch}.pba")
    inputs = os.path.join(REF, f"{arch}.input.csv")
    expected = read_rows(os.path.join(REF, f"{arch}.output.csv"))
    r = run("forward", "--model", model, "--input", inputs)
    check(r.returncode == 0, f"forward {arch} exits 0 ({r.stderr.strip()})")
    lines = r.stdout.splitlines()
    check(len(lines) == len(expected), f"forward {arch}: one output line per input line")
    worst = 0.0
    for line, want in zip(lines, expected):
        got = [float(v) for v in line.split(",")]
        check(len(got) == len(want), f"forward {arch}: {len(want)} values per line")
        worst = max([worst] + [abs(a - b) for a, b in zip(got, want)])
        # %.9g round-trips float32 exactly: no value printed with more than 9 significant digits
        for text in line.split(","):
            digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
            check(len(digits) <= 9, f"forward {arch}: '{text}' printed with %.9g")
            break
    check(worst <= 1e-5, f"forward {arch}: max |cli - PyTorch| = {worst:.3g} <= 1e-5")


def test_forward_rejects_bad_lines():
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("1,2,3\n")
    r = run("forward", "--model", os.path.join(REF, "v1.pba"), "--input", f.name)
    check(r.returncode != 0, "forward: a short line fails")
    check("line 1: 3 values, the model takes 60" in r.stderr, f"forward: names the line and the sizes ({r.stderr.strip()})")
    with open(f.name, "w") as g:
        g.write(",".join(["nan"] * 60) + "\n")
    r = run("forward", "--model", os.path.join(REF, "v1.pba"), "--input", f.name)
    check(r.returncode != 0 and "not finite" in r.stderr, f"forward: NaN input refused ({r.stderr.strip()})")
    os.unlink(f.name)


def test_inspect():
    r = run("inspect", os.path.join(REF, "v1.pba"))
    check(r.returncode == 0, "inspect v1 exits 0")
    for needle in ("input:       [10, 6]", "output:      [4]", "checksum:    CRC-32C", "LSTM", "BatchNorm",
                   "parameters:", "input.shape = [10, 6]"):
        check(needle in r.stdout, f"inspect shows '{needle}'")


def test_inspect_bad_files():
    good = open(os.path.join(REF, "v1.pba"), "rb").read()
    cases = {
        "empty": (b"", "file is empty"),
        "truncated": (good[: len(good) // 2], "file truncated: expected"),
        "magic": (b"XXXX" + good[4:], "bad magic"),
        "checksum": (good[:-1] + bytes([good[-1] ^ 1]), "checksum mismatch"),
    }
    for name, (data, needle) in cases.items():
        with tempfile.NamedTemporaryFile(suffix=".pba", delete=False) as f:
            f.write(data)
        r = run("inspect", f.name)
        os.unlink(f.name)
        lines = r.stderr.strip().splitlines()
        check(r.returncode != 0, f"inspect {name}: non-zero exit")
        check(len(lines) == 1 and needle in lines[0], f"inspect {name}: one stderr line naming the defect ({lines})")
    r = run("inspect", "/nonexistent.pba")
    check(r.returncode != 0 and "cannot open" in r.stderr, "inspect: missing file named")


if __name__ == "__main__":
    PBA, REF = sys.argv[1], sys.argv[2]
    for arch in ("v1", "dc3", "inet3", "ddqn_lstm", "qnet", "torch9", "odd", "stacked", "dense_only", "seq_out"):
        test_forward_matches_pytorch(arch)
    test_forward_rejects_bad_lines()
    test_inspect()
    test_inspect_bad_files()
    finish()

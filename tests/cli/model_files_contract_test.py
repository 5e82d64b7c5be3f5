#!/usr/bin/python3
"""Contract tests for the embedded models as files: `pba export NAME -o FILE.pba` writes
src/models/NAME.pba byte for byte, and every command that takes a model takes `--default NAME`
and answers exactly as with `--model src/models/NAME.pba`.

Usage: model_files_contract_test.py PBA_BINARY REPO_ROOT
"""
import os
import subprocess
import sys
import tempfile

from contract import check, finish

NAMES = ["datacenter", "internet", "policy", "v1"]


def run(*args):
    return subprocess.run([PBA, *args], capture_output=True, text=True)


def model_path(name):
    return os.path.join(ROOT, "src", "models", name + ".pba")


def test_export(tmp):
    for name in NAMES:
        out = os.path.join(tmp, name + ".pba")
        r = run("export", name, "-o", out)
        check(r.returncode == 0 and r.stdout == "" and r.stderr == "", f"export {name} exits 0 silently ({r.stderr.strip()})")
        with open(out, "rb") as got, open(model_path(name), "rb") as want:
            check(got.read() == want.read(), f"export {name}: the bytes of src/models/{name}.pba")
    out = os.path.join(tmp, "again.pba")
    r = run("export", "v1", "--output", out)
    check(r.returncode == 0 and os.path.getsize(out) == os.path.getsize(model_path("v1")), "export --output FILE works too")

    r = run("export", "no-such-model", "-o", os.path.join(tmp, "x.pba"))
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 1 and len(lines) == 1 and "no embedded model named 'no-such-model'" in lines[0]
          and all(n in lines[0] for n in NAMES), f"export of an unknown name: exit 1, lists the names ({lines})")
    check(not os.path.exists(os.path.join(tmp, "x.pba")), "export of an unknown name writes no file")
    r = run("export", "v1", "-o", os.path.join(tmp, "no-such-dir", "v1.pba"))
    check(r.returncode == 1 and "cannot create" in r.stderr, f"export into a missing directory: exit 1 ({r.stderr.strip()})")
    for args, needle in [(("export", "v1"), "missing required option --output"),
                         (("export", "-o", "x.pba"), "expected exactly one embedded model name"),
                         (("export", "v1", "internet", "-o", "x.pba"), "expected exactly one embedded model name")]:
        r = run(*args)
        check(r.returncode == 2 and needle in r.stderr, f"usage error exits 2: {needle} ({r.stderr.strip()})")


def test_inspect():
    for name in NAMES:
        by_name = run("inspect", "--default", name)
        by_file = run("inspect", model_path(name))
        check(by_name.returncode == 0, f"inspect --default {name} exits 0 ({by_name.stderr.strip()})")
        body = lambda out: [line for line in out.splitlines() if not line.startswith("file:")]
        check(body(by_name.stdout) == body(by_file.stdout) and len(body(by_file.stdout)) > 10,
              f"inspect --default {name}: the file's report")
        check(f"file:        embedded '{name}' ({os.path.getsize(model_path(name))} bytes)" in by_name.stdout,
              f"inspect --default {name}: names the embedded model and its size")
    r = run("inspect", "--default", "v1", model_path("v1"))
    check(r.returncode == 2, "inspect with a file and --default: usage error")
    r = run("inspect", "--default", "nope")
    check(r.returncode == 1 and "available: " in r.stderr, "inspect --default of an unknown name: exit 1, lists names")


def test_forward(tmp):
    window = os.path.join(tmp, "v1_window.csv")
    with open(window, "w") as f:
        for row in range(3):
            f.write(",".join(f"{0.01 * ((row * 60 + i) % 17):g}" for i in range(60)) + "\n")
    by_name = run("forward", "--default", "v1", "--input", window)
    by_file = run("forward", "--model", model_path("v1"), "--input", window)
    check(by_name.returncode == 0 and len(by_name.stdout.splitlines()) == 3,
          f"forward --default v1 exits 0, one line per window ({by_name.stderr.strip()})")
    check(by_name.stdout == by_file.stdout, "forward --default v1: the outputs of --model src/models/v1.pba")
    r = run("forward", "--default", "v1", "--model", model_path("v1"), "--input", window)
    check(r.returncode == 2 and "not both" in r.stderr, "forward with --model and --default: usage error")
    r = run("forward", "--input", window)
    check(r.returncode == 2 and "--model FILE or --default NAME" in r.stderr, "forward without a model: usage error")


def test_allocate():
    state = ["--latency-ms", "50", "--bandwidth-mbps", "100", "--loss", "0", "--reliability", "0.95"]
    implicit = run("allocate", *state)
    by_name = run("allocate", *state, "--default", "policy")
    by_file = run("allocate", *state, "--model", model_path("policy"))
    check(by_name.returncode == 0 and by_name.stdout.startswith("action="),
          f"allocate --default policy exits 0 ({by_name.stderr.strip()})")
    check(by_name.stdout == by_file.stdout == implicit.stdout,
          "allocate --default policy: the output of --model src/models/policy.pba and of the implicit default")
    r = run("allocate", *state, "--default", "nope")
    check(r.returncode == 1 and "no embedded model named 'nope'" in r.stderr and "pass --model" not in r.stderr,
          f"allocate --default of an unknown name: exit 1 ({r.stderr.strip()})")


def test_bench_and_replay_take_default():
    # bench and replay took --default before; their usage still says so.
    r = run("--help")
    for command in ("inspect FILE | --default NAME", "forward (--model FILE | --default NAME)",
                    "[--model FILE | --default NAME]", "bench --default NAME|--model FILE",
                    "replay --trace FILE.csv [--default NAME | --model FILE]", "export NAME -o FILE.pba"):
        check(command in r.stdout, f"usage lists '{command}'")


if __name__ == "__main__":
    PBA, ROOT = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        test_export(tmp)
        test_inspect()
        test_forward(tmp)
    test_allocate()
    test_bench_and_replay_take_default()
    finish()

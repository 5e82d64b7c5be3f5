"""tools/pba-convert as a user runs it: one line on stderr and a non-zero exit on error."""

import os
import re
import subprocess

import pytest

import gen_reference as ref
import pba_format as pf

CONVERT = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "pba-convert")
DENSE_ONLY = next(a for a in ref.ARCHS if a.name == "dense_only")


def run(*args):
    return subprocess.run([CONVERT, *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "tiny.onnx"
    ref.save_onnx(ref.build_torch(DENSE_ONLY), ref.reference_inputs(DENSE_ONLY), str(path))
    return path


def test_convert_with_metadata_and_selftest(onnx_file, tmp_path):
    out = tmp_path / "tiny.pba"
    r = run(onnx_file, "-o", out, "--name", "internet", "--model-version", "2026.11.26-1",
            "--mode", "internet", "--selftest", "--meta", "forecast.horizon_s=30.5",
            "forecast.horizon_steps=3", "input.features=bandwidth_mbps",
            "output.ref_feature=0,-1", "input.norm_a=1,2.5", "train.data=a,b")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{out}: 2 layers, input [11], output [1], {out.stat().st_size} bytes\n"
    model = pf.read_model(out.read_bytes(), verify_selftest=True)
    assert model.metadata == {
        "input.shape": [11], "model.name": "internet", "model.version": "2026.11.26-1",
        "model.mode": "internet", "train.tool": "pba-convert onnx", "forecast.horizon_s": 30.5,
        "forecast.horizon_steps": 3, "input.features": "bandwidth_mbps",
        "output.ref_feature": [0, -1], "input.norm_a": [1.0, 2.5], "train.data": ["a", "b"]}
    assert model.selftest is not None


@pytest.mark.parametrize("args, message", [
    (["model.tflite"], "unknown model format '.tflite'"),
    (["missing.onnx"], "missing.onnx: no such file"),
    (["{onnx}", "--meta", "input.shape=3"], "use --input-shape"),
    (["{onnx}", "--meta", "Bad=1"], "metadata key 'Bad'"),
    (["{onnx}", "--input-shape", "5,11"], r"--input-shape \[5, 11\] doesn't fit"),
    (["{onnx}", "--meta", "novalue"], "'novalue' is not key=value"),
    (["{onnx}", "--mode", "fast"], "invalid choice: 'fast'"),
])
def test_errors_are_one_line(onnx_file, tmp_path, args, message):
    args = [str(onnx_file) if a == "{onnx}" else a for a in args]
    r = run(*args, "-o", tmp_path / "out.pba")
    lines = r.stderr.splitlines()
    assert r.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("pba-convert: "), r.stderr
    assert re.search(message, lines[0]), lines[0]
    assert not (tmp_path / "out.pba").exists()


def test_torchscript_needs_input_shape(tmp_path):
    path = tmp_path / "m.pt"
    model = ref.build_torch(DENSE_ONLY)
    ref.save_torchscript(model, ref.reference_inputs(DENSE_ONLY), str(path))
    r = run(path, "-o", tmp_path / "m.pba")
    assert r.returncode == 1
    assert "don't record their input shape: pass --input-shape" in r.stderr
    r = run(path, "-o", tmp_path / "m.pba", "--input-shape", "11", "--selftest")
    assert r.returncode == 0, r.stderr
    assert pf.read_model((tmp_path / "m.pba").read_bytes(), verify_selftest=True)

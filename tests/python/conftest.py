"""Shared fixtures: tools/ on the import path, and small .pba models to poke at."""

import os
import struct
import sys

import numpy as np
import pytest

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, os.path.abspath(TOOLS))

import pba_format as pf  # noqa: E402


def pytest_configure(config):
    # torch.onnx.export narrates every constant it folds.
    config.addinivalue_line("filterwarnings", "ignore::UserWarning")


def build_model(seed: int = 0) -> pf.Model:
    """LSTM (sequence) -> BatchNorm -> LSTM (last step) -> Dense ReLU -> Activation tanh ->
    Dense, with every metadata type and a self-test: each part of the format in one file."""
    rng = np.random.default_rng(seed)
    layers, tensors = [], []

    def add(kind, inp, out, shapes, **fields):
        first = len(tensors)
        for role, shape in zip(pf.LAYER_TENSOR_ROLES[kind], shapes):
            array = rng.standard_normal(shape).astype(np.float32) * 0.5
            if role == "running_var":
                array = np.abs(array) + 0.5
            tensors.append(pf.Tensor(f"{len(layers)}.{role}", array))
        layers.append(pf.Layer(kind, input_size=inp, output_size=out,
                               tensors=list(range(first, len(tensors))), **fields))

    add(pf.LayerType.LSTM, 3, 5, [(20, 3), (20, 5), (20,), (20,)], return_sequences=True)
    add(pf.LayerType.BATCH_NORM, 5, 5, [(5,)] * 4, epsilon=1e-3)
    add(pf.LayerType.LSTM, 5, 4, [(16, 5), (16, 4), (16,), (16,)])
    add(pf.LayerType.DENSE, 4, 6, [(6, 4), (6,)], activation=pf.Activation.RELU)
    add(pf.LayerType.ACTIVATION, 6, 6, [], activation=pf.Activation.TANH)
    add(pf.LayerType.DENSE, 6, 2, [(2, 6), (2,)])
    metadata = {
        "input.shape": [7, 3], "model.name": "fixture", "forecast.horizon_s": 30.0,
        "forecast.horizon_steps": 3,
        "input.features": ["bandwidth_mbps", "latency_ms", "jitter_ms"],
        "input.norm_a": [1.5, 2.0, -3.25], "metrics.empty": pf.MetaValue(pf.MetaType.F64_ARRAY, []),
        "train.epochs": pf.MetaValue(pf.MetaType.F64, 12), "model.description": "ünïcode ✓",
    }
    model = pf.Model(layers, tensors, metadata)
    x = rng.standard_normal((7, 3)).astype(np.float32)
    return pf.with_selftest(model, x, pf.forward_numpy(model, x))


@pytest.fixture
def model() -> pf.Model:
    return build_model()


@pytest.fixture
def model_bytes(model) -> bytes:
    return model.to_bytes()


def section_table(data: bytes) -> dict:
    """kind -> (offset, size) of each section."""
    count = struct.unpack_from("<I", data, 32)[0]
    table = {}
    for i in range(count):
        kind, _, offset, size, _ = struct.unpack_from("<IIQQQ", data, 64 + 32 * i)
        table[pf.SectionKind(kind)] = (offset, size)
    return table


def patched(data: bytes, offset: int, fmt: str, *values, fix_checksum: bool = True) -> bytes:
    """The file with `values` packed at `offset` and, unless told otherwise, a valid CRC,
    so that the reader gets past the checksum to the defect under test."""
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    if fix_checksum:
        struct.pack_into("<I", out, pf.CHECKSUM_OFFSET, pf.file_checksum(bytes(out)))
    return bytes(out)


def unchecked_bytes(model: pf.Model, monkeypatch) -> bytes:
    """Canonical bytes of a model the writer would refuse, for reader tests."""
    with monkeypatch.context() as m:
        m.setattr(pf, "read_model", lambda data: None)
        return model.to_bytes()

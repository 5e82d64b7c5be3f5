"""Writing a trained network as a `.pba` file with its metadata and a PyTorch self-test."""
from __future__ import annotations

import os

import numpy as np
import torch

import pba_format as pf

from . import nets
from .pipeline import Feature, Output

MODEL_VERSION = "2026.11.26"
TOOL = "tools/train/train_defaults.py (pba_train, PyTorch " + torch.__version__ + ")"


def io_metadata(features: list[Feature], outputs: list[Output], window: int | None) -> dict:
    """input.* and output.* keys: everything the predictor needs to feed and read the net."""
    shape = [window, len(features)] if window else [len(features)]
    inputs = {
        "input.shape": shape,
        "input.features": [f.name for f in features],
        "input.norm": [f.norm.kind for f in features],
        "input.norm_a": [float(f.norm.a) for f in features],
        "input.norm_b": [float(f.norm.b) for f in features],
        "input.norm_c": [float(f.norm.c) for f in features],
        "input.missing": [float(f.missing) for f in features],
    }
    if not outputs:  # a policy's outputs are Q-values, not forecasts to de-normalise
        return inputs
    return {
        **inputs,
        "output.targets": [o.name for o in outputs],
        "output.norm": [o.norm.kind for o in outputs],
        "output.norm_a": [float(o.norm.a) for o in outputs],
        "output.norm_b": [float(o.norm.b) for o in outputs],
        "output.norm_c": [float(o.norm.c) for o in outputs],
        "output.ref_feature": [int(o.ref_feature) for o in outputs],
    }


def write(path: str, net: nets.Network, metadata: dict, selftest_input: np.ndarray) -> int:
    """Write the model with a self-test whose expected output PyTorch computed; returns the
    file size. The file is read back and its self-test run through the numpy reference, so
    a model whose stored form disagrees with the trained one is never written."""
    net.eval()
    with torch.no_grad():
        expected = net(torch.as_tensor(selftest_input[None], dtype=torch.float32))[0].numpy()
    layers, tensors = nets.export(net)
    model = pf.Model(layers, tensors, metadata)
    model = pf.with_selftest(model, selftest_input, expected, abs_tol=1e-5, rel_tol=1e-4)
    data = model.to_bytes()
    pf.check_selftest(pf.read_model(data))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)

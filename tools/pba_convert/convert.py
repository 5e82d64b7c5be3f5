"""One source model file -> a .pba Model: pick the importer, add metadata and a self-test."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from pba_format import Model, forward_numpy, with_selftest

from .network import ConvertError

SOURCE_FORMATS = {".onnx": "onnx", ".pt": "torchscript", ".pth": "torchscript",
                  ".h5": "keras", ".hdf5": "keras", ".keras": "keras"}
MODES = ("datacenter", "internet", "hybrid", "policy", "generic")
SELFTEST_SEED = 20240229
SELFTEST_ABS_TOL = 1e-5
SELFTEST_REL_TOL = 1e-4


def source_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SOURCE_FORMATS:
        raise ConvertError(f"{path}: unknown model format '{suffix}' (expected "
                           f"{', '.join(SOURCE_FORMATS)})")
    return SOURCE_FORMATS[suffix]


def parse_meta_value(text: str):
    """`--meta` values: an int, a finite float or a string; a comma makes a list of them."""
    def scalar(item: str):
        try:
            return int(item)
        except ValueError:
            pass
        try:
            number = float(item)
            if math.isfinite(number):
                return number
        except ValueError:
            pass
        return item

    return [scalar(item) for item in text.split(",")] if "," in text else scalar(text)


def selftest_input(shape: tuple[int, ...]) -> np.ndarray:
    """A fixed pseudo-random window, so a reconversion embeds the same vector."""
    return np.random.default_rng(SELFTEST_SEED).standard_normal(shape).astype(np.float32)


def convert(path: str, *, name: str | None = None, version: str = "0", mode: str = "generic",
            meta: dict | None = None, input_shape: tuple[int, ...] | None = None,
            selftest: bool = False) -> Model:
    """`meta` entries are added last, so they override the defaults set here."""
    fmt = source_format(path)
    if mode not in MODES:
        raise ConvertError(f"model mode '{mode}' is not one of {', '.join(MODES)}")
    if meta and "input.shape" in meta:
        raise ConvertError("input.shape comes from the model; use --input-shape to set it")
    if not Path(path).is_file():
        raise ConvertError(f"{path}: no such file")
    reference = None
    # Importers load their framework lazily: importing torch alone takes seconds.
    if fmt == "onnx":
        from .onnx_import import import_onnx, load_onnx
        network, shape = import_onnx(load_onnx(path), input_shape)
    elif fmt == "torchscript":
        from .torchscript_import import import_torchscript
        network, shape, reference = import_torchscript(path, input_shape)
    else:
        from .keras_import import import_keras
        network, shape = import_keras(path, input_shape)
    metadata = {"input.shape": list(shape), "model.name": name or Path(path).stem,
                "model.version": version, "model.mode": mode,
                "train.tool": f"pba-convert {fmt}"}
    metadata.update(meta or {})
    model = network.model(metadata)
    if selftest:
        x = selftest_input(model.input_shape)
        # The source framework computes the expected output where there is one in Python
        # (PyTorch); ONNX and Keras models run through the numpy reference of the layers.
        expected = reference(x) if reference else forward_numpy(model, x)
        if tuple(np.shape(expected)) != model.output_shape:
            raise ConvertError(f"{path}: the model outputs {list(np.shape(expected))} per "
                               f"window, the converted layers {list(model.output_shape)}")
        model = with_selftest(model, x, expected, SELFTEST_ABS_TOL, SELFTEST_REL_TOL)
    return model

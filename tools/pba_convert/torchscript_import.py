"""TorchScript (.pt/.pth saved from torch.jit.trace or torch.jit.script) -> .pba layers.

A TorchScript forward can be any code, so rather than guess the data flow from the
submodules' definition order, the module is exported to ONNX in memory (torch.onnx.export
follows traced and scripted code alike) and read by the ONNX importer, which refuses
whatever isn't a chain of supported layers.
"""

from __future__ import annotations

import io
import warnings
from typing import Callable

import numpy as np

from .network import ConvertError, Network
from .onnx_import import import_onnx

ONNX_OPSET = 13


def import_torchscript(path: str, input_shape: tuple[int, ...] | None
                       ) -> tuple[Network, tuple[int, ...], Callable[[np.ndarray], np.ndarray]]:
    """The .pba layers, the input shape, and the module itself as a function of one window
    (for self-test vectors computed by PyTorch)."""
    import onnx
    import torch

    if input_shape is None:
        raise ConvertError(f"{path}: TorchScript files don't record their input shape: pass "
                           "--input-shape T,F (or F for a model without a time axis)")
    try:
        module = torch.jit.load(path, map_location="cpu").eval()
    except Exception as e:  # torch raises RuntimeError or ValueError subclasses of its own
        raise ConvertError(f"{path}: not a loadable TorchScript module "
                           f"({str(e).splitlines()[0]})") from None
    example = torch.zeros((1, *input_shape))
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # export narrates every constant it folds
            torch.onnx.export(module, (example,), buffer, opset_version=ONNX_OPSET,
                              input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                              training=torch.onnx.TrainingMode.EVAL)
    except Exception as e:
        raise ConvertError(f"{path}: the module's forward can't be followed for input shape "
                           f"{list(input_shape)} (torch.onnx.export: "
                           f"{str(e).strip().splitlines()[0]})") from None
    network, shape = import_onnx(onnx.load_from_string(buffer.getvalue()), input_shape)

    def run(window: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = module(torch.from_numpy(np.asarray(window, np.float32)[None]))
        if not isinstance(out, torch.Tensor):
            raise ConvertError(f"{path}: forward returns {type(out).__name__}, not a tensor")
        return out[0].detach().numpy()

    return network, shape, run

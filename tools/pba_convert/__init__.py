"""Converters from ONNX, TorchScript and Keras HDF5 models to .pba files."""

from .convert import convert, source_format
from .network import ConvertError

__all__ = ["ConvertError", "convert", "source_format"]

"""pba-convert command line: errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import sys

from pba_format import FormatError

from .convert import MODES, ConvertError, convert, parse_meta_value


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"pba-convert: {message}", file=sys.stderr)
        sys.exit(2)


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not T,F or F") from None
    if len(shape) not in (1, 2) or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not T,F or F with positive sizes")
    return shape


def _meta(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"'{text}' is not key=value")
    return key, parse_meta_value(value)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pba-convert",
                description="Convert an ONNX (.onnx), TorchScript (.pt/.pth) or Keras HDF5 "
                            "(.h5/.keras) model to a .pba file.")
    p.add_argument("input", help="source model; its format is chosen by extension")
    p.add_argument("-o", "--output", required=True, help="the .pba file to write")
    p.add_argument("--name", help="model.name (default: the input file's stem)")
    p.add_argument("--model-version", default="0", help="model.version (default: 0)")
    p.add_argument("--mode", default="generic", choices=MODES, help="model.mode")
    p.add_argument("--meta", type=_meta, nargs="+", action="extend", default=[],
                   metavar="KEY=VALUE",
                   help="extra metadata; int, float or string, a comma list makes an array")
    p.add_argument("--input-shape", type=_shape, metavar="T,F",
                   help="window shape, when the model doesn't fix it")
    p.add_argument("--selftest", action="store_true",
                   help="embed a self-test vector computed by the source framework")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        model = convert(args.input, name=args.name, version=args.model_version, mode=args.mode,
                        meta=dict(args.meta), input_shape=args.input_shape,
                        selftest=args.selftest)
        data = model.to_bytes()
        temporary = f"{args.output}.tmp{os.getpid()}"
        with open(temporary, "wb") as f:  # never leave a half-written model behind
            f.write(data)
        os.replace(temporary, args.output)
    except (ConvertError, FormatError, OSError) as e:
        print(f"pba-convert: {e}", file=sys.stderr)
        return 1
    print(f"{args.output}: {len(model.layers)} layers, input {list(model.input_shape)}, "
          f"output {list(model.output_shape)}, {len(data)} bytes")
    return 0

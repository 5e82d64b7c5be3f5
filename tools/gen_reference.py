#!/usr/bin/python3
"""Reference models for the C++ tests: PyTorch networks with fixed random weights, their
inputs and PyTorch outputs as CSV, and their .pba conversions by every route.

For each architecture, `--out DIR` receives:
  <arch>.input.csv      N windows, one per line, time-major T x F values (%.9g)
  <arch>.output.csv     PyTorch float32 outputs, one window per line (time-major for [T, C])
  <arch>.pba            converted from the ONNX export, with a self-test vector (window 0
                        and PyTorch's output for it)
  <arch>.onnx.pba, <arch>.torchscript.pba, <arch>.keras.pba
                        each route's conversion; with --dedupe only those whose bytes differ
                        from <arch>.pba (the committed copy stores each blob once)
  routes.csv            arch,route,file: the .pba file holding each route's conversion
With --keep-sources also the sources: <arch>.pt (traced TorchScript), <arch>.onnx (opset 13)
and <arch>.h5 (Keras 2.x HDF5 written with h5py, weights re-laid out from the torch model).

Everything is float32 and seeded, so a re-run writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass

import h5py
import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from pba_convert import convert  # noqa: E402
from pba_format import Model, forward_numpy, with_selftest  # noqa: E402

WINDOWS = 4
ROUTES = ("onnx", "torchscript", "keras")
SOURCE_SUFFIX = {"onnx": ".onnx", "torchscript": ".pt", "keras": ".h5"}
MAX_ROUTE_ERROR = 1e-5
# PyTorch's default LSTM init leaves the outputs almost independent of the window (spread
# across windows ~1e-4); larger recurrent weights, as trained models have, make the
# reference outputs discriminate between correct and subtly wrong inference code.
LSTM_WEIGHT_SCALE = 3.0


@dataclass(frozen=True)
class Arch:
    """`layers` entries: ("lstm", hidden, return_sequences[, num_layers]), ("dense", units,
    activation), ("bn",)."""

    name: str
    input_shape: tuple[int, ...]
    layers: tuple
    seed: int
    description: str
    # The two large architectures keep PyTorch's bias_hh at zero: Keras LSTMs have a single
    # bias, so only then does the Keras route yield the same bytes and the repository stores
    # each ~2 MB model once. The others keep both biases, so bias_hh is exercised.
    zero_bias_hh: bool = False


ARCHS = (
    Arch("v1", (10, 6), (("lstm", 128, True), ("lstm", 64, False), ("dense", 32, "relu"),
                         ("bn",), ("dense", 4, "linear")), 101,
         "LSTM 128 seq, LSTM 64 last, Dense 32 ReLU, BatchNorm, Dense 4"),
    Arch("dc3", (30, 5), (("lstm", 128, True), ("lstm", 64, False), ("dense", 32, "relu"),
                          ("dense", 16, "relu"), ("dense", 1, "linear")), 102,
         "LSTM 128 seq, LSTM 64 last, Dense 32 ReLU, Dense 16 ReLU, Dense 1"),
    Arch("inet3", (60, 5), (("lstm", 256, True), ("lstm", 128, False), ("dense", 32, "relu"),
                            ("dense", 16, "relu"), ("dense", 1, "linear")), 103,
         "LSTM 256 seq, LSTM 128 last, Dense 32 ReLU, Dense 16 ReLU, Dense 1",
         zero_bias_hh=True),
    Arch("ddqn_lstm", (10, 4), (("lstm", 128, True), ("bn",), ("lstm", 64, True), ("bn",),
                                ("lstm", 32, False), ("bn",), ("dense", 16, "relu"),
                                ("dense", 8, "relu"), ("dense", 1, "linear")), 104,
         "LSTM 128 seq, BN, LSTM 64 seq, BN, LSTM 32 last, BN, Dense 16 ReLU, Dense 8 ReLU, "
         "Dense 1"),
    Arch("qnet", (4,), (("dense", 128, "relu"), ("bn",), ("dense", 64, "relu"), ("bn",),
                        ("dense", 32, "relu"), ("bn",), ("dense", 10, "linear")), 105,
         "Dense 128 ReLU, BN, Dense 64 ReLU, BN, Dense 32 ReLU, BN, Dense 10"),
    Arch("torch9", (20, 9), (("lstm", 256, True), ("bn",), ("lstm", 128, True), ("bn",),
                             ("lstm", 64, False), ("dense", 128, "relu"), ("bn",),
                             ("dense", 64, "relu"), ("dense", 32, "relu"),
                             ("dense", 4, "linear")), 106,
         "LSTM 256 seq, BN, LSTM 128 seq, BN, LSTM 64 last, Dense 128 ReLU, BN, Dense 64 ReLU, "
         "Dense 32 ReLU, Dense 4", zero_bias_hh=True),
    Arch("odd", (7, 3), (("lstm", 37, True), ("lstm", 19, False), ("dense", 5, "tanh"),
                         ("dense", 3, "sigmoid")), 107,
         "LSTM 37 seq, LSTM 19 last, Dense 5 tanh, Dense 3 sigmoid"),
    Arch("stacked", (12, 5), (("lstm", 24, False, 2), ("dense", 2, "linear")), 108,
         "nn.LSTM(hidden 24, num_layers=2) last step, Dense 2"),
    Arch("dense_only", (11,), (("dense", 13, "tanh"), ("dense", 1, "linear")), 109,
         "Dense 13 tanh, Dense 1"),
    Arch("seq_out", (6, 4), (("lstm", 8, True), ("dense", 3, "linear")), 110,
         "LSTM 8 seq, Dense 3 per timestep"),
)


# --------------------------------------------------------------------------- PyTorch models

class LSTMBlock(nn.Module):
    """nn.LSTM on [batch, time, features], returning the sequence or its last step."""

    __constants__ = ["last"]  # a constant for torch.jit.script, so export has no branch

    def __init__(self, features: int, hidden: int, num_layers: int, last: bool):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=num_layers, batch_first=True)
        self.last = last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.lstm(x)
        if self.last:
            return y[:, -1, :]
        return y


class SeqBatchNorm(nn.Module):
    """BatchNorm1d over the channels of every timestep of [batch, time, channels]."""

    def __init__(self, channels: int):
        super().__init__()
        self.bn = nn.BatchNorm1d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x.transpose(1, 2)).transpose(1, 2)


TORCH_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def _randomise_batch_norm(bn: nn.BatchNorm1d, generator: torch.Generator) -> None:
    """Non-trivial statistics, so a loader that ignores one of them is caught."""
    c = bn.num_features
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c, generator=generator) + 0.5)
        bn.bias.copy_(torch.randn(c, generator=generator) * 0.2)
        bn.running_mean.copy_(torch.randn(c, generator=generator) * 0.3)
        bn.running_var.copy_(torch.rand(c, generator=generator) * 1.5 + 0.25)


def build_torch(arch: Arch) -> nn.Sequential:
    """The architecture as an eval-mode PyTorch model, weights drawn from arch.seed."""
    torch.manual_seed(arch.seed)
    generator = torch.Generator().manual_seed(arch.seed)
    modules: list[nn.Module] = []
    width = arch.input_shape[-1]
    sequence = len(arch.input_shape) == 2
    for spec in arch.layers:
        if spec[0] == "lstm":
            _, hidden, return_sequences, *num_layers = spec
            block = LSTMBlock(width, hidden, num_layers[0] if num_layers else 1,
                              last=not return_sequences)
            with torch.no_grad():
                for name, parameter in block.lstm.named_parameters():
                    if name.startswith("weight"):
                        parameter.mul_(LSTM_WEIGHT_SCALE)
                    elif name.startswith("bias_hh") and arch.zero_bias_hh:
                        parameter.zero_()
            modules.append(block)
            width, sequence = hidden, return_sequences
        elif spec[0] == "dense":
            _, units, activation = spec
            modules.append(nn.Linear(width, units))
            if activation != "linear":
                modules.append(TORCH_ACTIVATIONS[activation]())
            width = units
        else:
            block = SeqBatchNorm(width) if sequence else nn.BatchNorm1d(width)
            _randomise_batch_norm(block.bn if sequence else block, generator)
            modules.append(block)
    return nn.Sequential(*modules).eval()


def reference_inputs(arch: Arch) -> np.ndarray:
    rng = np.random.default_rng(arch.seed)
    return rng.standard_normal((WINDOWS, *arch.input_shape)).astype(np.float32)


def torch_outputs(model: nn.Module, inputs: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(inputs)).numpy()


# --------------------------------------------------------------------------- sources

def save_torchscript(model: nn.Module, inputs: np.ndarray, path: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.trace(model, torch.from_numpy(inputs)).save(path)


def save_onnx(model: nn.Module, inputs: np.ndarray, path: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.from_numpy(inputs[:1]),), path, opset_version=13,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


class _KerasNames:
    """Keras's automatic layer names: lstm, lstm_1, dense, ..."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def __call__(self, base: str) -> str:
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


def _keras_layers(model: nn.Sequential, input_shape: tuple[int, ...]):
    """(class_name, config, {weight_name: array}) per Keras layer, re-laid out from torch."""
    names = _KerasNames()
    modules = list(model)
    rank = len(input_shape) + 1
    layers = []
    for i, module in enumerate(modules):
        if isinstance(module, LSTMBlock):
            lstm = module.lstm
            for k in range(lstm.num_layers):
                name = names("lstm")
                returns = k < lstm.num_layers - 1 or not module.last
                # Torch gates i, f, g, o are Keras's i, f, c, o; Keras adds one bias.
                weights = {
                    f"{name}/lstm_cell/kernel:0": getattr(lstm, f"weight_ih_l{k}").T,
                    f"{name}/lstm_cell/recurrent_kernel:0": getattr(lstm, f"weight_hh_l{k}").T,
                    f"{name}/lstm_cell/bias:0": getattr(lstm, f"bias_ih_l{k}")
                    + getattr(lstm, f"bias_hh_l{k}")}
                layers.append(("LSTM", {
                    "name": name, "trainable": True, "dtype": "float32",
                    "return_sequences": returns, "return_state": False, "go_backwards": False,
                    "stateful": False, "unroll": False, "time_major": False,
                    "units": lstm.hidden_size, "activation": "tanh",
                    "recurrent_activation": "sigmoid", "use_bias": True,
                    "unit_forget_bias": True, "dropout": 0.0, "recurrent_dropout": 0.0,
                    "implementation": 2}, weights))
            rank = 3 if not module.last else 2
        elif isinstance(module, nn.Linear):
            name = names("dense")
            following = modules[i + 1] if i + 1 < len(modules) else None
            activation = next((k for k, cls in TORCH_ACTIVATIONS.items()
                               if isinstance(following, cls)), "linear")
            layers.append(("Dense", {
                "name": name, "trainable": True, "dtype": "float32",
                "units": module.out_features, "activation": activation, "use_bias": True},
                {f"{name}/kernel:0": module.weight.T, f"{name}/bias:0": module.bias}))
        elif isinstance(module, tuple(TORCH_ACTIVATIONS.values())) and i > 0 \
                and isinstance(modules[i - 1], nn.Linear):
            continue  # the Dense above took it as its activation
        elif isinstance(module, (SeqBatchNorm, nn.BatchNorm1d)):
            bn = module.bn if isinstance(module, SeqBatchNorm) else module
            name = names("batch_normalization")
            layers.append(("BatchNormalization", {
                "name": name, "trainable": True, "dtype": "float32", "axis": [rank - 1],
                "momentum": 0.99, "epsilon": bn.eps, "center": True, "scale": True},
                {f"{name}/gamma:0": bn.weight, f"{name}/beta:0": bn.bias,
                 f"{name}/moving_mean:0": bn.running_mean,
                 f"{name}/moving_variance:0": bn.running_var}))
        else:
            raise ValueError(f"no Keras equivalent written for {type(module).__name__}")
    return layers


def save_keras_h5(model: nn.Sequential, input_shape: tuple[int, ...], path: str) -> None:
    """A Keras 2.x HDF5 model file (as `model.save('m.h5')` writes a Sequential model)."""
    layers = _keras_layers(model, input_shape)
    first_name = layers[0][1]["name"]
    input_layer = {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, *input_shape], "dtype": "float32", "sparse": False,
        "ragged": False, "name": f"{first_name}_input"}}
    config = {"class_name": "Sequential", "config": {
        "name": "sequential",
        "layers": [input_layer] + [{"class_name": cls, "config": cfg}
                                   for cls, cfg, _ in layers]}}
    with h5py.File(path, "w", libver="earliest", track_order=False) as f:
        f.attrs["keras_version"] = "2.11.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        root = f.create_group("model_weights")
        root.attrs["keras_version"] = "2.11.0"
        root.attrs["backend"] = "tensorflow"
        root.attrs["layer_names"] = np.array([cfg["name"].encode() for _, cfg, _ in layers])
        for _, cfg, weights in layers:
            group = root.create_group(cfg["name"])
            group.attrs["weight_names"] = np.array([n.encode() for n in weights])
            for weight_name, tensor in weights.items():
                group.create_dataset(weight_name, data=tensor.detach().numpy().astype(np.float32),
                                     track_times=False)


# --------------------------------------------------------------------------- outputs

def write_csv(path: str, rows: np.ndarray) -> None:
    with open(path, "w") as f:
        for row in rows.reshape(len(rows), -1):
            f.write(",".join(f"{v:.9g}" for v in row) + "\n")


def convert_route(arch: Arch, route: str, source: str, inputs: np.ndarray,
                  expected: np.ndarray) -> Model:
    model = convert(source, name=arch.name, version="reference", input_shape=arch.input_shape,
                    meta={"model.description": arch.description,
                          "train.tool": "tools/gen_reference.py", "train.seed": arch.seed})
    # Every route embeds PyTorch's own output as the self-test, so equal networks give
    # equal files whatever the route.
    return with_selftest(model, inputs[0], expected[0])


def generate(arch: Arch, out: str, source_dir: str, dedupe: bool) -> list[tuple[str, str, float]]:
    """Writes the arch's files; returns (route, file, max abs error vs PyTorch) per route."""
    model = build_torch(arch)
    inputs = reference_inputs(arch)
    expected = torch_outputs(model, inputs)
    write_csv(os.path.join(out, f"{arch.name}.input.csv"), inputs)
    write_csv(os.path.join(out, f"{arch.name}.output.csv"), expected)
    sources = {route: os.path.join(source_dir, arch.name + SOURCE_SUFFIX[route])
               for route in ROUTES}
    save_onnx(model, inputs, sources["onnx"])
    save_torchscript(model, inputs, sources["torchscript"])
    save_keras_h5(model, arch.input_shape, sources["keras"])

    results = []
    canonical = None
    for route in ROUTES:
        converted = convert_route(arch, route, sources[route], inputs, expected)
        error = float(np.max(np.abs(forward_numpy(converted, inputs) - expected)))
        if error > MAX_ROUTE_ERROR:
            raise SystemExit(f"gen_reference: {arch.name} via {route} differs from PyTorch "
                             f"by {error:.3g}")
        data = converted.to_bytes()
        if canonical is None:
            canonical = data
            _write(os.path.join(out, f"{arch.name}.pba"), data)
        file = f"{arch.name}.{route}.pba"
        if dedupe and data == canonical:
            file = f"{arch.name}.pba"  # the same bytes: stored once
        else:
            _write(os.path.join(out, file), data)
        results.append((route, file, error))
    return results


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="directory to write the reference files to")
    p.add_argument("--keep-sources", action="store_true",
                   help="also keep the .pt, .onnx and .h5 source models in --out")
    p.add_argument("--dedupe", action="store_true",
                   help="don't write a route's <arch>.<route>.pba when its bytes equal "
                        "<arch>.pba (for the committed copy)")
    p.add_argument("--arch", action="append", choices=[a.name for a in ARCHS],
                   help="only these architectures (default: all)")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # identical float summation order on every run
    archs = [a for a in ARCHS if not args.arch or a.name in args.arch]
    manifest = ["arch,route,file"]
    with tempfile.TemporaryDirectory() as scratch:
        for arch in archs:
            source_dir = args.out if args.keep_sources else scratch
            for route, file, error in generate(arch, args.out, source_dir, args.dedupe):
                manifest.append(f"{arch.name},{route},{file}")
                print(f"{arch.name:<11} {route:<12} {file:<26} max |error| vs PyTorch "
                      f"{error:.3g}")
    if not args.arch:
        with open(os.path.join(args.out, "routes.csv"), "w") as f:
            f.write("\n".join(manifest) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

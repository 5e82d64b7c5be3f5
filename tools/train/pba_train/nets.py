"""PyTorch networks built from the `.pba` layer vocabulary, and their export.

A network is described as a list of layer specs, so the same list builds the trainable
PyTorch module and the `.pba` layer records: what is trained is exactly what is stored.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

import pba_format as pf

ACTIVATIONS = {"linear": pf.Activation.LINEAR, "relu": pf.Activation.RELU,
               "tanh": pf.Activation.TANH, "sigmoid": pf.Activation.SIGMOID}
BN_EPSILON = 1e-3  # Keras' default, which the transport's original v1 network used


@dataclass(frozen=True)
class LSTM:
    hidden: int
    return_sequences: bool = False


@dataclass(frozen=True)
class Dense:
    units: int
    activation: str = "linear"


@dataclass(frozen=True)
class BatchNorm:
    pass


def _act(name: str) -> nn.Module:
    return {"linear": nn.Identity(), "relu": nn.ReLU(), "tanh": nn.Tanh(),
            "sigmoid": nn.Sigmoid()}[name]


class _LastStep(nn.Module):
    def forward(self, x):
        return x[:, -1]


class _LSTMOut(nn.Module):
    """nn.LSTM returning its output sequence, or the last step when not return_sequences."""

    def __init__(self, n_in: int, spec: LSTM):
        super().__init__()
        self.lstm = nn.LSTM(n_in, spec.hidden, batch_first=True)
        self.return_sequences = spec.return_sequences

    def forward(self, x):
        y, _ = self.lstm(x)
        return y if self.return_sequences else y[:, -1]


class _BatchNormLastAxis(nn.Module):
    """BatchNorm over the last axis of a vector or every step of a sequence, as .pba does."""

    def __init__(self, channels: int):
        super().__init__()
        self.bn = nn.BatchNorm1d(channels, eps=BN_EPSILON)

    def forward(self, x):
        if x.dim() == 3:
            return self.bn(x.transpose(1, 2)).transpose(1, 2)
        return self.bn(x)


class Network(nn.Module):
    def __init__(self, n_features: int, specs: list):
        super().__init__()
        self.n_features = n_features
        self.specs = list(specs)
        blocks, width = [], n_features
        for s in specs:
            if isinstance(s, LSTM):
                blocks.append(_LSTMOut(width, s))
                width = s.hidden
            elif isinstance(s, Dense):
                blocks.append(nn.Sequential(nn.Linear(width, s.units), _act(s.activation)))
                width = s.units
            else:
                blocks.append(_BatchNormLastAxis(width))
        self.blocks = nn.ModuleList(blocks)
        self.n_outputs = width

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


def export(net: Network) -> tuple[list[pf.Layer], list[pf.Tensor]]:
    """The network's `.pba` layers and tensors (BatchNorm with its running statistics)."""
    layers, tensors = [], []

    def add(name: str, t: torch.Tensor) -> int:
        tensors.append(pf.Tensor(name, t.detach().cpu().numpy().astype(np.float32)))
        return len(tensors) - 1

    width = net.n_features
    for i, (spec, block) in enumerate(zip(net.specs, net.blocks)):
        if isinstance(spec, LSTM):
            l = block.lstm
            idx = [add(f"l{i}.{r}", getattr(l, f"{r}_l0"))
                   for r in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            layers.append(pf.Layer(pf.LayerType.LSTM, pf.Activation.LINEAR, width, spec.hidden,
                                   spec.return_sequences, 0.0, idx))
            width = spec.hidden
        elif isinstance(spec, Dense):
            lin = block[0]
            idx = [add(f"l{i}.weight", lin.weight), add(f"l{i}.bias", lin.bias)]
            layers.append(pf.Layer(pf.LayerType.DENSE, ACTIVATIONS[spec.activation], width,
                                   spec.units, False, 0.0, idx))
            width = spec.units
        else:
            bn = block.bn
            idx = [add(f"l{i}.gamma", bn.weight), add(f"l{i}.beta", bn.bias),
                   add(f"l{i}.running_mean", bn.running_mean),
                   add(f"l{i}.running_var", bn.running_var)]
            layers.append(pf.Layer(pf.LayerType.BATCH_NORM, pf.Activation.LINEAR, width, width,
                                   False, float(np.float32(bn.eps)), idx))
    return layers, tensors


def describe(net: Network, window: int | None) -> str:
    """Architecture string for metadata and docs, e.g. '[60,1] -> LSTM 48 -> Dense 1'."""
    parts = [f"[{window},{net.n_features}]" if window else f"[{net.n_features}]"]
    for s in net.specs:
        if isinstance(s, LSTM):
            parts.append(f"LSTM {s.hidden}" + (" (seq)" if s.return_sequences else ""))
        elif isinstance(s, Dense):
            parts.append(f"Dense {s.units}" + ("" if s.activation == "linear"
                                               else f" {s.activation}"))
        else:
            parts.append("BatchNorm")
    return " -> ".join(parts)

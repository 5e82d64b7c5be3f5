"""The layer chain every importer builds: .pba layers plus their tensors, named alike
whatever the source framework, so that equal networks convert to byte-identical files."""

from __future__ import annotations

import numpy as np

from pba_format import Activation, Layer, LayerType, LAYER_TENSOR_ROLES, Model, Tensor


class ConvertError(Exception):
    """A source model that can't be expressed as a .pba network; the message says why/where."""


class Network:
    def __init__(self):
        self.layers: list[Layer] = []
        self.tensors: list[Tensor] = []

    def _add(self, kind: LayerType, input_size: int, output_size: int,
             arrays: list[np.ndarray], **fields) -> Layer:
        index = len(self.layers)
        first = len(self.tensors)
        for role, array in zip(LAYER_TENSOR_ROLES[kind], arrays):
            self.tensors.append(Tensor(f"{index}.{role}", np.asarray(array, np.float32)))
        layer = Layer(kind, input_size=input_size, output_size=output_size,
                      tensors=list(range(first, len(self.tensors))), **fields)
        self.layers.append(layer)
        return layer

    def add_dense(self, weight: np.ndarray, bias: np.ndarray | None = None,
                  activation: Activation = Activation.LINEAR) -> Layer:
        """weight is [out, in] (PyTorch's nn.Linear layout); a missing bias is zero."""
        out, inp = weight.shape
        bias = np.zeros(out, np.float32) if bias is None else np.asarray(bias).reshape(out)
        return self._add(LayerType.DENSE, inp, out, [weight, bias], activation=activation)

    def add_lstm(self, weight_ih: np.ndarray, weight_hh: np.ndarray, bias_ih: np.ndarray,
                 bias_hh: np.ndarray, return_sequences: bool) -> Layer:
        """PyTorch nn.LSTM tensors, gate rows i, f, g, o."""
        hidden = weight_hh.shape[1]
        return self._add(LayerType.LSTM, weight_ih.shape[1], hidden,
                         [weight_ih, weight_hh, bias_ih, bias_hh],
                         return_sequences=return_sequences)

    def add_batch_norm(self, gamma, beta, mean, var, epsilon: float) -> Layer:
        channels = len(gamma)
        return self._add(LayerType.BATCH_NORM, channels, channels, [gamma, beta, mean, var],
                         epsilon=float(epsilon))

    def add_activation(self, channels: int, activation: Activation) -> Layer:
        return self._add(LayerType.ACTIVATION, channels, channels, [], activation=activation)

    def tensor(self, layer: Layer, role: str) -> Tensor:
        return self.tensors[layer.tensors[LAYER_TENSOR_ROLES[layer.type].index(role)]]

    def model(self, metadata: dict) -> Model:
        if not self.layers:
            raise ConvertError("the model has no layers to convert (an identity network)")
        return Model(list(self.layers), list(self.tensors), dict(metadata))

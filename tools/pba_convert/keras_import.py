"""Keras HDF5 (what Keras 2.x / tf.keras `model.save("m.h5")` writes) -> .pba layers.

The file holds the architecture as JSON in the root attribute `model_config` and the weights
under `model_weights/<layer>/`, listed by each layer group's `weight_names` attribute
(e.g. `lstm/lstm_cell/kernel:0`). Sequential models and Functional models that are a plain
chain are supported.
"""

from __future__ import annotations

import json

import h5py
import numpy as np

from pba_format import Activation, LayerType

from .network import ConvertError, Network

ACTIVATIONS = {"linear": Activation.LINEAR, "relu": Activation.RELU,
               "tanh": Activation.TANH, "sigmoid": Activation.SIGMOID}
SKIPPED = {"InputLayer", "Dropout"}  # no computation at inference


def _activation(layer: dict, key: str = "activation") -> Activation:
    name = layer["config"].get(key, "linear")
    if name not in ACTIVATIONS:
        raise ConvertError(f"Keras layer '{layer['config']['name']}' ({layer['class_name']}): "
                           f"{key} '{name}' is not supported (linear, relu, tanh, sigmoid)")
    return ACTIVATIONS[name]


def _chain(config: dict) -> list[dict]:
    """The model's layers in data-flow order."""
    kind = config["class_name"]
    body = config["config"]
    if kind == "Sequential":
        return body["layers"] if isinstance(body, dict) else body
    if kind not in ("Functional", "Model"):
        raise ConvertError(f"Keras model class '{kind}' is not supported "
                           "(Sequential or Functional)")
    layers = {layer["name"]: layer for layer in body["layers"]}
    consumers: dict[str, list[str]] = {}
    for layer in body["layers"]:
        nodes = layer.get("inbound_nodes", [])
        inbound = [entry[0] for node in nodes for entry in node]
        if len(nodes) > 1 or len(inbound) > 1:
            raise ConvertError(f"Keras layer '{layer['name']}' takes {len(inbound)} inputs or is "
                               "shared; only a chain of layers is supported")
        for source in inbound:
            consumers.setdefault(source, []).append(layer["name"])
    if len(body["input_layers"]) != 1 or len(body["output_layers"]) != 1:
        raise ConvertError("the Keras model must have one input and one output")
    order = [body["input_layers"][0][0]]
    while order[-1] in consumers:
        following = consumers[order[-1]]
        if len(following) != 1:
            raise ConvertError(f"Keras layer '{order[-1]}' feeds {len(following)} layers; only "
                               "a chain of layers is supported")
        order.append(following[0])
    if order[-1] != body["output_layers"][0][0] or len(order) != len(layers):
        raise ConvertError("the Keras model is not a single chain from its input to its output")
    return [layers[name] for name in order]


def _weights(weights_root: h5py.Group, layer: dict) -> dict[str, np.ndarray]:
    """The layer's variables by short name (kernel, bias, gamma, ...)."""
    name = layer["config"]["name"]
    if name not in weights_root:
        return {}
    group = weights_root[name]
    names = [n.decode() if isinstance(n, bytes) else str(n)
             for n in group.attrs.get("weight_names", [])]
    if not names:  # files written without the attribute: take every dataset below the group
        group.visititems(lambda path, item: names.append(path)
                         if isinstance(item, h5py.Dataset) else None)
    return {n.split("/")[-1].split(":")[0]: np.asarray(group[n], dtype=np.float32)
            for n in names}


def _input_shape(layers: list[dict], hint: tuple[int, ...] | None) -> tuple[int, ...]:
    first = layers[0]["config"]
    declared = first.get("batch_input_shape") or first.get("batch_shape")
    if declared is None:
        raise ConvertError("the Keras model declares no input shape: build it with an Input "
                           "layer or input_shape=")
    declared = list(declared[1:])
    if len(declared) not in (1, 2):
        raise ConvertError(f"Keras input shape {declared} is not [time, features] or [features]")
    if hint is not None:
        if len(hint) != len(declared) or any(d is not None and d != h
                                              for d, h in zip(declared, hint)):
            raise ConvertError(f"--input-shape {list(hint)} disagrees with the Keras input "
                               f"shape {declared}")
        return tuple(hint)
    if None in declared:
        raise ConvertError(f"the Keras input shape {declared} has a free length: pass "
                           "--input-shape T,F")
    return tuple(declared)


class _Builder:
    """Appends Keras layers to a Network, checking they fit the data flowing in."""

    def __init__(self, weights_root: h5py.Group, input_shape: tuple[int, ...]):
        self.root = weights_root
        self.network = Network()
        self.width = input_shape[-1]
        self.sequence = len(input_shape) == 2

    def error(self, layer: dict, message: str) -> ConvertError:
        return ConvertError(f"Keras layer '{layer['config']['name']}' ({layer['class_name']}): "
                            f"{message}")

    def variables(self, layer: dict, required: tuple[str, ...]) -> dict[str, np.ndarray]:
        found = _weights(self.root, layer)
        missing = [v for v in required if v not in found]
        if missing:
            raise self.error(layer, f"weights {missing} not found in model_weights")
        return found

    def check_width(self, layer: dict, width: int) -> None:
        if width != self.width:
            raise self.error(layer, f"expects {width} input channels, gets {self.width}")

    def add(self, layer: dict) -> None:
        kind = layer["class_name"]
        if kind in SKIPPED:
            return
        handler = getattr(self, f"add_{kind}", None)
        if handler is None:
            raise self.error(layer, "unsupported Keras layer (InputLayer, LSTM, Dense, "
                                    "BatchNormalization, Activation, Dropout)")
        handler(layer, layer["config"])

    def add_Dense(self, layer: dict, config: dict) -> None:
        use_bias = config.get("use_bias", True)
        w = self.variables(layer, ("kernel", "bias") if use_bias else ("kernel",))
        self.check_width(layer, w["kernel"].shape[0])
        self.network.add_dense(w["kernel"].T, w.get("bias"), _activation(layer))
        self.width = w["kernel"].shape[1]

    def add_LSTM(self, layer: dict, config: dict) -> None:
        if _activation(layer) != Activation.TANH \
                or _activation(layer, "recurrent_activation") != Activation.SIGMOID:
            raise self.error(layer, "only activation tanh with recurrent_activation sigmoid "
                                    "matches a PyTorch LSTM")
        for flag in ("go_backwards", "stateful", "return_state", "time_major"):
            if config.get(flag):
                raise self.error(layer, f"{flag}=True is not supported")
        if not self.sequence:
            raise self.error(layer, "fed a vector, an LSTM needs a sequence")
        use_bias = config.get("use_bias", True)
        required = ("kernel", "recurrent_kernel", "bias") if use_bias \
            else ("kernel", "recurrent_kernel")
        w = self.variables(layer, required)
        self.check_width(layer, w["kernel"].shape[0])
        hidden = w["recurrent_kernel"].shape[0]
        # Keras gates are i, f, c, o: PyTorch's i, f, g, o. Keras has one bias; PyTorch adds
        # bias_ih and bias_hh, so the Keras bias is bias_ih and bias_hh is zero.
        bias = w.get("bias", np.zeros(4 * hidden, np.float32))
        self.network.add_lstm(w["kernel"].T, w["recurrent_kernel"].T, bias,
                              np.zeros(4 * hidden, np.float32),
                              return_sequences=bool(config.get("return_sequences", False)))
        self.sequence = bool(config.get("return_sequences", False))
        self.width = hidden

    def add_BatchNormalization(self, layer: dict, config: dict) -> None:
        rank = 3 if self.sequence else 2
        axes = config.get("axis", -1)
        axes = axes if isinstance(axes, list) else [axes]
        if [a % rank for a in axes] != [rank - 1]:
            raise self.error(layer, f"normalises axis {config.get('axis')}; only the last "
                                    "(channel) axis is supported")
        scale, center = config.get("scale", True), config.get("center", True)
        w = self.variables(layer, ("moving_mean", "moving_variance") + ("gamma",) * scale
                           + ("beta",) * center)
        gamma = w["gamma"] if scale else np.ones(self.width, np.float32)
        beta = w["beta"] if center else np.zeros(self.width, np.float32)
        self.check_width(layer, len(w["moving_mean"]))
        self.network.add_batch_norm(gamma, beta, w["moving_mean"], w["moving_variance"],
                                    config.get("epsilon", 1e-3))

    def add_Activation(self, layer: dict, config: dict) -> None:
        function = _activation(layer)
        last = self.network.layers[-1] if self.network.layers else None
        # A Dense followed by its activation is one .pba Dense, as in the other importers.
        if last is not None and last.type == LayerType.DENSE \
                and last.activation == Activation.LINEAR:
            last.activation = function
        elif function != Activation.LINEAR:
            self.network.add_activation(self.width, function)


def import_keras(path: str, input_shape: tuple[int, ...] | None = None
                 ) -> tuple[Network, tuple[int, ...]]:
    """The .pba layers of a Keras HDF5 model and its per-window input shape."""
    with open(path, "rb") as f:
        if f.read(2) == b"PK":
            raise ConvertError(f"{path}: a Keras 3 .keras zip archive; save the model as HDF5 "
                               "(model.save('model.h5')) to convert it")
    try:
        h5 = h5py.File(path, "r")
    except OSError as e:
        raise ConvertError(f"{path}: not an HDF5 file ({e})") from None
    with h5:
        if "model_config" not in h5.attrs:
            raise ConvertError(f"{path}: no 'model_config' attribute (a weights-only file?)")
        raw = h5.attrs["model_config"]
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        layers = _chain(config)
        shape = _input_shape(layers, input_shape)
        builder = _Builder(h5["model_weights"] if "model_weights" in h5 else h5, shape)
        for layer in layers:
            builder.add(layer)
        return builder.network, shape

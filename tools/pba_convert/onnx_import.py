"""ONNX -> .pba layers.

An ONNX export of an LSTM/Dense network is a few layer ops wrapped in plumbing: transposes
between batch-first and time-major, squeezes of the LSTM's direction axis, zero initial
states built from Shape/Gather/ConstantOfShape, a Gather or Slice that keeps the last
timestep. The importer interprets the graph abstractly: constant subgraphs are folded with
numpy (dimensions that depend on the batch size stay symbolic), and the one data tensor is
followed from the graph input to the output, tracking what each of its axes means (batch,
time, channels, or a size-1 axis), so that the layer ops can be read as .pba layers whatever
layout the exporter chose. A graph whose data path branches or merges is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import onnx
from onnx import numpy_helper

from pba_format import Activation, Layer, LayerType

from .network import ConvertError, Network

BATCH, TIME, CHANNEL, UNIT = "batch", "time", "channel", "unit"
# Slice ends at or past this mean "to the end" (exporters write INT32_MAX or INT64_MAX).
SLICE_TO_END = 2**31 - 1
ACTIVATIONS = {"Relu": Activation.RELU, "Tanh": Activation.TANH, "Sigmoid": Activation.SIGMOID}
# ONNX stacks LSTM gate blocks as i, o, f, c; PyTorch (and .pba) as i, f, g(=c), o.
ONNX_TO_TORCH_GATES = (0, 2, 3, 1)


class Axis:
    """One axis of the data tensor. Shared by identity through transposes and reshapes, and
    used as the symbol for its size when Shape() reads a size that isn't fixed."""

    def __init__(self, role: str | None, size: int | None):
        self.role = role  # None: a graph input axis not yet known to be batch or time
        self.size = size

    def __repr__(self):
        return f"{self.role or 'batch-or-time'}({self.size if self.size else '?'})"


@dataclass(frozen=True)
class Flow:
    """The data tensor at some point of the path."""

    axes: tuple[Axis, ...]
    revision: int  # the network's revision it was computed at: a stale one means a branch
    width: int  # its channel count
    open_dense: Layer | None = None  # a linear Dense this is the output of: Add/activation fold in
    pending_last: Layer | None = None  # an LSTM's Y_h: reading it keeps only the last step


@dataclass(frozen=True)
class Fill:
    """A tensor of one repeated value whose shape depends on the batch size (zero states)."""

    value: float


@dataclass(frozen=True)
class Stack:
    """Data tensors concatenated along a size-1 axis: the final states of stacked LSTMs
    (PyTorch's h_n). Only picking one of them back out is supported."""

    parts: tuple[Flow, ...]
    axis: int


@dataclass(frozen=True)
class Unavailable:
    """An output the importer doesn't compute; reading it is an error saying why."""

    reason: str


def _attrs(node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _int_array(values) -> np.ndarray:
    """A dims array: int64 when every entry is known, object (with Axis symbols) otherwise."""
    array = np.asarray(values, dtype=object)
    if all(isinstance(v, (int, np.integer)) for v in array.flat):
        return array.astype(np.int64)
    return array


class OnnxImporter:
    def __init__(self, model: onnx.ModelProto, input_shape: tuple[int, ...] | None):
        self.graph = model.graph
        self.hint = input_shape
        self.network = Network()
        self.revision = 0
        self.values: dict[str, object] = {}
        self.undecided: list[Axis] = []
        self.input_axes: tuple[Axis, ...] = ()

    # ------------------------------------------------------------------ helpers

    def error(self, node, message: str) -> ConvertError:
        return ConvertError(f"ONNX node '{node.name or node.output[0]}' ({node.op_type}): "
                            f"{message}")

    def read(self, node, index: int):
        if index >= len(node.input) or not node.input[index]:
            return None
        name = node.input[index]
        if name not in self.values:
            raise self.error(node, f"input '{name}' is not produced by any node")
        value = self.values[name]
        if isinstance(value, Unavailable):
            raise self.error(node, f"reads '{name}', {value.reason}")
        return value

    def constant(self, node, index: int, what: str) -> np.ndarray:
        value = self.read(node, index)
        if not isinstance(value, np.ndarray) or value.dtype == object:
            raise self.error(node, f"{what} (input {index}) must be a constant")
        return value

    def ints(self, node, index: int, what: str) -> list[int]:
        return [int(v) for v in self.constant(node, index, what).reshape(-1)]

    def take(self, node, flow: Flow) -> Flow:
        """The data tensor as input of an op that changes the network. A flow computed before
        the latest change is another branch of the data path."""
        if flow.revision != self.revision:
            raise self.error(node, "the data path branches: this reads a tensor from before "
                                   "an earlier layer; only a chain of layers is supported")
        if flow.pending_last is not None:
            flow.pending_last.return_sequences = False
            self.revision += 1
            flow = replace(flow, revision=self.revision, pending_last=None)
        return flow

    def changed(self, flow: Flow, **fields) -> Flow:
        self.revision += 1
        return replace(flow, revision=self.revision, **fields)

    def decide(self, axis: Axis, role: str) -> None:
        """Tell which graph-input axis is time; the other one is the batch."""
        if axis in self.undecided:
            other = BATCH if role == TIME else TIME
            for candidate in self.undecided:
                candidate.role = role if candidate is axis else other
            self.undecided = []

    # ------------------------------------------------------------------ driver

    def run(self) -> tuple[Network, tuple[int, ...]]:
        for init in self.graph.initializer:
            self.values[init.name] = numpy_helper.to_array(init)
        self.bind_input()
        if len(self.graph.output) != 1:
            raise ConvertError(f"the ONNX graph has {len(self.graph.output)} outputs; a .pba "
                               "model has exactly one")
        for node in self.needed_nodes(self.graph.output[0].name):
            handler = getattr(self, f"op_{node.op_type}", None)
            if handler is None or node.domain not in ("", "ai.onnx"):
                raise self.error(node, "unsupported ONNX op (a .pba network has LSTM, Dense, "
                                       "BatchNorm and ReLU/tanh/sigmoid layers)")
            outputs = handler(node, _attrs(node))
            for name, value in zip(node.output, outputs):
                if name:  # numpy folds 0-d results to scalars; keep every constant an array
                    self.values[name] = np.asarray(value) if isinstance(value, np.generic) \
                        else value
        return self.network, self.finish(self.graph.output[0].name)

    def needed_nodes(self, output: str) -> list:
        producers = {name: node for node in self.graph.node for name in node.output}
        needed, stack = set(), [output]
        while stack:
            node = producers.get(stack.pop())
            if node is not None and id(node) not in needed:
                needed.add(id(node))
                stack.extend(node.input)
        return [node for node in self.graph.node if id(node) in needed]

    def bind_input(self) -> None:
        inputs = [i for i in self.graph.input if i.name not in self.values]
        if len(inputs) != 1:
            raise ConvertError(f"the ONNX graph has {len(inputs)} data inputs "
                               f"({', '.join(i.name for i in inputs)}); exactly one is supported")
        graph_input = inputs[0]
        tensor_type = graph_input.type.tensor_type
        if tensor_type.elem_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
            raise ConvertError(f"graph input '{graph_input.name}' is not a float tensor")
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in tensor_type.shape.dim]
        if len(dims) not in (2, 3):
            raise ConvertError(f"graph input '{graph_input.name}' has rank {len(dims)}; expected "
                               "[batch, features] or [batch, time, features]")
        if self.hint is not None and len(self.hint) != len(dims) - 1:
            raise ConvertError(f"--input-shape {list(self.hint)} doesn't fit graph input "
                               f"'{graph_input.name}' of rank {len(dims)}")
        features = dims[-1] or (self.hint[-1] if self.hint else None)
        if features is None:
            raise ConvertError(f"graph input '{graph_input.name}' has no fixed feature count: "
                               "pass --input-shape")
        if self.hint is not None and features != self.hint[-1]:
            raise ConvertError(f"--input-shape has {self.hint[-1]} features, graph input "
                               f"'{graph_input.name}' has {features}")
        channel = Axis(CHANNEL, features)
        if len(dims) == 2:
            axes = (Axis(BATCH, dims[0]), channel)
        else:
            self.undecided = [Axis(None, dims[0]), Axis(None, dims[1])]
            axes = (*self.undecided, channel)
        self.input_axes = axes
        self.values[graph_input.name] = Flow(axes, self.revision, features)

    def finish(self, output: str) -> tuple[int, ...]:
        flow = self.values.get(output)
        if not isinstance(flow, Flow):
            raise ConvertError(f"graph output '{output}' does not depend on the input")
        if flow.revision != self.revision:
            raise ConvertError(f"graph output '{output}' is computed from before the network's "
                               "last layer: the data path branches")
        if flow.pending_last is not None:
            flow.pending_last.return_sequences = False
        if self.undecided:  # no LSTM told them apart: batch-first, as Keras and PyTorch do
            self.decide(self.undecided[1], TIME)
        roles = [a.role for a in flow.axes if a.role in (TIME, CHANNEL)]
        if roles not in ([TIME, CHANNEL], [CHANNEL], [TIME], []):
            raise ConvertError(f"graph output '{output}' has its channels before its time axis; "
                               "a .pba model outputs [time, channels]")
        lstms = [layer for layer in self.network.layers if layer.type == LayerType.LSTM]
        sequence = lstms[-1].return_sequences if lstms else len(self.input_axes) == 3
        if (TIME in roles) != sequence:
            raise ConvertError(f"graph output '{output}' has axes {list(flow.axes)}, which don't "
                               f"match the network's {'sequence' if sequence else 'vector'} output")
        if len(self.input_axes) == 2:
            return (self.input_axes[1].size,)
        time = next(a for a in self.input_axes if a.role == TIME)
        steps = time.size
        if self.hint is not None:
            if steps is not None and steps != self.hint[0]:
                raise ConvertError(f"--input-shape has {self.hint[0]} timesteps, the graph "
                                   f"input has {steps}")
            steps = self.hint[0]
        if steps is None:
            raise ConvertError("the graph input's time axis has no fixed length: pass "
                               "--input-shape T,F")
        return (steps, self.input_axes[-1].size)

    # ------------------------------------------------------------------ constants & plumbing

    def op_Constant(self, node, attrs):
        if "value" in attrs:
            return [numpy_helper.to_array(attrs["value"])]
        for key, dtype in (("value_float", np.float32), ("value_floats", np.float32),
                           ("value_int", np.int64), ("value_ints", np.int64)):
            if key in attrs:
                return [np.array(attrs[key], dtype=dtype)]
        raise self.error(node, f"constant kind {sorted(attrs)} is not supported")

    def op_Identity(self, node, attrs):
        return [self.read(node, 0)]

    def op_Dropout(self, node, attrs):
        # Inference: dropout is the identity, and .pba doesn't store it.
        return [self.read(node, 0), Unavailable("the dropout mask, which is not computed")]

    def op_Cast(self, node, attrs):
        value = self.read(node, 0)
        dtype = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[attrs["to"]]
        if isinstance(value, Flow):
            if not np.issubdtype(dtype, np.floating):
                raise self.error(node, f"casts the data path to {dtype}")
            return [value]
        if isinstance(value, np.ndarray) and value.dtype != object:
            return [value.astype(dtype)]
        return [value]  # symbolic dims stay integers; a Fill keeps its value

    def op_Shape(self, node, attrs):
        value = self.read(node, 0)
        if isinstance(value, Flow):
            dims = _int_array([a.size if a.size is not None else a for a in value.axes])
        elif isinstance(value, np.ndarray):
            dims = np.array(value.shape, np.int64)
        else:
            raise self.error(node, "reads the shape of a tensor whose shape isn't tracked")
        return [dims[attrs.get("start", 0):attrs.get("end", len(dims))]]

    def op_ConstantOfShape(self, node, attrs):
        shape = self.read(node, 0)
        value = numpy_helper.to_array(attrs["value"]) if "value" in attrs \
            else np.zeros(1, np.float32)
        if isinstance(shape, np.ndarray) and shape.dtype != object:
            return [np.full(tuple(shape), value.reshape(-1)[0], dtype=value.dtype)]
        return [Fill(float(value.reshape(-1)[0]))]

    def op_Expand(self, node, attrs):
        value, shape = self.read(node, 0), self.read(node, 1)
        if isinstance(value, Fill):
            return [value]
        if isinstance(value, np.ndarray) and value.dtype != object:
            if isinstance(shape, np.ndarray) and shape.dtype != object:
                return [value * np.ones(tuple(shape), value.dtype)]
            if value.size and (value == value.reshape(-1)[0]).all():
                return [Fill(float(value.reshape(-1)[0]))]
        raise self.error(node, "expands a tensor that isn't a constant")

    def op_Concat(self, node, attrs):
        parts = [self.read(node, i) for i in range(len(node.input))]
        if parts and all(isinstance(p, Flow) for p in parts):
            axis = attrs["axis"] % len(parts[0].axes)
            if all(len(p.axes) == len(parts[0].axes) and p.axes[axis].role == UNIT
                   for p in parts):
                return [Stack(tuple(parts), axis)]
        if any(isinstance(p, (Flow, Stack)) for p in parts):
            raise self.error(node, "joins the data path with another tensor; only a chain of "
                                   "layers is supported")
        fills = {p.value for p in parts if isinstance(p, Fill)}
        if fills:
            arrays = [p for p in parts if isinstance(p, np.ndarray)]
            if len(fills) == 1 and all((a == next(iter(fills))).all() for a in arrays):
                return [Fill(fills.pop())]
            raise self.error(node, "concatenates tensors of different values")
        return [_int_array(np.concatenate(parts, axis=attrs["axis"]))
                if any(p.dtype == object for p in parts)
                else np.concatenate(parts, axis=attrs["axis"])]

    def op_Unsqueeze(self, node, attrs):
        value = self.read(node, 0)
        axes = attrs["axes"] if "axes" in attrs else self.ints(node, 1, "axes")
        if isinstance(value, Fill):
            return [value]
        rank = (len(value.axes) if isinstance(value, Flow) else value.ndim) + len(axes)
        axes = sorted(a % rank for a in axes)
        if isinstance(value, Flow):
            new_axes = list(value.axes)
            for a in axes:
                new_axes.insert(a, Axis(UNIT, 1))
            return [replace(value, axes=tuple(new_axes))]
        for a in axes:
            value = np.expand_dims(value, a)
        return [value]

    def op_Squeeze(self, node, attrs):
        value = self.read(node, 0)
        if "axes" in attrs:
            axes = attrs["axes"]
        else:
            axes = self.ints(node, 1, "axes") if self.read(node, 1) is not None else None
        if isinstance(value, Fill):
            return [value]
        if isinstance(value, np.ndarray):
            return [np.squeeze(value, axis=None if axes is None else tuple(axes))]
        if axes is None:
            axes = [i for i, a in enumerate(value.axes) if a.size == 1 or a.role == UNIT]
        axes = {a % len(value.axes) for a in axes}
        for i in axes:
            axis = value.axes[i]
            if axis.size != 1 and axis.role != UNIT:
                raise self.error(node, f"squeezes axis {i} ({axis}), which isn't of size 1")
            if axis.role == TIME or axis in self.undecided:
                raise self.error(node, f"squeezes the time axis {i} of a 1-step sequence")
        return [replace(value, axes=tuple(a for i, a in enumerate(value.axes) if i not in axes))]

    def op_Transpose(self, node, attrs):
        value = self.read(node, 0)
        if isinstance(value, Fill):
            return [value]
        rank = len(value.axes) if isinstance(value, Flow) else value.ndim
        perm = attrs.get("perm", list(reversed(range(rank))))
        if isinstance(value, Flow):
            return [replace(value, axes=tuple(value.axes[p] for p in perm))]
        return [np.transpose(value, perm)]

    def op_Reshape(self, node, attrs):
        value = self.read(node, 0)
        target = self.read(node, 1)
        if isinstance(value, Fill):
            return [value]
        if not isinstance(target, np.ndarray):
            raise self.error(node, "reshapes to a shape that isn't known")
        if isinstance(value, np.ndarray):
            if target.dtype == object:
                raise self.error(node, "reshapes a constant to a batch-dependent shape")
            shape = [value.shape[i] if d == 0 and not attrs.get("allowzero") else int(d)
                     for i, d in enumerate(target)]
            return [value.reshape(shape)]
        return [replace(value, axes=self.reshaped_axes(node, value, list(target)))]

    def reshaped_axes(self, node, flow: Flow, target: list) -> tuple[Axis, ...]:
        """A reshape of the data tensor may only add or drop size-1 axes: it must keep the
        batch, time and channel axes, in order."""
        kept = [a for a in flow.axes
                if a.role in (TIME, CHANNEL) or a in self.undecided or a.size != 1]
        out, j = [], 0
        for i, entry in enumerate(target):
            if isinstance(entry, Axis) or (entry == 0 and i < len(flow.axes)):
                axis = entry if isinstance(entry, Axis) else flow.axes[i]
                if axis not in kept:
                    out.append(axis)
                    continue
            elif entry == -1:
                axis = kept[j] if j < len(kept) else Axis(UNIT, 1)
            elif j < len(kept) and kept[j].size == entry:
                axis = kept[j]
            elif entry == 1:
                out.append(Axis(UNIT, 1))
                continue
            else:
                raise self.error(node, f"reshapes {list(flow.axes)} to {target}: merging or "
                                       "splitting axes is not supported")
            if axis in kept:
                if j >= len(kept) or kept[j] is not axis:
                    raise self.error(node, f"reshapes {list(flow.axes)} to {target}: reorders "
                                           "or merges axes")
                j += 1
            out.append(axis)
        if j != len(kept):
            raise self.error(node, f"reshapes {list(flow.axes)} to {target}: merges axes")
        return tuple(out)

    def op_Gather(self, node, attrs):
        value = self.read(node, 0)
        index = self.constant(node, 1, "indices")
        axis = attrs.get("axis", 0)
        if isinstance(value, Fill):
            return [value]
        if isinstance(value, np.ndarray):
            return [_int_array(np.take(value, index, axis=axis)) if value.dtype == object
                    else np.take(value, index, axis=axis)]
        if isinstance(value, Stack):
            return [self.unstack(node, value, axis, index)]
        if index.size != 1:
            raise self.error(node, f"gathers {index.size} elements of the data tensor")
        axis %= len(value.axes)
        chosen = self.select_one(node, value, axis, int(index.reshape(-1)[0]))
        if index.ndim == 0:
            return [replace(chosen, axes=chosen.axes[:axis] + chosen.axes[axis + 1:])]
        return [replace(chosen, axes=chosen.axes[:axis] + (Axis(UNIT, 1),)
                        + chosen.axes[axis + 1:])]

    def unstack(self, node, stack: Stack, axis: int, index: np.ndarray) -> Flow:
        if axis % (len(stack.parts[0].axes)) != stack.axis or index.size != 1:
            raise self.error(node, "picks from concatenated LSTM states other than one state")
        part = stack.parts[int(index.reshape(-1)[0])]
        if index.ndim == 0:
            return replace(part, axes=part.axes[:axis] + part.axes[axis + 1:])
        return part

    def select_one(self, node, flow: Flow, axis: int, index: int) -> Flow:
        """Keep one element of an axis of the data tensor: the last timestep, or the only
        element of a size-1 axis."""
        ax = flow.axes[axis]
        if ax.role == UNIT or (ax.role == BATCH and ax.size == 1):
            if index not in (0, -1):
                raise self.error(node, f"selects element {index} of a size-1 axis")
            return flow
        if ax.role in (TIME, None):
            if index != -1 and (ax.size is None or index != ax.size - 1):
                raise self.error(node, f"selects timestep {index}; only the last timestep "
                                       "(-1) of a sequence can be kept")
            self.decide(ax, TIME)
            return self.keep_last_step(node, flow)
        raise self.error(node, f"selects element {index} of the {ax.role} axis")

    def keep_last_step(self, node, flow: Flow) -> Flow:
        # Layers after the last LSTM act per timestep, so keeping the last step commutes with
        # them: it is the LSTM returning only its last step.
        flow = self.take(node, flow)
        lstms = [layer for layer in self.network.layers if layer.type == LayerType.LSTM]
        if not lstms or not lstms[-1].return_sequences:
            raise self.error(node, "keeps the last timestep of a tensor that isn't an LSTM's "
                                   "output sequence")
        lstms[-1].return_sequences = False
        return self.changed(flow)

    def op_Slice(self, node, attrs):
        value = self.read(node, 0)
        if "starts" in attrs:
            starts, ends = attrs["starts"], attrs["ends"]
            axes, steps = attrs.get("axes"), None
        else:
            starts, ends = self.ints(node, 1, "starts"), self.ints(node, 2, "ends")
            axes = self.ints(node, 3, "axes") if self.read(node, 3) is not None else None
            steps = self.ints(node, 4, "steps") if self.read(node, 4) is not None else None
        axes = list(range(len(starts))) if axes is None else axes
        steps = [1] * len(starts) if steps is None else steps
        if isinstance(value, Fill):
            return [value]
        if isinstance(value, Stack):
            picked = range(len(value.parts))[slice(starts[0], ends[0], steps[0])]
            if len(starts) != 1 or len(picked) != 1:
                raise self.error(node, "slices concatenated LSTM states other than to one state")
            return [self.unstack(node, value, axes[0], np.array([picked[0]]))]
        if isinstance(value, np.ndarray):
            index = [slice(None)] * value.ndim
            for a, s, e, st in zip(axes, starts, ends, steps):
                index[a] = slice(s, e, st)
            return [value[tuple(index)]]
        for a, start, end, step in zip(axes, starts, ends, steps):
            a %= len(value.axes)
            size = value.axes[a].size
            to_end = end >= SLICE_TO_END or (size is not None and end >= size)
            whole = step == 1 and to_end and (start == 0 or (size is not None and start <= -size))
            if whole:
                continue
            if step == 1 and to_end and (start == -1 or (size is not None and start == size - 1)):
                value = self.select_one(node, value, a, -1)
                value = replace(value, axes=value.axes[:a] + (Axis(UNIT, 1),)
                                + value.axes[a + 1:])
                continue
            raise self.error(node, f"slices [{start}:{end}:{step}] of axis {a} "
                                   f"({value.axes[a]}); only keeping the last timestep is "
                                   "supported")
        return [value]

    def arithmetic(self, node, ufunc):
        a, b = self.read(node, 0), self.read(node, 1)
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            if a.dtype == object or b.dtype == object:
                raise self.error(node, "computes with a batch-dependent dimension")
            return [ufunc(a, b)]
        raise self.error(node, "is applied to the data path; only a bias Add directly after "
                               "MatMul/Gemm is supported")

    def op_Mul(self, node, attrs):
        return self.arithmetic(node, np.multiply)

    def op_Sub(self, node, attrs):
        return self.arithmetic(node, np.subtract)

    def op_Div(self, node, attrs):
        def divide(a, b):
            if np.issubdtype(a.dtype, np.integer):
                return (np.trunc(a / b)).astype(a.dtype)
            return np.divide(a, b)
        return self.arithmetic(node, divide)

    # ------------------------------------------------------------------ layers

    def channels_last(self, node, flow: Flow, size: int) -> None:
        last = flow.axes[-1] if flow.axes else None
        if last is None or last.role != CHANNEL:
            raise self.error(node, f"its input's last axis is not the channel axis ({flow.axes})")
        if last.size != size:
            raise self.error(node, f"expects {size} input channels, the data has {last.size}")

    def dense(self, node, flow: Flow, weight: np.ndarray, bias: np.ndarray | None) -> Flow:
        self.channels_last(node, flow, weight.shape[1])
        flow = self.take(node, flow)
        layer = self.network.add_dense(weight, bias)
        out = Axis(CHANNEL, weight.shape[0])
        return self.changed(flow, axes=flow.axes[:-1] + (out,), width=out.size,
                            open_dense=layer)

    def op_MatMul(self, node, attrs):
        data, weight = self.read(node, 0), self.read(node, 1)
        if isinstance(data, np.ndarray) and isinstance(weight, np.ndarray):
            return [np.matmul(data, weight)]
        if not isinstance(data, Flow):
            raise self.error(node, "multiplies a constant by the data; expected data x weight")
        weight = self.constant(node, 1, "the weight")
        if weight.ndim != 2:
            raise self.error(node, f"weight of rank {weight.ndim}; a Dense weight is 2-D")
        return [self.dense(node, data, weight.T, None)]

    def op_Gemm(self, node, attrs):
        data = self.read(node, 0)
        if not isinstance(data, Flow):
            raise self.error(node, "its first input A is not the data path")
        if len(data.axes) != 2:
            raise self.error(node, f"the data has rank {len(data.axes)}, Gemm takes 2")
        if attrs.get("transA", 0):
            data = replace(data, axes=data.axes[::-1])
        weight = self.constant(node, 1, "B")
        weight = weight if attrs.get("transB", 0) else weight.T
        alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
        if alpha != 1.0:  # scaled in double and rounded once
            weight = (weight.astype(np.float64) * alpha).astype(np.float32)
        bias = None
        if self.read(node, 2) is not None:
            c = self.constant(node, 2, "C")
            if c.size not in (1, weight.shape[0]) or (c.ndim == 2 and c.shape[0] != 1):
                raise self.error(node, f"bias C of shape {list(c.shape)} is not per output")
            bias = np.broadcast_to(c.reshape(-1), (weight.shape[0],)).astype(np.float64) * beta
            bias = bias.astype(np.float32)
        return [self.dense(node, data, weight, bias)]

    def op_Add(self, node, attrs):
        a, b = self.read(node, 0), self.read(node, 1)
        if isinstance(b, Flow):
            a, b = b, a
        if not isinstance(a, Flow):
            return self.arithmetic(node, np.add)
        if not isinstance(b, np.ndarray) or b.dtype == object:
            raise self.error(node, "adds two computed tensors (a residual connection?); only a "
                                   "constant bias after MatMul/Gemm is supported")
        layer = a.open_dense
        if layer is None:
            raise self.error(node, "adds a constant that isn't the bias of a preceding "
                                   "MatMul/Gemm")
        if b.size not in (1, layer.output_size) or any(d != 1 for d in b.shape[:-1]):
            raise self.error(node, f"bias of shape {list(b.shape)} is not per output channel")
        if b.size > 1 and (not a.axes or a.axes[-1].role != CHANNEL):
            raise self.error(node, f"adds a bias along axis {len(a.axes) - 1} of "
                                   f"{list(a.axes)}, which is not the channel axis")
        flow = self.take(node, a)
        tensor = self.network.tensor(layer, "bias")
        tensor.array = (tensor.array + np.broadcast_to(b.reshape(-1), tensor.array.shape)
                        ).astype(np.float32)
        return [self.changed(flow)]

    def activation(self, node, attrs):
        flow = self.read(node, 0)
        if not isinstance(flow, Flow):
            raise self.error(node, "is applied to a constant")
        flow = self.take(node, flow)
        function = ACTIVATIONS[node.op_type]
        if flow.open_dense is not None:
            flow.open_dense.activation = function
        else:
            self.network.add_activation(flow.width, function)
        return [self.changed(flow, open_dense=None)]

    op_Relu = op_Tanh = op_Sigmoid = activation

    def op_BatchNormalization(self, node, attrs):
        flow = self.read(node, 0)
        if not isinstance(flow, Flow):
            raise self.error(node, "is applied to a constant")
        if attrs.get("training_mode", 0):
            raise self.error(node, "is in training mode")
        if len(flow.axes) < 2 or flow.axes[1].role != CHANNEL:
            raise self.error(node, f"normalises axis 1 of {list(flow.axes)}, which is not the "
                                   "channel axis")
        gamma, beta, mean, var = (self.constant(node, i, what).reshape(-1) for i, what in
                                  ((1, "scale"), (2, "B"), (3, "mean"), (4, "var")))
        if not len(gamma) == len(beta) == len(mean) == len(var) == flow.width:
            raise self.error(node, f"parameters don't match the {flow.width} channels")
        flow = self.take(node, flow)
        self.network.add_batch_norm(gamma, beta, mean, var, attrs.get("epsilon", 1e-5))
        unused = Unavailable("a training-mode output of BatchNormalization")
        return [self.changed(flow, open_dense=None), unused, unused, unused, unused]

    def op_LSTM(self, node, attrs):
        flow = self.read(node, 0)
        if not isinstance(flow, Flow):
            raise self.error(node, "its input X is not the data path")
        direction = attrs.get("direction", b"forward").decode()
        if direction != "forward":
            raise self.error(node, f"direction '{direction}': only forward LSTMs are supported "
                                   "(no bidirectional or reverse)")
        activations = [a.decode().lower() for a in attrs.get("activations", [])]
        if activations and activations != ["sigmoid", "tanh", "tanh"]:
            raise self.error(node, f"activations {activations}: only the default "
                                   "sigmoid/tanh/tanh are supported")
        if "clip" in attrs:
            raise self.error(node, "cell clipping is not supported")
        if attrs.get("input_forget", 0):
            raise self.error(node, "coupled input-forget gates are not supported")
        if len(flow.axes) != 3:
            raise self.error(node, f"input of rank {len(flow.axes)}, an LSTM takes 3")
        layout = attrs.get("layout", 0)
        time, batch = (flow.axes[0], flow.axes[1]) if layout == 0 else (flow.axes[1], flow.axes[0])
        if time.role not in (TIME, None) or batch.role == CHANNEL:
            raise self.error(node, f"reads {list(flow.axes)}, whose "
                                   f"{'first' if layout == 0 else 'second'} axis is not time")
        self.decide(time, TIME)
        w = self.constant(node, 1, "W")
        r = self.constant(node, 2, "R")
        if w.shape[0] != 1:
            raise self.error(node, f"{w.shape[0]} directions: only forward LSTMs are supported")
        hidden = r.shape[-1]
        if attrs.get("hidden_size", hidden) != hidden:
            raise self.error(node, f"hidden_size {attrs['hidden_size']} disagrees with R")
        self.channels_last(node, flow, w.shape[2])
        b = self.read(node, 3)
        b = np.zeros((1, 8 * hidden), np.float32) if b is None else self.constant(node, 3, "B")
        self.check_sequence_lengths(node, time)
        for index, what in ((5, "initial_h"), (6, "initial_c"), (7, "peepholes P")):
            self.check_zero(node, index, what)
        flow = self.take(node, flow)

        def torch_order(blocks: np.ndarray) -> np.ndarray:
            return np.concatenate([np.split(blocks, 4)[g] for g in ONNX_TO_TORCH_GATES])

        layer = self.network.add_lstm(torch_order(w[0]), torch_order(r[0]),
                                      torch_order(b[0, :4 * hidden]),
                                      torch_order(b[0, 4 * hidden:]), return_sequences=True)
        flow = self.changed(flow, width=hidden, open_dense=None)
        channel = Axis(CHANNEL, hidden)
        direction_axis = Axis(UNIT, 1)
        if layout == 0:
            y = (time, direction_axis, batch, channel)
            y_h = (Axis(UNIT, 1), batch, channel)
        else:
            y = (batch, time, direction_axis, channel)
            y_h = (batch, Axis(UNIT, 1), channel)
        return [replace(flow, axes=y), replace(flow, axes=y_h, pending_last=layer),
                Unavailable("the LSTM cell state Y_c, which .pba doesn't expose")]

    def check_sequence_lengths(self, node, time: Axis) -> None:
        lengths = self.read(node, 4)
        if lengths is None or isinstance(lengths, Fill) and time.size == lengths.value:
            return
        if isinstance(lengths, np.ndarray) and lengths.dtype != object and time.size is not None \
                and (lengths == time.size).all():
            return
        raise self.error(node, "sequence_lens that may differ from the window length is not "
                               "supported")

    def check_zero(self, node, index: int, what: str) -> None:
        value = self.read(node, index)
        if value is None or (isinstance(value, Fill) and value.value == 0):
            return
        if isinstance(value, np.ndarray) and value.dtype != object and not value.any():
            return
        raise self.error(node, f"{what} must be absent or zero")


def import_onnx(model: onnx.ModelProto, input_shape: tuple[int, ...] | None = None
                ) -> tuple[Network, tuple[int, ...]]:
    """The .pba layers of an ONNX model and its per-window input shape ([T, F] or [F])."""
    return OnnxImporter(model, input_shape).run()


def load_onnx(path: str) -> onnx.ModelProto:
    try:
        return onnx.load(path)
    except Exception as e:  # protobuf raises its own DecodeError
        raise ConvertError(f"{path}: not a readable ONNX model ({e})") from None

"""The ONNX importer on hand-built graphs (ONNX semantics checked independently of PyTorch)
and on exports it must refuse, each error naming the node."""

import io
import warnings

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import pba_format as pf
from pba_convert import ConvertError
from pba_convert.onnx_import import import_onnx

RNG = np.random.default_rng(7)


def graph(nodes, inputs, output, initializers=(), opset=13):
    """A model with float inputs {name: dims} and one float output."""
    g = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, d) for n, d in inputs.items()],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in dict(initializers).items()])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def to_model(onnx_model, input_shape=None) -> pf.Model:
    network, shape = import_onnx(onnx_model, input_shape)
    return network.model({"input.shape": list(shape)})


def weights(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def onnx_lstm(x, w, r, b):
    """ONNX's LSTM definition (gates i, o, f, c), time-major x [T, F], zero initial state."""
    hidden = r.shape[-1]
    h, c = np.zeros(hidden), np.zeros(hidden)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    out = []
    for xt in x:
        gates = w[0] @ xt + r[0] @ h + b[0, :4 * hidden] + b[0, 4 * hidden:]
        i, o, f, g = np.split(gates, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out.append(h)
    return np.array(out)


def test_gemm_attributes():
    x, w, c = weights(2, 4), weights(4, 3), weights(1, 3)
    m = graph([helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0]),
               helper.make_node("Gemm", ["xt", "w", "c"], ["y"], transA=1, alpha=0.5, beta=2.0),
               helper.make_node("Identity", ["y"], ["z"])],
              {"x": [2, 4]}, "z", {"w": w, "c": c})
    model = to_model(m)
    np.testing.assert_allclose(pf.forward_numpy(model, x), 0.5 * x @ w + 2.0 * c, atol=1e-6)


def test_matmul_add_relu_per_timestep_with_plumbing():
    x, w, b = weights(3, 5, 4), weights(4, 2), weights(2)
    m = graph([helper.make_node("Cast", ["x"], ["xc"], to=TensorProto.FLOAT),
               helper.make_node("MatMul", ["xc", "w"], ["xw"]),
               helper.make_node("Dropout", ["xw"], ["xd"]),
               helper.make_node("Add", ["b", "xd"], ["xb"]),
               helper.make_node("Relu", ["xb"], ["y"])],
              {"x": ["batch", 5, 4]}, "y", {"w": w, "b": b})
    model = to_model(m)
    assert model.input_shape == (5, 4) and model.output_shape == (5, 2)
    assert [(l.type, l.activation) for l in model.layers] == [
        (pf.LayerType.DENSE, pf.Activation.RELU)]
    np.testing.assert_allclose(pf.forward_numpy(model, x), np.maximum(x @ w + b, 0), atol=1e-6)


def lstm_graph(hidden=3, features=2, steps=5, layout=0, lstm_attrs=None, extra_inputs=None,
               use="Y_h", opset=14):
    """x [batch, T, F] -> (transpose) -> LSTM -> its last hidden state as [batch, H]."""
    w, r, b = weights(1, 4 * hidden, features), weights(1, 4 * hidden, hidden), \
        weights(1, 8 * hidden)
    init = {"w": w, "r": r, "b": b, "axes0": np.array([0]), "axes1": np.array([1])}
    inputs = ["xt" if layout == 0 else "x", "w", "r", "b"]
    for name, value in (extra_inputs or {}).items():
        init[name] = value
    inputs += list(extra_inputs or {})
    nodes = []
    if layout == 0:
        nodes.append(helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]))
    nodes.append(helper.make_node("LSTM", inputs, ["Y", "Y_h", "Y_c"], hidden_size=hidden,
                                  layout=layout, **(lstm_attrs or {})))
    if use == "Y_h":
        nodes.append(helper.make_node("Squeeze", ["Y_h", "axes0" if layout == 0 else "axes1"],
                                      ["y"]))
    else:
        nodes.append(helper.make_node("Identity", [use], ["y"]))
    return graph(nodes, {"x": ["batch", steps, features]}, "y", init, opset), (w, r, b)


@pytest.mark.parametrize("layout", [0, 1])
def test_lstm_gate_order_and_biases_follow_onnx(layout):
    m, (w, r, b) = lstm_graph(layout=layout)
    model = to_model(m)
    assert model.layers[0].return_sequences is False
    x = weights(5, 2)
    np.testing.assert_allclose(pf.forward_numpy(model, x), onnx_lstm(x, w, r, b)[-1], atol=1e-6)


def test_lstm_zero_initial_state_and_full_sequence_lengths_are_accepted():
    m, _ = lstm_graph(extra_inputs={"seq": np.full(1, 5, np.int32), "h0": np.zeros((1, 1, 3)),
                                    "c0": np.zeros((1, 1, 3), np.float32)})
    for node in m.graph.node:
        if node.op_type == "LSTM":
            node.input[4:] = ["seq", "h0", "c0"]
    assert to_model(m).layers[0].type == pf.LayerType.LSTM


@pytest.mark.parametrize("attrs, extra, message", [
    ({"direction": "reverse"}, None, "direction 'reverse'"),
    ({"clip": 3.0}, None, "cell clipping"),
    ({"activations": ["Sigmoid", "Relu", "Tanh"]}, None, r"activations \['sigmoid', 'relu'"),
    ({"input_forget": 1}, None, "coupled input-forget"),
    ({}, {"seq": np.array([3], np.int32)}, "sequence_lens"),
    ({}, {"seq": np.array([], np.int32), "h0": np.ones((1, 1, 3), np.float32)},
     "initial_h must be absent or zero"),
    ({}, {"seq": np.array([], np.int32), "h0": np.zeros((1, 1, 3), np.float32),
          "c0": np.zeros((1, 1, 3), np.float32), "p": np.ones((1, 9), np.float32)},
     "peepholes P must be absent or zero"),
])
def test_lstm_variants_refused(attrs, extra, message):
    m, _ = lstm_graph(lstm_attrs=attrs, extra_inputs=extra)
    for node in m.graph.node:  # an empty sequence_lens means "absent"
        if node.op_type == "LSTM" and extra and not extra["seq"].size:
            node.input[4] = ""
    with pytest.raises(ConvertError, match=rf"^ONNX node '.*' \(LSTM\): .*{message}"):
        to_model(m)


def test_lstm_cell_state_refused():
    m, _ = lstm_graph(use="Y_c")
    with pytest.raises(ConvertError, match=r"\(Identity\): reads 'Y_c', the LSTM cell state"):
        to_model(m)


def test_free_time_axis_needs_input_shape():
    m, _ = lstm_graph()
    m.graph.input[0].type.tensor_type.shape.dim[1].dim_param = "time"
    with pytest.raises(ConvertError, match="no fixed length: pass --input-shape T,F"):
        to_model(m)
    assert to_model(m, (9, 2)).input_shape == (9, 2)
    with pytest.raises(ConvertError, match="--input-shape has 3 features"):
        to_model(m, (9, 3))


def test_unsupported_op_is_named():
    m = graph([helper.make_node("Softmax", ["x"], ["y"], name="head/softmax")],
              {"x": ["batch", 4]}, "y")
    with pytest.raises(ConvertError, match=r"^ONNX node 'head/softmax' \(Softmax\): unsupported"):
        to_model(m)


def test_two_data_inputs_refused():
    m = graph([helper.make_node("Add", ["x", "z"], ["y"])], {"x": [1, 4], "z": [1, 4]}, "y")
    with pytest.raises(ConvertError, match="2 data inputs"):
        to_model(m)


def export(module, shape, **kwargs) -> onnx.ModelProto:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes about nn.LSTM's shape checks
        torch.onnx.export(module.eval(), (torch.randn(2, *shape),), buffer, opset_version=13,
                          input_names=["x"], **kwargs)
    return onnx.load_from_string(buffer.getvalue())


class LastHidden(nn.Module):
    """The final state h_n of a stacked LSTM instead of the output sequence."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
        self.dense = nn.Linear(4, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.dense(h[-1])


class TimeMajor(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4)

    def forward(self, x):
        y, _ = self.lstm(x.transpose(0, 1))
        return y[-1]


@pytest.mark.parametrize("module", [LastHidden(), TimeMajor()])
@pytest.mark.parametrize("dynamic", [True, False])
def test_other_export_shapes(module, dynamic):
    x = torch.randn(3, 6, 3)
    axes = {"x": {0: "batch"}} if dynamic else None
    model = to_model(export(module, (6, 3), dynamic_axes=axes))
    with torch.no_grad():
        expected = module(x).numpy()
    np.testing.assert_allclose(pf.forward_numpy(model, x.numpy()), expected, atol=1e-5)


class FirstStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)

    def forward(self, x):
        return self.lstm(x)[0][:, 0]


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(3, 3)

    def forward(self, x):
        return x + self.dense(x)


class Bidirectional(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True)

    def forward(self, x):
        return self.lstm(x)[0][:, -1]


@pytest.mark.parametrize("module, shape, message", [
    (FirstStep(), (6, 3), r"\(Gather\): selects timestep 0; only the last timestep"),
    (Residual(), (3,), r"\(Add\): adds two computed tensors"),
    (Bidirectional(), (6, 3), r"\(LSTM\): direction 'bidirectional'"),
    (nn.Sequential(nn.Linear(3, 2), nn.Softmax(-1)), (3,), r"'/1/Softmax' \(Softmax\)"),
    (nn.Sequential(nn.Flatten(), nn.Linear(18, 2)), (6, 3), r"\(Flatten\): unsupported"),
])
def test_exports_refused_with_the_node_named(module, shape, message):
    with pytest.raises(ConvertError, match=message):
        to_model(export(module, shape))

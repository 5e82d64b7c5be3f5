"""Every converter route reproduces PyTorch, and equal networks convert to equal bytes."""

import csv
import os

import numpy as np
import pytest
import torch

import gen_reference as ref
import pba_format as pf
from pba_convert import convert

# Small architectures where the layer mix matters more than the size.
ARCHS = {a.name: a for a in ref.ARCHS if a.name in
         ("odd", "stacked", "dense_only", "seq_out", "qnet", "ddqn_lstm")}
REFERENCE_DIR = os.path.join(os.path.dirname(__file__), "..", "data", "reference")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """arch -> (source path per route, inputs, PyTorch outputs)."""
    directory = tmp_path_factory.mktemp("sources")
    built = {}
    for name, arch in ARCHS.items():
        model = ref.build_torch(arch)
        inputs = ref.reference_inputs(arch)
        paths = {route: str(directory / (name + ref.SOURCE_SUFFIX[route])) for route in ref.ROUTES}
        ref.save_onnx(model, inputs, paths["onnx"])
        ref.save_torchscript(model, inputs, paths["torchscript"])
        ref.save_keras_h5(model, arch.input_shape, paths["keras"])
        scripted = str(directory / f"{name}.scripted.pt")
        torch.jit.script(model).save(scripted)
        paths["scripted"] = scripted
        built[name] = (paths, inputs, ref.torch_outputs(model, inputs))
    return built


@pytest.mark.parametrize("route", ["onnx", "torchscript", "scripted", "keras"])
@pytest.mark.parametrize("name", ARCHS)
def test_route_matches_pytorch(sources, name, route):
    paths, inputs, expected = sources[name]
    model = convert(paths[route], input_shape=ARCHS[name].input_shape)
    assert model.output_shape == expected.shape[1:]
    assert np.abs(pf.forward_numpy(model, inputs) - expected).max() <= 1e-5


def test_stacked_lstm_becomes_two_layers(sources):
    model = convert(sources["stacked"][0]["onnx"])
    assert [(l.type, l.return_sequences) for l in model.layers] == [
        (pf.LayerType.LSTM, True), (pf.LayerType.LSTM, False), (pf.LayerType.DENSE, False)]


def test_dense_activation_is_fused(sources):
    model = convert(sources["qnet"][0]["onnx"])
    assert [l.type for l in model.layers].count(pf.LayerType.ACTIVATION) == 0
    assert model.layers[0].activation == pf.Activation.RELU


def convert_all(paths, arch):
    return {route: convert(paths[route], name=arch.name, input_shape=arch.input_shape,
                           meta={"train.tool": "test"}).to_bytes()
            for route in ("onnx", "torchscript", "scripted", "keras")}


def test_routes_give_identical_bytes(sources):
    for name in ("qnet", "dense_only"):  # no LSTM: all routes carry the same numbers
        files = convert_all(sources[name][0], ARCHS[name])
        assert len(set(files.values())) == 1, name


def test_keras_route_differs_only_in_merged_lstm_bias(sources):
    files = convert_all(sources["odd"][0], ARCHS["odd"])
    assert files["onnx"] == files["torchscript"] == files["scripted"]
    onnx_model, keras_model = pf.read_model(files["onnx"]), pf.read_model(files["keras"])
    assert onnx_model.layers == keras_model.layers
    for layer in onnx_model.layers:
        for role in pf.LAYER_TENSOR_ROLES[layer.type]:
            a, b = onnx_model.tensor(layer, role), keras_model.tensor(layer, role)
            if role == "bias_ih":  # Keras's single bias is PyTorch's two, added in float32
                np.testing.assert_array_equal(b, a + onnx_model.tensor(layer, "bias_hh"))
            elif role == "bias_hh":
                assert not b.any()
            else:
                np.testing.assert_array_equal(a, b)


def test_selftest_from_the_source_framework(sources):
    paths, _, _ = sources["odd"]
    for route in ("onnx", "torchscript", "keras"):
        model = convert(paths[route], input_shape=(7, 3), selftest=True)
        back = pf.read_model(model.to_bytes(), verify_selftest=True)
        assert (back.selftest.abs_tol, back.selftest.rel_tol) == (np.float32(1e-5),
                                                                  np.float32(1e-4))
    # TorchScript's expected output is PyTorch's own
    module = torch.jit.load(paths["torchscript"])
    model = convert(paths["torchscript"], input_shape=(7, 3), selftest=True)
    x = model.tensors[model.selftest.input_tensor].array
    np.testing.assert_array_equal(model.tensors[model.selftest.output_tensor].array,
                                  module(torch.from_numpy(x[None]))[0].detach().numpy())


def test_default_metadata(sources):
    model = convert(sources["odd"][0]["keras"], meta={"model.version": "override", "x.n": 3})
    assert model.metadata == {"input.shape": [7, 3], "model.name": "odd",
                              "model.version": "override", "model.mode": "generic",
                              "train.tool": "pba-convert keras", "x.n": 3}


def test_gen_reference_is_deterministic_and_dedupes(tmp_path):
    for run in ("a", "b"):
        assert ref.main(["--out", str(tmp_path / run), "--dedupe", "--arch", "odd",
                         "--arch", "qnet"]) == 0
    files = sorted(os.listdir(tmp_path / "a"))
    assert files == ["odd.input.csv", "odd.keras.pba", "odd.output.csv", "odd.pba",
                     "qnet.input.csv", "qnet.output.csv", "qnet.pba"]
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    model = pf.read_model((tmp_path / "a" / "odd.pba").read_bytes(), verify_selftest=True)
    assert model.metadata["train.tool"] == "tools/gen_reference.py"


def read_rows(path):
    with open(path) as f:
        return np.array([[float(v) for v in row] for row in csv.reader(f)])


def test_committed_references_match_the_generator(tmp_path):
    """tests/data/reference is what tools/gen_reference.py --dedupe writes: same weights,
    inputs and routes; PyTorch's outputs may differ in the last bits on another CPU."""
    ref.main(["--out", str(tmp_path), "--dedupe"])
    assert sorted(os.listdir(tmp_path)) == sorted(os.listdir(REFERENCE_DIR))
    for name in sorted(os.listdir(tmp_path)):
        fresh, committed = tmp_path / name, os.path.join(REFERENCE_DIR, name)
        if name.endswith(".pba"):
            a = pf.read_model(fresh.read_bytes())
            b = pf.read_model(open(committed, "rb").read(), verify_selftest=True)
            assert (a.layers, a.metadata, a.selftest) == (b.layers, b.metadata, b.selftest)
            for ta, tb in zip(a.tensors, b.tensors):
                np.testing.assert_allclose(ta.array, tb.array, rtol=0, atol=1e-6)
        elif name.endswith(".output.csv"):
            np.testing.assert_allclose(read_rows(fresh), read_rows(committed), rtol=0, atol=1e-6)
        else:
            assert fresh.read_bytes() == open(committed, "rb").read(), name

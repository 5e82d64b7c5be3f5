"""The Keras HDF5 importer: Sequential and Functional chains, and the layers it refuses."""

import json

import h5py
import numpy as np
import pytest

import gen_reference as ref
import pba_format as pf
from pba_convert import ConvertError, convert

ODD = next(a for a in ref.ARCHS if a.name == "odd")


@pytest.fixture
def keras_file(tmp_path):
    """odd as a Keras Sequential HDF5 file, with PyTorch's outputs for its inputs."""
    model = ref.build_torch(ODD)
    inputs = ref.reference_inputs(ODD)
    path = tmp_path / "odd.h5"
    ref.save_keras_h5(model, ODD.input_shape, str(path))
    return path, inputs, ref.torch_outputs(model, inputs)


def edit_config(path, change):
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        change(config)
        f.attrs["model_config"] = json.dumps(config)


def layers_of(config):
    return config["config"]["layers"]


def test_sequential(keras_file):
    path, inputs, expected = keras_file
    model = convert(str(path))
    assert model.input_shape == (7, 3)
    assert np.abs(pf.forward_numpy(model, inputs) - expected).max() <= 1e-5


def test_functional_chain_gives_the_same_model(keras_file):
    path, _, _ = keras_file
    sequential = convert(str(path)).to_bytes()

    def to_functional(config):
        layers = layers_of(config)
        previous = None
        for layer in layers:
            layer["name"] = layer["config"]["name"]
            layer["inbound_nodes"] = [[[previous, 0, 0, {}]]] if previous else []
            previous = layer["name"]
        config["class_name"] = "Functional"
        config["config"]["input_layers"] = [[layers[0]["name"], 0, 0]]
        config["config"]["output_layers"] = [[previous, 0, 0]]
    edit_config(path, to_functional)
    assert convert(str(path)).to_bytes() == sequential


def test_activation_and_dropout_layers(keras_file):
    path, inputs, expected = keras_file

    def split_activation(config):
        layers = layers_of(config)
        dense = next(layer for layer in layers if layer["config"]["name"] == "dense")
        activation = dense["config"]["activation"]
        dense["config"]["activation"] = "linear"
        at = layers.index(dense) + 1
        layers[at:at] = [{"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}},
                         {"class_name": "Activation",
                          "config": {"name": "act", "activation": activation}}]
    fused = convert(str(path)).to_bytes()
    edit_config(path, split_activation)
    assert convert(str(path)).to_bytes() == fused


def test_free_time_axis(keras_file):
    path, _, _ = keras_file
    edit_config(path, lambda c: layers_of(c)[0]["config"].update(batch_input_shape=[None, None, 3]))
    with pytest.raises(ConvertError, match="free length: pass --input-shape"):
        convert(str(path))
    assert convert(str(path), input_shape=(9, 3)).input_shape == (9, 3)


@pytest.mark.parametrize("change, message", [
    (lambda layers: layers.insert(2, {"class_name": "Conv1D", "config": {"name": "conv1d"}}),
     r"^Keras layer 'conv1d' \(Conv1D\): unsupported Keras layer"),
    (lambda layers: layers[1]["config"].update(recurrent_activation="hard_sigmoid"),
     r"^Keras layer 'lstm' \(LSTM\): recurrent_activation 'hard_sigmoid' is not supported"),
    (lambda layers: layers[1]["config"].update(go_backwards=True),
     r"'lstm' \(LSTM\): go_backwards=True"),
    (lambda layers: layers[3]["config"].update(activation="softmax"),
     r"'dense' \(Dense\): activation 'softmax'"),
    (lambda layers: layers[1]["config"].update(return_sequences=False),
     r"'lstm_1' \(LSTM\): fed a vector"),
])
def test_refused_layers_are_named(keras_file, change, message):
    path, _, _ = keras_file
    edit_config(path, lambda c: change(layers_of(c)))
    with pytest.raises(ConvertError, match=message):
        convert(str(path))


def test_batch_norm_on_another_axis_refused(tmp_path):
    qnet = next(a for a in ref.ARCHS if a.name == "qnet")
    path = tmp_path / "qnet.h5"
    ref.save_keras_h5(ref.build_torch(qnet), qnet.input_shape, str(path))
    edit_config(path, lambda c: layers_of(c)[2]["config"].update(axis=[0]))
    with pytest.raises(ConvertError, match=r"'batch_normalization' \(BatchNormalization\): "
                                           r"normalises axis \[0\]"):
        convert(str(path))


def test_not_a_chain_refused(keras_file):
    path, _, _ = keras_file

    def branch(config):
        layers = layers_of(config)
        for i, layer in enumerate(layers):
            layer["name"] = layer["config"]["name"]
            layer["inbound_nodes"] = [[[layers[max(i - 1, 0)]["name"], 0, 0, {}]]] if i else []
        layers[3]["inbound_nodes"] = [[[layers[1]["name"], 0, 0, {}]]]  # skips lstm_1
        config["class_name"] = "Functional"
        config["config"]["input_layers"] = [[layers[0]["name"], 0, 0]]
        config["config"]["output_layers"] = [[layers[-1]["name"], 0, 0]]
    edit_config(path, branch)
    with pytest.raises(ConvertError, match="'lstm' feeds 2 layers"):
        convert(str(path))


def test_keras3_archive_and_weights_only_files_refused(tmp_path):
    archive = tmp_path / "m.keras"
    archive.write_bytes(b"PK\x03\x04rest-of-a-zip")
    with pytest.raises(ConvertError, match="Keras 3 .keras zip archive"):
        convert(str(archive))
    weights = tmp_path / "w.h5"
    with h5py.File(weights, "w") as f:
        f.create_group("dense")
    with pytest.raises(ConvertError, match="no 'model_config' attribute"):
        convert(str(weights))

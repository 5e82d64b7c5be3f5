"""The canonical writer: round trip, and the layout facts the C++ writer must reproduce."""

import struct

import numpy as np
import pytest

import pba_format as pf
from conftest import build_model, section_table


def test_crc32c_check_value():
    assert pf.crc32c(b"123456789") == 0xE3069283


def test_pure_python_crc32c_matches_native(monkeypatch):
    data = bytes(range(256)) * 7
    native = pf.crc32c(data)
    monkeypatch.setattr(pf, "_crc32c_native", None)
    monkeypatch.setattr(pf, "_CRC32C_TABLE", pf._crc32c_table(), raising=False)
    assert pf.crc32c(b"123456789") == 0xE3069283
    assert pf.crc32c(data) == native


def test_round_trip_keeps_everything(model, model_bytes):
    back = pf.read_model(model_bytes, verify_selftest=True)
    # Typed values come back plain unless the plain value would change type (empty arrays).
    assert back.metadata == model.metadata | {"train.epochs": 12.0}
    assert isinstance(back.metadata["train.epochs"], float)
    for layer in model.layers:
        layer.epsilon = float(np.float32(layer.epsilon))  # stored as f32
    assert back.layers == model.layers
    assert back.selftest == pf.SelfTest(model.selftest.input_tensor, model.selftest.output_tensor,
                                        np.float32(1e-5), np.float32(1e-4))
    for a, b in zip(back.tensors, model.tensors):
        assert a.name == b.name and a.array.dtype == np.float32
        np.testing.assert_array_equal(a.array, b.array)
    assert back.to_bytes() == model_bytes  # reading then writing is the identity


def test_writer_is_deterministic():
    assert build_model(3).to_bytes() == build_model(3).to_bytes()


def test_header_fields(model_bytes):
    magic, major, minor, header_size, file_size, table, count, flags, kind, crc = \
        struct.unpack_from("<8sHHIQQIIII", model_bytes)
    assert magic == b"\x89PBA\r\n\x1a\n"
    assert (major, minor, header_size, table, flags, kind) == (1, 0, 64, 64, 0, 1)
    assert file_size == len(model_bytes)
    assert count == 5
    assert model_bytes[48:64] == bytes(16)
    assert crc == pf.crc32c(model_bytes[:44] + bytes(4) + model_bytes[48:])


def test_sections_in_canonical_order_and_alignment(model_bytes):
    table = section_table(model_bytes)
    order = [pf.SectionKind(struct.unpack_from("<I", model_bytes, 64 + 32 * i)[0])
             for i in range(len(table))]
    assert order == [pf.SectionKind.METADATA, pf.SectionKind.TENSORS, pf.SectionKind.LAYERS,
                     pf.SectionKind.SELFTEST, pf.SectionKind.DATA]
    cursor = 64 + 32 * len(table)
    for kind in order:
        offset, size = table[kind]
        alignment = 64 if kind == pf.SectionKind.DATA else 8
        assert offset == (cursor + alignment - 1) // alignment * alignment
        assert model_bytes[cursor:offset] == bytes(offset - cursor)  # zero padding
        cursor = offset + size
    assert cursor == len(model_bytes)  # no trailing padding


def test_tensor_payloads_aligned_in_table_order(model, model_bytes):
    table = section_table(model_bytes)
    tensors_at, _ = table[pf.SectionKind.TENSORS]
    data_at, data_size = table[pf.SectionKind.DATA]
    cursor = data_at
    for i, tensor in enumerate(model.tensors):
        name, dtype, rank, *dims, offset, nbytes = struct.unpack_from(
            "<40sII4QQQ", model_bytes, tensors_at + 8 + 96 * i)
        assert name == tensor.name.encode().ljust(40, b"\0")
        assert (dtype, rank) == (1, tensor.array.ndim)
        assert dims == list(tensor.array.shape) + [0] * (4 - tensor.array.ndim)
        assert offset == (cursor + 63) // 64 * 64 and nbytes == tensor.array.nbytes
        assert model_bytes[cursor:offset] == bytes(offset - cursor)
        assert model_bytes[offset:offset + nbytes] == tensor.array.astype("<f4").tobytes()
        cursor = offset + nbytes
    assert cursor == data_at + data_size == len(model_bytes)


def test_metadata_sorted_bytewise_with_inferred_types(model_bytes):
    offset, size = section_table(model_bytes)[pf.SectionKind.METADATA]
    count, reserved = struct.unpack_from("<II", model_bytes, offset)
    cursor, keys, types = offset + 8, [], {}
    for _ in range(count):
        key_length, kind, _ = struct.unpack_from("<HBB", model_bytes, cursor)
        key = model_bytes[cursor + 4:cursor + 4 + key_length].decode()
        keys.append(key)
        types[key] = pf.MetaType(kind)
        cursor += 4 + key_length
        if kind in (pf.MetaType.I64, pf.MetaType.F64):
            cursor += 8
        elif kind == pf.MetaType.STRING:
            cursor += 4 + struct.unpack_from("<I", model_bytes, cursor)[0]
        elif kind in (pf.MetaType.I64_ARRAY, pf.MetaType.F64_ARRAY):
            cursor += 4 + 8 * struct.unpack_from("<I", model_bytes, cursor)[0]
        else:
            n = struct.unpack_from("<I", model_bytes, cursor)[0]
            cursor += 4
            for _ in range(n):
                cursor += 4 + struct.unpack_from("<I", model_bytes, cursor)[0]
    assert cursor == offset + size and reserved == 0
    assert keys == sorted(keys, key=str.encode)
    assert types == {
        "forecast.horizon_s": pf.MetaType.F64, "forecast.horizon_steps": pf.MetaType.I64,
        "input.features": pf.MetaType.STRING_ARRAY, "input.norm_a": pf.MetaType.F64_ARRAY,
        "input.shape": pf.MetaType.I64_ARRAY, "metrics.empty": pf.MetaType.F64_ARRAY,
        "model.description": pf.MetaType.STRING, "model.name": pf.MetaType.STRING,
        "train.epochs": pf.MetaType.F64,
    }


def test_layer_records(model, model_bytes):
    offset, _ = section_table(model_bytes)[pf.SectionKind.LAYERS]
    for i, layer in enumerate(model.layers):
        fields = struct.unpack_from("<5If9II", model_bytes, offset + 8 + 64 * i)
        assert fields[:5] == (layer.type, layer.activation, layer.input_size,
                              layer.output_size, int(layer.return_sequences))
        assert fields[5] == np.float32(layer.epsilon)
        assert fields[6] == len(layer.tensors)
        assert list(fields[7:15]) == layer.tensors + [0] * (8 - len(layer.tensors))
        assert fields[15] == 0


@pytest.mark.parametrize("value, kind", [
    (3, pf.MetaType.I64), (np.int64(-4), pf.MetaType.I64), (2.5, pf.MetaType.F64),
    (np.float32(1.5), pf.MetaType.F64), ("x", pf.MetaType.STRING),
    ([1, 2], pf.MetaType.I64_ARRAY), ([1, 2.5], pf.MetaType.F64_ARRAY),
    (np.array([0.5, 1.0]), pf.MetaType.F64_ARRAY), (["a", "b"], pf.MetaType.STRING_ARRAY),
    (pf.MetaValue(pf.MetaType.STRING_ARRAY, []), pf.MetaType.STRING_ARRAY),
])
def test_metadata_type_inference(value, kind):
    assert pf.infer_meta_type("k", value) == kind


@pytest.mark.parametrize("value, message", [
    (True, "no .pba type"), ([], "empty array"), ([1, "a"], "no .pba type"),
    (float("nan"), "not a finite number"), (2**63, "not a 64-bit integer"),
])
def test_writer_refuses_untypable_metadata(model, value, message):
    model.metadata["train.bad"] = value
    with pytest.raises(pf.FormatError, match=message):
        model.to_bytes()


@pytest.mark.parametrize("key", ["", "Upper", "has space", "x" * 256, "ключ"])
def test_writer_refuses_bad_keys(model, key):
    model.metadata[key] = 1
    with pytest.raises(pf.FormatError, match="metadata key"):
        model.to_bytes()


def test_writer_refuses_what_a_reader_would(model):
    model.tensors[0].array[0, 0] = np.inf
    with pytest.raises(pf.FormatError, match=r"tensor 0 '0.weight_ih': element 0 is inf"):
        model.to_bytes()


def test_writer_refuses_long_tensor_names(model):
    model.tensors[1].name = "n" * 40
    with pytest.raises(pf.FormatError, match="at most 39 fit"):
        model.to_bytes()


def test_model_without_tensors_ends_at_aligned_empty_data():
    model = pf.Model([pf.Layer(pf.LayerType.ACTIVATION, pf.Activation.RELU, 3, 3)], [],
                     {"input.shape": [3]})
    data = model.to_bytes()
    offset, size = section_table(data)[pf.SectionKind.DATA]
    assert size == 0 and offset % 64 == 0 and offset == len(data)
    assert pf.read_model(data).layers == model.layers

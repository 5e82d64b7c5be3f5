"""Each class of malformed file is refused by the reader with a message naming the defect."""

import math
import struct

import numpy as np
import pytest

import pba_format as pf
from conftest import patched, section_table, unchecked_bytes

S = pf.SectionKind


def refused(data: bytes, message: str, verify: bool = False):
    with pytest.raises(pf.FormatError, match=message):
        pf.read_model(data, verify_selftest=verify)


def test_empty():
    refused(b"", "^file is empty$")


def test_smaller_than_a_header(model_bytes):
    refused(model_bytes[:63], "file too small: 63 bytes")


def test_truncated_at_every_section_boundary(model_bytes):
    table = section_table(model_bytes)
    boundaries = {64, 64 + 32 * len(table)}
    for offset, size in table.values():
        boundaries |= {offset, offset + size}
    boundaries.discard(len(model_bytes))
    assert len(boundaries) >= 8
    for cut in sorted(boundaries):
        refused(model_bytes[:cut],
                f"^file truncated: expected {len(model_bytes)} bytes, got {cut}$")


def test_longer_than_declared(model_bytes):
    refused(model_bytes + b"\0", "file too long")


def test_wrong_magic(model_bytes):
    refused(b"\x89PBB" + model_bytes[4:], "bad magic at offset 0")


def test_text_mode_mangled(model_bytes):
    refused(model_bytes.replace(b"\r\n", b"\n", 1), "bad magic")


def test_unsupported_major_version(model_bytes):
    refused(patched(model_bytes, 8, "<H", 2), r"unsupported major version 2\.0")


def test_newer_minor_version_is_accepted(model_bytes):
    assert pf.read_model(patched(model_bytes, 10, "<H", 7)).layers


def test_header_size(model_bytes):
    refused(patched(model_bytes, 12, "<I", 128), "header_size at offset 12 is 128")


def test_header_flags_and_reserved(model_bytes):
    refused(patched(model_bytes, 36, "<I", 1), "header flags")
    refused(patched(model_bytes, 50, "<B", 1), "reserved bytes 48..63")


def test_checksum_mismatch(model_bytes):
    data = bytearray(model_bytes)
    data[-1] ^= 0x01
    refused(bytes(data), "^checksum mismatch: header says 0x[0-9a-f]{8}, contents hash to")


def test_unknown_checksum_kind(model_bytes):
    refused(patched(model_bytes, 40, "<I", 2), "unsupported checksum kind 2")


def entry(data: bytes, kind: S) -> int:
    """Offset of a section's entry in the section table."""
    count = struct.unpack_from("<I", data, 32)[0]
    return next(64 + 32 * i for i in range(count)
                if struct.unpack_from("<I", data, 64 + 32 * i)[0] == kind)


def test_section_outside_the_file(model_bytes):
    at = entry(model_bytes, S.LAYERS)
    refused(patched(model_bytes, at + 16, "<Q", 2**40), r"entry 2 \(kind 3\): bytes .* not inside")


def test_section_overlapping_the_table(model_bytes):
    refused(patched(model_bytes, entry(model_bytes, S.METADATA) + 8, "<Q", 64),
            "not inside the file after the section table")


def test_overlapping_sections(model_bytes):
    offset, _ = section_table(model_bytes)[S.TENSORS]
    refused(patched(model_bytes, entry(model_bytes, S.LAYERS) + 8, "<Q", offset),
            r"entries 2 and 1 overlap \(bytes \d+..\d+ and \d+..\d+\)")


def test_duplicate_and_missing_sections(model_bytes):
    refused(patched(model_bytes, entry(model_bytes, S.SELFTEST), "<I", S.LAYERS),
            "section LAYERS appears twice")
    refused(patched(model_bytes, 32, "<I", 4), "required section DATA is missing")


def test_unknown_section_kind(model_bytes):
    data = patched(model_bytes, entry(model_bytes, S.SELFTEST), "<I", 99)
    refused(data, "unknown section kind 99")
    # ...which a reader skips when the file is of a newer minor version
    assert pf.read_model(patched(data, 10, "<H", 1)).selftest is None


def test_section_count(model_bytes):
    refused(patched(model_bytes, 32, "<I", 0), "section_count is 0")
    refused(patched(model_bytes, 32, "<I", 65), "section_count is 65")


def metadata_entry(data: bytes, key: str) -> int:
    offset, _ = section_table(data)[S.METADATA]
    at = data.index(struct.pack("<H", len(key)), offset)
    while data[at + 4:at + 4 + len(key)] != key.encode():
        at = data.index(struct.pack("<H", len(key)), at + 1)
    return at


def test_metadata_duplicate_key(model, monkeypatch):
    model.metadata["model.namf"] = "x"
    data = model.to_bytes()
    refused(patched(data, metadata_entry(data, "model.namf") + 4, "<10s", b"model.name"),
            r"metadata entry \d+ \('model.name'\): duplicate key")


def test_metadata_bad_key(model_bytes):
    refused(patched(model_bytes, metadata_entry(model_bytes, "model.name") + 4, "<1s", b"M"),
            r"key b'Model.name' is not 1..255 characters")


def test_metadata_unknown_type(model_bytes):
    refused(patched(model_bytes, metadata_entry(model_bytes, "model.name") + 2, "<B", 9),
            r"\('model.name'\): unknown value type 9")


def test_metadata_not_filling_its_section(model_bytes):
    offset, _ = section_table(model_bytes)[S.METADATA]
    count = struct.unpack_from("<I", model_bytes, offset)[0]
    refused(patched(model_bytes, offset, "<I", count - 1), "bytes after the last of")
    refused(patched(model_bytes, offset, "<I", count + 1), "runs past the end of the section")


def test_metadata_non_finite(model_bytes):
    at = metadata_entry(model_bytes, "forecast.horizon_s") + 4 + len("forecast.horizon_s")
    refused(patched(model_bytes, at, "<d", math.inf), r"\('forecast.horizon_s'\): value inf")


def test_input_shape_missing_or_absurd(model, monkeypatch):
    del model.metadata["input.shape"]
    refused(unchecked_bytes(model, monkeypatch), "'input.shape' is missing")
    model.metadata["input.shape"] = [2**21, 3]
    refused(unchecked_bytes(model, monkeypatch), "entry outside 1..1048576")
    model.metadata["input.shape"] = [2**20, 2**10]
    refused(unchecked_bytes(model, monkeypatch), "more than 2\\^26")
    model.metadata["input.shape"] = [7, 3, 1]
    refused(unchecked_bytes(model, monkeypatch), "not an i64 array")


def tensor_entry(data: bytes, index: int) -> int:
    offset, _ = section_table(data)[S.TENSORS]
    return offset + 8 + 96 * index


def test_tensor_count_not_matching_section(model_bytes):
    offset, _ = section_table(model_bytes)[S.TENSORS]
    refused(patched(model_bytes, offset, "<I", 3), r"TENSORS section: \d+ bytes, but 3 tensors")


def test_tensor_name_not_terminated(model_bytes):
    refused(patched(model_bytes, tensor_entry(model_bytes, 2), "<40s", b"n" * 40),
            "tensor 2: name is not NUL-terminated")


def test_tensor_dtype_and_rank(model_bytes):
    at = tensor_entry(model_bytes, 1)
    refused(patched(model_bytes, at + 40, "<I", 2), r"tensor 1 '0.weight_hh': dtype 2")
    refused(patched(model_bytes, at + 44, "<I", 5), "rank 5 is not 1..4")
    refused(patched(model_bytes, at + 48, "<Q", 0), "dims .* are not 2 entries >= 1")


def test_tensor_outside_the_data_section(model_bytes):
    refused(patched(model_bytes, tensor_entry(model_bytes, 0) + 80, "<Q", len(model_bytes)),
            r"tensor 0 '0.weight_ih': payload bytes .* outside the DATA section")


def test_misaligned_tensor(model_bytes):
    at = tensor_entry(model_bytes, 0)
    offset = struct.unpack_from("<Q", model_bytes, at + 80)[0]
    refused(patched(model_bytes, at + 80, "<Q", offset + 4),
            r"tensor 0 '0.weight_ih': payload offset \d+ is not 64-byte aligned")


def test_overlapping_tensors(model_bytes):
    offset = struct.unpack_from("<Q", model_bytes, tensor_entry(model_bytes, 0) + 80)[0]
    refused(patched(model_bytes, tensor_entry(model_bytes, 2) + 80, "<Q", offset),
            "tensors 0 '0.weight_ih' and 2 '0.bias_ih' have overlapping payloads")


def test_absurd_dimensions_fail_before_allocation(model_bytes):
    at = tensor_entry(model_bytes, 0)
    # a product that overflows u64...
    refused(patched(model_bytes, at + 48, "<4Q", 2**40, 2**40, 0, 0),
            r"nbytes \d+ is not product of dims \[1099511627776, 1099511627776\]")
    # ...and one that fits but isn't backed by bytes in the file
    data = patched(model_bytes, at + 48, "<4Q", 2**30, 2**30, 0, 0)
    refused(patched(data, at + 88, "<Q", 2**62), "outside the DATA section")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_weight(model_bytes, value):
    at = tensor_entry(model_bytes, 5)
    offset = struct.unpack_from("<Q", model_bytes, at + 80)[0]
    refused(patched(model_bytes, offset + 8, "<f", value),
            rf"tensor 5 '1.bias': element 2 is {value} \(weights must be finite\)")


def test_shapes_that_dont_chain(model, monkeypatch):
    # layer 3 (Dense 4 -> 6) fed from an LSTM that outputs 4: make it claim 5 inputs
    model.layers[3].input_size = 5
    model.tensors[model.layers[3].tensors[0]].array = np.zeros((6, 5), np.float32)
    refused(unchecked_bytes(model, monkeypatch),
            "layer 3 \\(DENSE\\): input_size 5 does not chain: the previous layer outputs 4")


def test_tensor_shape_not_matching_layer(model, monkeypatch):
    model.tensors[model.layers[2].tensors[1]].array = np.zeros((16, 3), np.float32)
    refused(unchecked_bytes(model, monkeypatch),
            r"layer 2 \(LSTM\): weight_hh tensor 9 '2.weight_hh' has shape \[16, 3\], "
            r"expected \[16, 4\]")


def test_lstm_fed_a_vector(model, monkeypatch):
    model.layers[0].return_sequences = False
    refused(unchecked_bytes(model, monkeypatch), r"layer 2 \(LSTM\): fed a vector")


def test_layer_fields(model, monkeypatch):
    data = model.to_bytes()
    offset, _ = section_table(data)[S.LAYERS]
    record = offset + 8
    refused(patched(data, record, "<I", 9), "layer 0: unknown layer type 9")
    refused(patched(data, record + 4, "<I", 7), r"layer 0 \(LSTM\): unknown activation 7")
    refused(patched(data, record + 4, "<I", 1), r"layer 0 \(LSTM\): activation must be 0")
    refused(patched(data, record + 16, "<I", 2), "undefined bits")
    refused(patched(data, record + 20, "<f", 0.5), "epsilon must be 0")
    refused(patched(data, record + 64 + 20, "<f", 0.0), r"layer 1 \(BATCH_NORM\): epsilon 0.0")
    refused(patched(data, record + 24, "<I", 3), "tensor_count 3, the type takes 4")
    refused(patched(data, record + 28, "<I", 99), "weight_ih tensor index 99 is out of range")
    refused(patched(data, record + 60, "<I", 1), "reserved field is not zero")
    refused(patched(data, offset, "<I", 0), "layer_count 0 is not 1..1024")


def test_batch_norm_variance_not_positive(model, monkeypatch):
    model.tensors[model.layers[1].tensors[3]].array[2] = -1.0
    refused(unchecked_bytes(model, monkeypatch),
            r"layer 1 \(BATCH_NORM\): running_var\[2\] \+ epsilon is not positive")


def test_workspace_limit(monkeypatch):
    steps = 2**16
    dense = pf.Model([pf.Layer(pf.LayerType.DENSE, pf.Activation.LINEAR, 4, 2048, tensors=[0, 1])],
                     [pf.Tensor("w", np.zeros((2048, 4))), pf.Tensor("b", np.zeros(2048))],
                     {"input.shape": [steps, 4]})
    refused(unchecked_bytes(dense, monkeypatch),
            r"layer 0 \(DENSE\): output of 65536 x 2048 values exceeds the 2\^26")
    lstm = pf.Model([pf.Layer(pf.LayerType.LSTM, pf.Activation.LINEAR, 1, 512,
                              tensors=[0, 1, 2, 3])],
                    [pf.Tensor("wi", np.zeros((2048, 1))), pf.Tensor("wh", np.zeros((2048, 512))),
                     pf.Tensor("bi", np.zeros(2048)), pf.Tensor("bh", np.zeros(2048))],
                    {"input.shape": [steps, 1]})
    refused(unchecked_bytes(lstm, monkeypatch),
            r"layer 0 \(LSTM\): 65536 steps x 2048 gates exceed the 2\^26")


def test_selftest_shape(model, monkeypatch):
    model.tensors[model.selftest.output_tensor].array = np.zeros(3, np.float32)
    refused(unchecked_bytes(model, monkeypatch),
            r"self-test: output tensor \d+ 'selftest.output' has shape \[3\], the model's "
            r"output is \[2\]")


def test_selftest_tensor_used_by_a_layer(model, monkeypatch):
    model.selftest.output_tensor = model.layers[-1].tensors[1]
    refused(unchecked_bytes(model, monkeypatch), "is also a layer's weight")


def test_selftest_tolerance(model, monkeypatch):
    model.selftest.abs_tol = 0.0
    refused(unchecked_bytes(model, monkeypatch), "abs_tolerance 0.0 must be finite and > 0")


def test_selftest_verification(model):
    model.tensors[model.selftest.output_tensor].array[1] += 1e-3
    data = model.to_bytes()
    assert pf.read_model(data).selftest  # only checked when asked
    refused(data, "self-test failed: output element 1 is", verify=True)

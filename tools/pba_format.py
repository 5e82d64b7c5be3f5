"""Reader, canonical writer and numpy reference forward pass of the `.pba` model format.

docs/model-format.md is the binding spec; this module follows it literally, because the
C++ writer must produce byte-identical files for the same model. Only numpy is required;
the `crc32c` extension is used when installed, else a pure-Python CRC-32C.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np

MAGIC = b"\x89PBA\r\n\x1a\n"
VERSION_MAJOR = 1
VERSION_MINOR = 0
HEADER_SIZE = 64
SECTION_ENTRY_SIZE = 32
TENSOR_ENTRY_SIZE = 96
LAYER_RECORD_SIZE = 64
SELFTEST_SIZE = 16
CHECKSUM_CRC32C = 1
CHECKSUM_OFFSET = 44

MAX_SECTIONS = 64
MAX_LAYERS = 1024
MAX_KEY_LENGTH = 255
MAX_STRING_BYTES = 1 << 20
MAX_ARRAY_ELEMENTS = 65536
MAX_INPUT_DIM = 1 << 20
MAX_WORKSPACE_FLOATS = 1 << 26
MAX_TENSOR_RANK = 4
TENSOR_NAME_BYTES = 40
MAX_LAYER_TENSORS = 8
DTYPE_FLOAT32 = 1
RETURN_SEQUENCES = 1
KEY_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_.")


class FormatError(ValueError):
    """A model that is not a valid .pba file, or cannot be written as one."""


class SectionKind(IntEnum):
    METADATA = 1
    TENSORS = 2
    LAYERS = 3
    SELFTEST = 4
    DATA = 5


class LayerType(IntEnum):
    DENSE = 1
    LSTM = 2
    BATCH_NORM = 3
    ACTIVATION = 4


class Activation(IntEnum):
    LINEAR = 0
    RELU = 1
    TANH = 2
    SIGMOID = 3


class MetaType(IntEnum):
    I64 = 1
    F64 = 2
    STRING = 3
    I64_ARRAY = 4
    F64_ARRAY = 5
    STRING_ARRAY = 6


class MetaValue(NamedTuple):
    """A metadata value with an explicit type, for what inference can't tell: an empty
    array, or a whole number that must be stored as f64."""

    type: MetaType
    value: Any


# Tensors each layer type takes, in file order (docs/model-format.md, LAYERS section).
LAYER_TENSOR_ROLES = {
    LayerType.DENSE: ("weight", "bias"),
    LayerType.LSTM: ("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
    LayerType.BATCH_NORM: ("weight", "bias", "running_mean", "running_var"),
    LayerType.ACTIVATION: (),
}


@dataclass
class Tensor:
    name: str
    array: np.ndarray

    def __post_init__(self):
        self.array = np.asarray(self.array, dtype=np.float32)


@dataclass
class Layer:
    type: LayerType
    activation: Activation = Activation.LINEAR
    input_size: int = 0
    output_size: int = 0
    return_sequences: bool = False
    epsilon: float = 0.0
    tensors: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.type = LayerType(self.type)
        self.activation = Activation(self.activation)


@dataclass
class SelfTest:
    input_tensor: int
    output_tensor: int
    abs_tol: float = 1e-5
    rel_tol: float = 1e-4


@dataclass
class Model:
    layers: list[Layer]
    tensors: list[Tensor]
    metadata: dict[str, Any]
    selftest: SelfTest | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in _plain(self.metadata["input.shape"]))

    @property
    def output_shape(self) -> tuple[int, ...]:
        """[T, C] when the last value is a sequence, else [C]."""
        shape = self.input_shape
        sequence = len(shape) == 2
        for layer in self.layers:
            if layer.type == LayerType.LSTM:
                sequence = layer.return_sequences
        width = self.layers[-1].output_size
        return (shape[0], width) if sequence else (width,)

    def tensor(self, layer: Layer, role: str) -> np.ndarray:
        roles = LAYER_TENSOR_ROLES[layer.type]
        return self.tensors[layer.tensors[roles.index(role)]].array

    def to_bytes(self) -> bytes:
        return write_model(self.layers, self.tensors, self.metadata, self.selftest)


# --------------------------------------------------------------------------- CRC-32C

def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


try:
    from crc32c import crc32c as _crc32c_native
except ImportError:  # the pure-Python fallback is slow but keeps numpy the only dependency
    _crc32c_native = None
    _CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli, reflected 0x82F63B78, init and final XOR 0xFFFFFFFF)."""
    if _crc32c_native is not None:
        return _crc32c_native(data)
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def file_checksum(data: bytes) -> int:
    """CRC-32C of the whole file with the checksum field taken as zero."""
    return crc32c(bytes(data[:CHECKSUM_OFFSET]) + b"\0\0\0\0" + bytes(data[CHECKSUM_OFFSET + 4:]))


# --------------------------------------------------------------------------- writer

def _align(offset: int, alignment: int) -> int:
    return (offset + alignment - 1) // alignment * alignment


def _plain(value):
    return value.value if isinstance(value, MetaValue) else value


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_float(v) -> bool:
    return isinstance(v, (float, np.floating))


def infer_meta_type(key: str, value) -> MetaType:
    """int -> i64, float -> f64, str -> string, and lists of each -> arrays (ints in a list
    with floats become f64). Bools and empty arrays are ambiguous: wrap them in MetaValue."""
    if isinstance(value, MetaValue):
        return MetaType(value.type)
    if _is_int(value):
        return MetaType.I64
    if _is_float(value):
        return MetaType.F64
    if isinstance(value, str):
        return MetaType.STRING
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        if not items:
            raise FormatError(f"metadata '{key}': empty array has no inferable type; "
                              "wrap it as MetaValue(MetaType.<X>_ARRAY, [])")
        if all(isinstance(v, str) for v in items):
            return MetaType.STRING_ARRAY
        if all(_is_int(v) for v in items):
            return MetaType.I64_ARRAY
        if all(_is_int(v) or _is_float(v) for v in items):
            return MetaType.F64_ARRAY
    raise FormatError(f"metadata '{key}': value {value!r} has no .pba type "
                      "(int, float, str or a list of one of them)")


def _encode_string(key: str, text: str) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) > MAX_STRING_BYTES:
        raise FormatError(f"metadata '{key}': string of {len(raw)} bytes exceeds 1 MiB")
    return struct.pack("<I", len(raw)) + raw


def _encode_i64(key: str, v) -> bytes:
    if not _is_int(v) or not -(1 << 63) <= int(v) < (1 << 63):
        raise FormatError(f"metadata '{key}': {v!r} is not a 64-bit integer")
    return struct.pack("<q", int(v))


def _encode_f64(key: str, v) -> bytes:
    if not (_is_int(v) or _is_float(v)) or not math.isfinite(float(v)):
        raise FormatError(f"metadata '{key}': {v!r} is not a finite number")
    return struct.pack("<d", float(v))


def _encode_array(key: str, items, encode_one) -> bytes:
    items = list(items)
    if len(items) > MAX_ARRAY_ELEMENTS:
        raise FormatError(f"metadata '{key}': array of {len(items)} elements exceeds 65536")
    return struct.pack("<I", len(items)) + b"".join(encode_one(key, v) for v in items)


def _encode_meta_value(key: str, kind: MetaType, value) -> bytes:
    if kind == MetaType.I64:
        return _encode_i64(key, value)
    if kind == MetaType.F64:
        return _encode_f64(key, value)
    if kind == MetaType.STRING:
        return _encode_string(key, value)
    if kind == MetaType.I64_ARRAY:
        return _encode_array(key, value, _encode_i64)
    if kind == MetaType.F64_ARRAY:
        return _encode_array(key, value, _encode_f64)
    return _encode_array(key, value, _encode_string)


def _check_key(key: str) -> bytes:
    raw = key.encode("ascii", errors="replace")
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not set(raw) <= KEY_CHARS:
        raise FormatError(f"metadata key {key!r} is not 1..255 characters of [a-z0-9_.]")
    return raw


def _pack_metadata(metadata: dict) -> bytes:
    entries = []
    for key in sorted(metadata, key=lambda k: _check_key(k)):
        raw_key = _check_key(key)
        value = metadata[key]
        kind = infer_meta_type(key, value)
        entries.append(struct.pack("<HBB", len(raw_key), kind, 0) + raw_key
                       + _encode_meta_value(key, kind, _plain(value)))
    return struct.pack("<II", len(entries), 0) + b"".join(entries)


def _pack_tensor_table(tensors: list[Tensor], offsets: list[int]) -> bytes:
    out = [struct.pack("<II", len(tensors), 0)]
    for index, (tensor, offset) in enumerate(zip(tensors, offsets)):
        name = tensor.name.encode("utf-8")
        if len(name) >= TENSOR_NAME_BYTES:
            raise FormatError(f"tensor {index} '{tensor.name}': name is {len(name)} bytes, "
                              "at most 39 fit")
        shape = tensor.array.shape
        if not 1 <= len(shape) <= MAX_TENSOR_RANK:
            raise FormatError(f"tensor {index} '{tensor.name}': rank {len(shape)} is not 1..4")
        dims = list(shape) + [0] * (MAX_TENSOR_RANK - len(shape))
        out.append(struct.pack("<40sII4QQQ", name, DTYPE_FLOAT32, len(shape), *dims,
                               offset, tensor.array.nbytes))
    return b"".join(out)


def _pack_layers(layers: list[Layer]) -> bytes:
    out = [struct.pack("<II", len(layers), 0)]
    for index, layer in enumerate(layers):
        if len(layer.tensors) > MAX_LAYER_TENSORS:
            raise FormatError(f"layer {index}: {len(layer.tensors)} tensors, at most 8 fit")
        slots = list(layer.tensors) + [0] * (MAX_LAYER_TENSORS - len(layer.tensors))
        flags = RETURN_SEQUENCES if layer.return_sequences else 0
        out.append(struct.pack("<5If9II", layer.type, layer.activation, layer.input_size,
                               layer.output_size, flags, layer.epsilon, len(layer.tensors),
                               *slots, 0))
    return b"".join(out)


def write_model(layers: list[Layer], tensors: list[Tensor], metadata: dict,
                selftest: SelfTest | None = None) -> bytes:
    """The canonical bytes of a model; raises FormatError for a model a reader would refuse."""
    kinds = [SectionKind.METADATA, SectionKind.TENSORS, SectionKind.LAYERS]
    if selftest is not None:
        kinds.append(SectionKind.SELFTEST)
    kinds.append(SectionKind.DATA)
    table_end = HEADER_SIZE + SECTION_ENTRY_SIZE * len(kinds)

    # Offsets first: the tensor table holds the payload offsets, and its own size is known.
    bodies = {SectionKind.METADATA: _pack_metadata(metadata),
              SectionKind.LAYERS: _pack_layers(layers)}
    if selftest is not None:
        bodies[SectionKind.SELFTEST] = struct.pack(
            "<IIff", selftest.input_tensor, selftest.output_tensor, selftest.abs_tol,
            selftest.rel_tol)
    sizes = {kind: len(body) for kind, body in bodies.items()}
    sizes[SectionKind.TENSORS] = 8 + TENSOR_ENTRY_SIZE * len(tensors)

    offsets = {}
    cursor = table_end
    for kind in kinds[:-1]:
        offsets[kind] = _align(cursor, 8)
        cursor = offsets[kind] + sizes[kind]
    data_offset = _align(cursor, 64)
    payload_offsets = []
    cursor = data_offset
    for tensor in tensors:
        payload_offsets.append(_align(cursor, 64))
        cursor = payload_offsets[-1] + tensor.array.nbytes
    offsets[SectionKind.DATA] = data_offset
    sizes[SectionKind.DATA] = cursor - data_offset
    bodies[SectionKind.TENSORS] = _pack_tensor_table(tensors, payload_offsets)
    file_size = cursor

    out = bytearray(file_size)
    struct.pack_into("<8sHHIQQIIII", out, 0, MAGIC, VERSION_MAJOR, VERSION_MINOR, HEADER_SIZE,
                     file_size, HEADER_SIZE, len(kinds), 0, CHECKSUM_CRC32C, 0)
    for index, kind in enumerate(kinds):
        struct.pack_into("<IIQQQ", out, HEADER_SIZE + SECTION_ENTRY_SIZE * index, kind, 0,
                         offsets[kind], sizes[kind], 0)
        if kind != SectionKind.DATA:
            out[offsets[kind]:offsets[kind] + sizes[kind]] = bodies[kind]
    for tensor, offset in zip(tensors, payload_offsets):
        out[offset:offset + tensor.array.nbytes] = tensor.array.astype("<f4").tobytes()
    struct.pack_into("<I", out, CHECKSUM_OFFSET, crc32c(bytes(out)))
    data = bytes(out)
    # Reading back runs every check of the spec, so the writer never emits a file that a
    # reader refuses (non-finite weights, shapes that don't chain, ...).
    read_model(data)
    return data


# --------------------------------------------------------------------------- reader

class _Cursor:
    """Bounded little-endian reads inside one section, naming it when they run out."""

    def __init__(self, data: bytes, start: int, end: int, where: str):
        self.data, self.pos, self.end, self.where = data, start, end, where

    def take(self, n: int, what: str) -> bytes:
        if n > self.end - self.pos:
            raise FormatError(f"{self.where}: {what} runs past the end of the section "
                              f"(needs {n} bytes at offset {self.pos}, section ends at {self.end})")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, what: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))


@dataclass
class _Section:
    index: int
    kind: int
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def _check_header(data: bytes) -> tuple[int, int, int]:
    if not data:
        raise FormatError("file is empty")
    if len(data) < HEADER_SIZE:
        raise FormatError(f"file too small: {len(data)} bytes, the header alone is 64")
    if data[:8] != MAGIC:
        raise FormatError(f"bad magic at offset 0: {data[:8].hex(' ')} (not a .pba file, or "
                          "mangled by a text-mode transfer)")
    (major, minor, header_size, file_size, table_offset, count, flags, checksum_kind,
     checksum) = struct.unpack_from("<HHIQQIIII", data, 8)
    if major != VERSION_MAJOR:
        raise FormatError(f"unsupported major version {major}.{minor} at offset 8 "
                          f"(this reader reads {VERSION_MAJOR}.x)")
    if header_size != HEADER_SIZE:
        raise FormatError(f"header_size at offset 12 is {header_size}, expected 64")
    if flags:
        raise FormatError(f"header flags at offset 36 are 0x{flags:x}, expected 0")
    if any(data[48:64]):
        raise FormatError("header reserved bytes 48..63 are not zero")
    if file_size != len(data):
        if len(data) < file_size:
            raise FormatError(f"file truncated: expected {file_size} bytes, got {len(data)}")
        raise FormatError(f"file too long: header says {file_size} bytes, got {len(data)}")
    if checksum_kind != CHECKSUM_CRC32C:
        raise FormatError(f"unsupported checksum kind {checksum_kind} at offset 40 "
                          "(1 = CRC-32C)")
    actual = file_checksum(data)
    if actual != checksum:
        raise FormatError(f"checksum mismatch: header says 0x{checksum:08x}, contents hash to "
                          f"0x{actual:08x} (file corrupted)")
    return minor, table_offset, count


def _read_sections(data: bytes, minor: int, table_offset: int, count: int) -> dict[int, _Section]:
    if not 1 <= count <= MAX_SECTIONS:
        raise FormatError(f"section_count is {count}, expected 1..64")
    table_end = table_offset + SECTION_ENTRY_SIZE * count
    if table_offset < HEADER_SIZE or table_end > len(data):
        raise FormatError(f"section table at offset {table_offset} ({count} entries) is not "
                          f"inside the file after the header ({len(data)} bytes)")
    sections = []
    for index in range(count):
        kind, flags, offset, size, reserved = struct.unpack_from(
            "<IIQQQ", data, table_offset + SECTION_ENTRY_SIZE * index)
        where = f"section table entry {index} (kind {kind})"
        if flags or reserved:
            raise FormatError(f"{where}: flags and reserved must be zero")
        if offset < table_end or offset + size > len(data):
            raise FormatError(f"{where}: bytes {offset}..{offset + size} are not inside the "
                              f"file after the section table ({table_end}..{len(data)})")
        sections.append(_Section(index, kind, offset, size))
    ordered = sorted(sections, key=lambda s: (s.offset, s.size))
    for before, after in zip(ordered, ordered[1:]):
        if after.offset < before.end:
            raise FormatError(f"section table entries {before.index} and {after.index} overlap "
                              f"(bytes {before.offset}..{before.end} and "
                              f"{after.offset}..{after.end})")
    known = {}
    for section in sections:
        if section.kind not in SectionKind.__members__.values():
            if minor > VERSION_MINOR:
                continue  # a newer minor version's section: skipping it is the contract
            raise FormatError(f"section table entry {section.index}: unknown section kind "
                              f"{section.kind}")
        name = SectionKind(section.kind).name
        if section.kind in known:
            raise FormatError(f"section {name} appears twice (entries "
                              f"{known[section.kind].index} and {section.index})")
        known[section.kind] = section
    for kind in (SectionKind.METADATA, SectionKind.TENSORS, SectionKind.LAYERS,
                 SectionKind.DATA):
        if kind not in known:
            raise FormatError(f"required section {kind.name} is missing")
    return known


def _decode_utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{where}: invalid UTF-8 ({e.reason} at byte {e.start})") from None


def _read_meta_value(cur: _Cursor, kind: int, where: str):
    def one_string():
        (length,) = cur.unpack("<I", "string length")
        if length > MAX_STRING_BYTES:
            raise FormatError(f"{where}: string of {length} bytes exceeds 1 MiB")
        return _decode_utf8(cur.take(length, "string"), where)

    def one_f64():
        (v,) = cur.unpack("<d", "f64 value")
        if not math.isfinite(v):
            raise FormatError(f"{where}: value {v} is not finite")
        return v

    def array(read_one):
        (n,) = cur.unpack("<I", "array count")
        if n > MAX_ARRAY_ELEMENTS:
            raise FormatError(f"{where}: array of {n} elements exceeds 65536")
        items = [read_one() for _ in range(n)]
        # An empty array can't be told from another type's empty array when written back.
        return items if items else MetaValue(MetaType(kind), [])

    if kind == MetaType.I64:
        return cur.unpack("<q", "i64 value")[0]
    if kind == MetaType.F64:
        return one_f64()
    if kind == MetaType.STRING:
        return one_string()
    if kind == MetaType.I64_ARRAY:
        return array(lambda: cur.unpack("<q", "i64 element")[0])
    if kind == MetaType.F64_ARRAY:
        return array(one_f64)
    if kind == MetaType.STRING_ARRAY:
        return array(one_string)
    raise FormatError(f"{where}: unknown value type {kind}")


def _read_metadata(data: bytes, section: _Section) -> dict:
    cur = _Cursor(data, section.offset, section.end, "METADATA section")
    count, reserved = cur.unpack("<II", "entry count")
    if reserved:
        raise FormatError("METADATA section: reserved field is not zero")
    metadata = {}
    for index in range(count):
        cur.where = f"metadata entry {index}"
        key_length, kind, reserved = cur.unpack("<HBB", "entry header")
        if reserved:
            raise FormatError(f"{cur.where}: reserved byte is not zero")
        raw_key = cur.take(key_length, "key")
        if not 1 <= key_length <= MAX_KEY_LENGTH or not set(raw_key) <= KEY_CHARS:
            raise FormatError(f"{cur.where}: key {raw_key!r} is not 1..255 characters of "
                              "[a-z0-9_.]")
        key = raw_key.decode("ascii")
        cur.where = f"metadata entry {index} ('{key}')"
        if key in metadata:
            raise FormatError(f"{cur.where}: duplicate key")
        metadata[key] = _read_meta_value(cur, kind, cur.where)
    if cur.pos != section.end:
        raise FormatError(f"METADATA section: {section.end - cur.pos} bytes after the last of "
                          f"{count} entries")
    _check_input_shape(metadata)
    return metadata


def _check_input_shape(metadata: dict) -> None:
    if "input.shape" not in metadata:
        raise FormatError("metadata: required key 'input.shape' is missing")
    shape = metadata["input.shape"]
    if isinstance(shape, MetaValue) or not all(_is_int(d) for d in shape) \
            or not 1 <= len(shape) <= 2:
        raise FormatError(f"metadata 'input.shape': {shape!r} is not an i64 array [T, F] or [F]")
    if not all(1 <= d <= MAX_INPUT_DIM for d in shape):
        raise FormatError(f"metadata 'input.shape': {shape} has an entry outside 1..1048576")
    if math.prod(shape) > MAX_WORKSPACE_FLOATS:
        raise FormatError(f"metadata 'input.shape': {shape} holds more than 2^26 values")


def _read_tensors(data: bytes, section: _Section, data_section: _Section) -> list[Tensor]:
    if section.size < 8:
        raise FormatError(f"TENSORS section: {section.size} bytes, too small for its count")
    count, reserved = struct.unpack_from("<II", data, section.offset)
    if reserved:
        raise FormatError("TENSORS section: reserved field is not zero")
    if section.size != 8 + TENSOR_ENTRY_SIZE * count:
        raise FormatError(f"TENSORS section: {section.size} bytes, but {count} tensors need "
                          f"{8 + TENSOR_ENTRY_SIZE * count}")
    entries = []
    for index in range(count):
        raw_name, dtype, rank, *dims, offset, nbytes = struct.unpack_from(
            "<40sII4QQQ", data, section.offset + 8 + TENSOR_ENTRY_SIZE * index)
        where = f"tensor {index}"
        if b"\0" not in raw_name:
            raise FormatError(f"{where}: name is not NUL-terminated within 40 bytes")
        name = _decode_utf8(raw_name.split(b"\0", 1)[0], where)
        where = f"tensor {index} '{name}'"
        if dtype != DTYPE_FLOAT32:
            raise FormatError(f"{where}: dtype {dtype} is not 1 (float32)")
        if not 1 <= rank <= MAX_TENSOR_RANK:
            raise FormatError(f"{where}: rank {rank} is not 1..4")
        if any(d < 1 for d in dims[:rank]) or any(dims[rank:]):
            raise FormatError(f"{where}: dims {dims} are not {rank} entries >= 1 then zeros")
        # Python integers don't overflow; the bound mirrors the u64 overflow check in C++.
        expected = math.prod(dims[:rank]) * 4
        if expected >= 1 << 64 or nbytes != expected:
            raise FormatError(f"{where}: nbytes {nbytes} is not product of dims "
                              f"{dims[:rank]} x 4")
        if offset < data_section.offset or offset + nbytes > data_section.end:
            raise FormatError(f"{where}: payload bytes {offset}..{offset + nbytes} are outside "
                              f"the DATA section ({data_section.offset}..{data_section.end})")
        if offset % 64:
            raise FormatError(f"{where}: payload offset {offset} is not 64-byte aligned")
        entries.append((index, name, tuple(dims[:rank]), offset, nbytes))
    ordered = sorted(entries, key=lambda e: e[3])
    for before, after in zip(ordered, ordered[1:]):
        if after[3] < before[3] + before[4]:
            raise FormatError(f"tensors {before[0]} '{before[1]}' and {after[0]} '{after[1]}' "
                              "have overlapping payloads")
    tensors = []
    for index, name, shape, offset, nbytes in entries:
        array = np.frombuffer(data, dtype="<f4", count=nbytes // 4, offset=offset)
        bad = np.flatnonzero(~np.isfinite(array))
        if bad.size:
            raise FormatError(f"tensor {index} '{name}': element {bad[0]} is {array[bad[0]]} "
                              "(weights must be finite)")
        tensors.append(Tensor(name, array.astype(np.float32).reshape(shape)))
    return tensors


def _expected_tensor_shapes(layer: Layer) -> list[tuple[int, ...]]:
    i, o = layer.input_size, layer.output_size
    if layer.type == LayerType.DENSE:
        return [(o, i), (o,)]
    if layer.type == LayerType.LSTM:
        return [(4 * o, i), (4 * o, o), (4 * o,), (4 * o,)]
    if layer.type == LayerType.BATCH_NORM:
        return [(o,)] * 4
    return []


def _read_layers(data: bytes, section: _Section, tensors: list[Tensor],
                 input_shape: list[int]) -> list[Layer]:
    if section.size < 8:
        raise FormatError(f"LAYERS section: {section.size} bytes, too small for its count")
    count, reserved = struct.unpack_from("<II", data, section.offset)
    if reserved:
        raise FormatError("LAYERS section: reserved field is not zero")
    if not 1 <= count <= MAX_LAYERS:
        raise FormatError(f"LAYERS section: layer_count {count} is not 1..1024")
    if section.size != 8 + LAYER_RECORD_SIZE * count:
        raise FormatError(f"LAYERS section: {section.size} bytes, but {count} layers need "
                          f"{8 + LAYER_RECORD_SIZE * count}")
    sequence = len(input_shape) == 2
    steps = input_shape[0] if sequence else 1
    width = input_shape[-1]
    layers = []
    for index in range(count):
        (kind, activation, in_size, out_size, flags, epsilon, tensor_count, *slots,
         reserved) = struct.unpack_from("<5If9II", data,
                                        section.offset + 8 + LAYER_RECORD_SIZE * index)
        where = f"layer {index}"
        if kind not in LayerType.__members__.values():
            raise FormatError(f"{where}: unknown layer type {kind}")
        kind = LayerType(kind)
        where = f"layer {index} ({kind.name})"
        if activation not in Activation.__members__.values():
            raise FormatError(f"{where}: unknown activation {activation}")
        if activation and kind in (LayerType.LSTM, LayerType.BATCH_NORM):
            raise FormatError(f"{where}: activation must be 0, is {activation}")
        allowed_flags = RETURN_SEQUENCES if kind == LayerType.LSTM else 0
        if flags & ~allowed_flags:
            raise FormatError(f"{where}: flags 0x{flags:x} has undefined bits set")
        if kind == LayerType.BATCH_NORM:
            if not (epsilon > 0 and math.isfinite(epsilon)):
                raise FormatError(f"{where}: epsilon {epsilon} must be finite and > 0")
        elif epsilon != 0:
            raise FormatError(f"{where}: epsilon must be 0, is {epsilon}")
        if reserved:
            raise FormatError(f"{where}: reserved field is not zero")
        roles = LAYER_TENSOR_ROLES[kind]
        if tensor_count != len(roles):
            raise FormatError(f"{where}: tensor_count {tensor_count}, the type takes "
                              f"{len(roles)}")
        if any(slots[tensor_count:]):
            raise FormatError(f"{where}: unused tensor slots are not zero")
        for slot, role in zip(slots, roles):
            if slot >= len(tensors):
                raise FormatError(f"{where}: {role} tensor index {slot} is out of range "
                                  f"({len(tensors)} tensors)")
        layer = Layer(kind, activation, in_size, out_size, bool(flags & RETURN_SEQUENCES),
                      epsilon, list(slots[:tensor_count]))
        if kind in (LayerType.BATCH_NORM, LayerType.ACTIVATION) and in_size != out_size:
            raise FormatError(f"{where}: input_size {in_size} and output_size {out_size} "
                              "must be equal")
        for slot, role, shape in zip(layer.tensors, roles, _expected_tensor_shapes(layer)):
            actual = tensors[slot].array.shape
            if actual != shape:
                raise FormatError(f"{where}: {role} tensor {slot} '{tensors[slot].name}' has "
                                  f"shape {list(actual)}, expected {list(shape)}")
        if in_size != width:
            raise FormatError(f"{where}: input_size {in_size} does not chain: "
                              f"{'the input has' if index == 0 else 'the previous layer outputs'}"
                              f" {width} channels")
        if kind == LayerType.LSTM:
            if not sequence:
                raise FormatError(f"{where}: fed a vector, an LSTM needs a sequence")
            if steps * 4 * out_size > MAX_WORKSPACE_FLOATS:
                raise FormatError(f"{where}: {steps} steps x {4 * out_size} gates exceed the "
                                  "2^26-float workspace limit")
            sequence = layer.return_sequences
        if kind == LayerType.BATCH_NORM:
            # Compared in float32 as a loader computes it: sqrt of a non-positive is NaN/Inf.
            variance = tensors[layer.tensors[3]].array + np.float32(epsilon)
            if not (variance > 0).all():
                bad = int(np.argmin(variance > 0))
                raise FormatError(f"{where}: running_var[{bad}] + epsilon is not positive")
        if (steps if sequence else 1) * out_size > MAX_WORKSPACE_FLOATS:
            raise FormatError(f"{where}: output of {steps if sequence else 1} x {out_size} "
                              "values exceeds the 2^26-float workspace limit")
        width = out_size
        layers.append(layer)
    return layers


def _read_selftest(data: bytes, section: _Section, model: Model) -> SelfTest:
    if section.size != SELFTEST_SIZE:
        raise FormatError(f"SELFTEST section: {section.size} bytes, expected 16")
    selftest = SelfTest(*struct.unpack_from("<IIff", data, section.offset))
    used = {slot for layer in model.layers for slot in layer.tensors}
    for role, slot, shape in (("input", selftest.input_tensor, model.input_shape),
                              ("output", selftest.output_tensor, model.output_shape)):
        if slot >= len(model.tensors):
            raise FormatError(f"self-test: {role} tensor index {slot} is out of range "
                              f"({len(model.tensors)} tensors)")
        if slot in used:
            raise FormatError(f"self-test: {role} tensor {slot} is also a layer's weight")
        actual = model.tensors[slot].array.shape
        if actual != tuple(shape):
            raise FormatError(f"self-test: {role} tensor {slot} '{model.tensors[slot].name}' "
                              f"has shape {list(actual)}, the model's {role} is {list(shape)}")
    if not (selftest.abs_tol > 0 and math.isfinite(selftest.abs_tol)):
        raise FormatError(f"self-test: abs_tolerance {selftest.abs_tol} must be finite and > 0")
    if not (selftest.rel_tol >= 0 and math.isfinite(selftest.rel_tol)):
        raise FormatError(f"self-test: rel_tolerance {selftest.rel_tol} must be finite and >= 0")
    return selftest


def read_model(data: bytes, verify_selftest: bool = False) -> Model:
    """Parse and validate a .pba file in the spec's order; FormatError names the first defect."""
    data = bytes(data)
    minor, table_offset, count = _check_header(data)
    sections = _read_sections(data, minor, table_offset, count)
    metadata = _read_metadata(data, sections[SectionKind.METADATA])
    tensors = _read_tensors(data, sections[SectionKind.TENSORS], sections[SectionKind.DATA])
    layers = _read_layers(data, sections[SectionKind.LAYERS], tensors, metadata["input.shape"])
    model = Model(layers, tensors, metadata)
    if SectionKind.SELFTEST in sections:
        model.selftest = _read_selftest(data, sections[SectionKind.SELFTEST], model)
        if verify_selftest:
            check_selftest(model)
    return model


# --------------------------------------------------------------------------- reference

def _activate(x: np.ndarray, activation: Activation) -> np.ndarray:
    if activation == Activation.RELU:
        return np.maximum(x, 0.0)
    if activation == Activation.TANH:
        return np.tanh(x)
    if activation == Activation.SIGMOID:
        return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic
    return x


def _lstm(model: Model, layer: Layer, x: np.ndarray) -> np.ndarray:
    w_ih, w_hh, b_ih, b_hh = (model.tensor(layer, r).astype(np.float64)
                              for r in LAYER_TENSOR_ROLES[LayerType.LSTM])
    hidden = layer.output_size
    batch, steps, _ = x.shape
    h = np.zeros((batch, hidden))
    c = np.zeros((batch, hidden))
    projected = x @ w_ih.T + (b_ih + b_hh)
    outputs = []
    for t in range(steps):
        gates = projected[:, t] + h @ w_hh.T
        i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = _activate(f, Activation.SIGMOID) * c + _activate(i, Activation.SIGMOID) * np.tanh(g)
        h = _activate(o, Activation.SIGMOID) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1) if layer.return_sequences else h


def forward_numpy(model: Model, x: np.ndarray) -> np.ndarray:
    """The layer semantics of the spec in float64: one window shaped like input.shape, or a
    batch of them (one more leading axis)."""
    x = np.asarray(x, dtype=np.float64)
    single = x.ndim == len(model.input_shape)
    if single:
        x = x[None]
    if x.shape[1:] != model.input_shape:
        raise ValueError(f"input shape {list(x.shape)} does not match input.shape "
                         f"{list(model.input_shape)}")
    for layer in model.layers:
        if layer.type == LayerType.DENSE:
            x = _activate(x @ model.tensor(layer, "weight").T.astype(np.float64)
                          + model.tensor(layer, "bias"), layer.activation)
        elif layer.type == LayerType.LSTM:
            x = _lstm(model, layer, x)
        elif layer.type == LayerType.BATCH_NORM:
            gamma, beta, mean, var = (model.tensor(layer, r).astype(np.float64)
                                      for r in LAYER_TENSOR_ROLES[LayerType.BATCH_NORM])
            x = gamma * (x - mean) / np.sqrt(var + np.float64(np.float32(layer.epsilon))) + beta
        else:
            x = _activate(x, layer.activation)
    return x[0] if single else x


def with_selftest(model: Model, x: np.ndarray, expected: np.ndarray, abs_tol: float = 1e-5,
                  rel_tol: float = 1e-4) -> Model:
    """A copy of a model without a self-test whose SELFTEST runs `x` and expects `expected`."""
    if model.selftest is not None:
        raise ValueError("the model already has a self-test")
    base = len(model.tensors)
    tensors = model.tensors + [
        Tensor("selftest.input", np.asarray(x, np.float32).reshape(model.input_shape)),
        Tensor("selftest.output", np.asarray(expected, np.float32).reshape(model.output_shape))]
    return Model(model.layers, tensors, dict(model.metadata),
                 SelfTest(base, base + 1, abs_tol, rel_tol))


def check_selftest(model: Model) -> None:
    """Run the self-test vector through forward_numpy; FormatError on a mismatch."""
    st = model.selftest
    expected = model.tensors[st.output_tensor].array.astype(np.float64)
    actual = forward_numpy(model, model.tensors[st.input_tensor].array)
    excess = np.abs(actual - expected) - (st.abs_tol + st.rel_tol * np.abs(expected))
    worst = int(np.argmax(excess))
    if excess.flat[worst] > 0:
        raise FormatError(f"self-test failed: output element {worst} is {actual.flat[worst]:.9g}, "
                          f"expected {expected.flat[worst]:.9g} (abs {st.abs_tol:g} + rel "
                          f"{st.rel_tol:g})")

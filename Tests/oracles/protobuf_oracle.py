#!/usr/bin/env python3
"""Google's protobuf (Python, protobuf==4.21.12) as the reference codec for the Swift
conformance tests (Tests/SwarmProtoTests/ConformanceTests.swift).

The Swift tests call this script twice per run, over one scratch directory:

    protobuf_oracle.py generate DIR
        Builds every case of the corpus below (the Swift tests define the same cases,
        under the same names, in ConformanceCorpus.swift) and writes, under DIR/python/:
          NAME.bin               the deterministic binary encoding (the reference)
          NAME.upb.bin           upb's own deterministic bytes, only where they differ
                                 from NAME.bin (see canonical_order below)
          NAME.unpacked.bin      the same message with every packed repeated field
                                 written unpacked and the unpacked one packed
          NAME.mixed.bin         the same with each such field split: first element in
                                 the other form, the rest in the usual one
          NAME.known.bin         NAME.bin without unknown fields (what JSON can carry)
          NAME.json              json_format.MessageToJson (lowerCamelCase names)
          NAME.proto_names.json  the same with the .proto field names
          manifest.json          the case names, the files written, the versions used

    protobuf_oracle.py check DIR
        Reads what the Swift codec wrote under DIR/swift/ (NAME.bin, NAME.json,
        NAME.proto_names.json and json_inputs.json), parses it with Google's protobuf
        and compares with its own cases; also reads its own JSON back, which it cannot
        always do (see float_max). Writes DIR/python/check.json.

Exit status 0 when the oracle ran (comparison failures are reported in check.json, for
the Swift side to attribute to cases), 3 when the protobuf package is missing, 2 on
misuse. The interpreter is the one `make deps` puts in .venv/.
"""

import importlib
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

try:
    from google.protobuf import __version__ as protobuf_version
    from google.protobuf import json_format
    from google.protobuf.internal import api_implementation
except ImportError as error:  # pragma: no cover - reported to the Swift side verbatim
    print(
        f"protobuf_oracle: Google's protobuf for Python is missing ({error}); "
        "run `make deps` to create .venv/ with Tests/oracles/requirements.txt",
        file=sys.stderr,
    )
    sys.exit(3)

REPO = Path(__file__).resolve().parents[2]
PROTO = "openswarm/testing/conformance.proto"

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
U32_MAX, U64_MAX = 2**32 - 1, 2**64 - 1
NAN, INF = float("nan"), float("inf")
RED, GREEN, NEGATIVE = 1, 2, -1


def f32(bits):
    """The float32 with these IEEE bits, as a Python float (exactly representable)."""
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def f64(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def one_mib():
    """1 MiB of bytes; ConformanceCorpus.swift computes the same pattern."""
    return bytes(((i * 31) + (i >> 10)) & 0xFF for i in range(1 << 20))


# MARK: - Wire format helpers (for unknown fields and re-arranged inputs)


def varint(value):
    value &= U64_MAX
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(number, wire_type):
    return varint((number << 3) | wire_type)


def length_delimited(number, payload):
    return tag(number, 2) + varint(len(payload)) + payload


def read_varint(data, at):
    result, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, at


def read_fields(data):
    """Top-level fields of an encoded message: (number, wire type, whole field bytes,
    payload bytes). Groups are kept whole."""
    fields, at = [], 0
    while at < len(data):
        start = at
        key, at = read_varint(data, at)
        number, wire_type = key >> 3, key & 7
        value_start = at
        if wire_type == 0:
            _, at = read_varint(data, at)
            payload = data[value_start:at]
        elif wire_type == 1:
            payload, at = data[at : at + 8], at + 8
        elif wire_type == 5:
            payload, at = data[at : at + 4], at + 4
        elif wire_type == 2:
            length, at = read_varint(data, at)
            payload, at = data[at : at + length], at + length
        elif wire_type == 3:
            depth = 1
            while depth > 0:
                inner, at = read_varint(data, at)
                inner_type = inner & 7
                if inner_type == 3:
                    depth += 1
                elif inner_type == 4:
                    depth -= 1
                elif inner_type == 0:
                    _, at = read_varint(data, at)
                elif inner_type == 1:
                    at += 8
                elif inner_type == 5:
                    at += 4
                elif inner_type == 2:
                    length, at = read_varint(data, at)
                    at += length
            payload = data[start:at]
        else:
            raise ValueError(f"wire type {wire_type} at offset {start}")
        fields.append((number, wire_type, data[start:at], payload))
    return fields


def signed(value, bits):
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


# Map fields of AllTypes and how to order their keys: C++ protobuf (and the pure-Python
# backend, and upb from protobuf 22 on) sort entries by key, signed or unsigned as the
# key type is, strings by their UTF-8 bytes, false before true.
MAP_KEY_ORDER = {
    71: lambda raw: raw,  # string
    72: lambda raw: signed(read_varint(raw, 0)[0] & 0xFFFFFFFF, 32),  # int32
    73: lambda raw: signed(read_varint(raw, 0)[0], 64),  # int64
    74: lambda raw: read_varint(raw, 0)[0],  # bool
    75: lambda raw: read_varint(raw, 0)[0],  # uint32
    76: lambda raw: (lambda z: (z >> 1) ^ -(z & 1))(read_varint(raw, 0)[0]),  # sint64
    77: lambda raw: struct.unpack("<I", raw)[0],  # fixed32
    78: lambda raw: raw,  # string
}
MAP_KEY_DEFAULT = {71: b"", 72: 0, 73: 0, 74: 0, 75: 0, 76: 0, 77: 0, 78: b""}
RECURSIVE_FIELD = 100


def map_entry_key(number, entry):
    for field_number, _, _, payload in read_fields(entry):
        if field_number == 1:
            return MAP_KEY_ORDER[number](payload)
    return MAP_KEY_DEFAULT[number]


def canonical_order(data):
    """AllTypes bytes with every map's entries in ascending key order (recursively
    through `recursive`).

    protobuf 4.21.12's default backend (upb) writes the entries of maps with integer
    or bool keys in DESCENDING key order even with deterministic=True (string keys come
    out ascending). C++ protobuf, the pure-Python backend and later upb releases sort
    ascending, which is also what the Swift codec promises; the oracle therefore fixes
    the order and keeps upb's bytes as NAME.upb.bin, which the Swift tests check decode
    to the same message."""
    out, pending = bytearray(), {}
    fields = read_fields(data)
    for index, (number, wire_type, whole, payload) in enumerate(fields):
        if number in MAP_KEY_ORDER and wire_type == 2:
            pending.setdefault(number, []).append(payload)
            last = index + 1 == len(fields) or fields[index + 1][0] != number
            if last:
                entries = sorted(pending.pop(number), key=lambda e: map_entry_key(number, e))
                for entry in entries:
                    out += length_delimited(number, entry)
        elif number == RECURSIVE_FIELD and wire_type == 2:
            out += length_delimited(number, canonical_order(payload))
        else:
            out += whole
    return bytes(out)


# Repeated scalar fields of AllTypes: number -> wire type of one element.
PACKABLE = {31: 0, 32: 0, 33: 0, 34: 0, 35: 0, 36: 0, 37: 5, 38: 1, 39: 5, 40: 1, 41: 5, 42: 1,
            43: 0, 46: 0, 48: 0}
UNPACKED_BY_DEFAULT = {48}


def split_packed(payload, wire_type):
    elements, at = [], 0
    while at < len(payload):
        if wire_type == 0:
            _, end = read_varint(payload, at)
        else:
            end = at + (4 if wire_type == 5 else 8)
        elements.append(payload[at:end])
        at = end
    return elements


def rearranged(data, mixed):
    """The same message with its repeated scalars in the other encoding: packed fields
    unpacked and the unpacked field packed (mixed=False), or each field's first element
    in the other encoding and the rest as usual (mixed=True). A conforming parser must
    accept both encodings, interleaved, and keep the element order."""
    out, groups = bytearray(), {}
    fields = read_fields(data)
    for number, wire_type, whole, payload in fields:
        if number not in PACKABLE:
            continue
        element_type = PACKABLE[number]
        if wire_type == 2:
            groups.setdefault(number, []).extend(split_packed(payload, element_type))
        else:
            groups.setdefault(number, []).append(payload)
    if not groups:
        return None
    written = set()
    for number, wire_type, whole, payload in fields:
        if number not in groups:
            out += whole
            continue
        if number in written:
            continue
        written.add(number)
        elements = groups[number]
        packed_usually = number not in UNPACKED_BY_DEFAULT
        other = elements if not mixed else elements[:1]
        usual = [] if not mixed else elements[1:]
        # The "other" encoding first, then the usual one.
        if packed_usually:
            for element in other:
                out += tag(number, PACKABLE[number]) + element
            if usual:
                out += length_delimited(number, b"".join(usual))
        else:
            out += length_delimited(number, b"".join(other))
            for element in usual:
                out += tag(number, PACKABLE[number]) + element
    return bytes(out)


# MARK: - The corpus
#
# Each case fills an empty AllTypes. ConformanceCorpus.swift builds the same messages in
# Swift; the Swift tests fail when the two lists of names differ.

CASES = {}


def case(name):
    def register(build):
        assert name not in CASES, name
        CASES[name] = build
        return build

    return register


@case("empty")
def _empty(m, pb):
    pass


@case("scalars_one")
def _scalars_one(m, pb):
    m.f_int32 = m.f_int64 = m.f_uint32 = m.f_uint64 = 1
    m.f_sint32 = m.f_sint64 = m.f_fixed32 = m.f_fixed64 = m.f_sfixed32 = m.f_sfixed64 = 1
    m.f_float = m.f_double = 1.0
    m.f_bool = True
    m.f_string = "a"
    m.f_bytes = b"\x01"
    m.f_enum = RED
    m.f_max_number = 1


@case("scalars_minus_one")
def _scalars_minus_one(m, pb):
    m.f_int32 = m.f_int64 = m.f_sint32 = m.f_sint64 = m.f_sfixed32 = m.f_sfixed64 = -1
    m.f_float = m.f_double = -1.0
    m.f_enum = NEGATIVE
    m.f_max_number = -1


@case("scalars_min")
def _scalars_min(m, pb):
    m.f_int32 = m.f_sint32 = m.f_sfixed32 = m.f_max_number = I32_MIN
    m.f_int64 = m.f_sint64 = m.f_sfixed64 = I64_MIN
    m.f_double = -sys.float_info.max


@case("scalars_max")
def _scalars_max(m, pb):
    m.f_int32 = m.f_sint32 = m.f_sfixed32 = m.f_max_number = I32_MAX
    m.f_int64 = m.f_sint64 = m.f_sfixed64 = I64_MAX
    m.f_uint32 = m.f_fixed32 = U32_MAX
    m.f_uint64 = m.f_fixed64 = U64_MAX
    m.f_double = sys.float_info.max
    m.f_bool = True


@case("float_nan")
def _float_nan(m, pb):
    m.f_float = m.f_double = NAN


@case("float_infinity")
def _float_infinity(m, pb):
    m.f_float = m.f_double = INF


@case("float_negative_infinity")
def _float_negative_infinity(m, pb):
    m.f_float = m.f_double = -INF


@case("float_negative_zero")
def _float_negative_zero(m, pb):
    m.f_float = m.f_double = -0.0


@case("float_max")
def _float_max(m, pb):
    # Kept apart from the other cases: json_format (protobuf 4.21.12) writes FLT_MAX as
    # 3.4028235e+38 and then rejects that text as too large (protobuf issue #8336).
    m.f_float = f32(0x7F7FFFFF)
    m.r_float.append(f32(0xFF7FFFFF))


@case("float_smallest_subnormal")
def _float_smallest_subnormal(m, pb):
    m.f_float = f32(1)
    m.f_double = f64(1)


@case("repeated_float_specials")
def _repeated_float_specials(m, pb):
    m.r_float.extend([0.0, -0.0, 1.5, NAN, INF, -INF, f32(1)])
    m.r_double.extend([0.0, -0.0, 1.5, NAN, INF, -INF, sys.float_info.max, f64(1)])


@case("strings_non_ascii")
def _strings_non_ascii(m, pb):
    m.f_string = "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001f600 \U0001d11e"
    m.r_string.extend(["", "a", "\u00df", "\u20ac", "\U0001f600", "\U0010ffff"])
    m.o_string = "\u00dcn\u00efc\u00f6d\u00e9"


@case("string_with_nul")
def _string_with_nul(m, pb):
    m.f_string = "a\x00b"
    m.r_string.extend(["\x00", "x\x00"])


@case("bytes_all_values")
def _bytes_all_values(m, pb):
    m.f_bytes = bytes(range(256))
    m.r_bytes.extend([b"", b"\x00", b"\xff\x00"])
    m.o_bytes = b"\xff"


@case("bytes_1mib")
def _bytes_1mib(m, pb):
    m.f_bytes = one_mib()


@case("repeated_integers_edges")
def _repeated_integers_edges(m, pb):
    m.r_int32.extend([0, -1, 1, I32_MIN, I32_MAX])
    m.r_int64.extend([0, -1, 1, I64_MIN, I64_MAX])
    m.r_uint32.extend([0, 1, U32_MAX, U32_MAX - 1])
    m.r_uint64.extend([0, 1, U64_MAX, U64_MAX - 1])
    m.r_sint32.extend([0, -1, 1, I32_MIN, I32_MAX])
    m.r_sint64.extend([0, -1, 1, I64_MIN, I64_MAX])
    m.r_fixed32.extend([0, 1, U32_MAX])
    m.r_fixed64.extend([0, 1, U64_MAX])
    m.r_sfixed32.extend([0, -1, I32_MIN, I32_MAX])
    m.r_sfixed64.extend([0, -1, I64_MIN, I64_MAX])
    m.r_bool.extend([True, False, True])
    m.r_enum.extend([0, RED, GREEN, NEGATIVE])
    m.r_int32_unpacked.extend([0, -1, I32_MIN, I32_MAX, 300])


@case("repeated_single_defaults")
def _repeated_single_defaults(m, pb):
    for name in ("r_int32", "r_int64", "r_uint32", "r_uint64", "r_sint32", "r_sint64",
                 "r_fixed32", "r_fixed64", "r_sfixed32", "r_sfixed64", "r_enum",
                 "r_int32_unpacked"):
        getattr(m, name).append(0)
    m.r_float.append(0.0)
    m.r_double.append(0.0)
    m.r_bool.append(False)
    m.r_string.append("")
    m.r_bytes.append(b"")
    m.r_nested.add()
    m.r_timestamp.add()


@case("enums")
def _enums(m, pb):
    m.f_enum = RED
    m.r_enum.extend([GREEN, NEGATIVE, 0])
    m.o_enum = NEGATIVE
    m.m_uint32_enum[1] = RED
    m.m_uint32_enum[2] = NEGATIVE


@case("enums_out_of_range")
def _enums_out_of_range(m, pb):
    m.f_enum = 7
    m.r_enum.extend([7, -5, RED])
    m.o_enum = -5
    m.m_uint32_enum[1] = 7
    m.m_uint32_enum[2] = -5
    m.c_enum = 7


@case("nested")
def _nested(m, pb):
    m.f_nested.a = 1
    m.f_nested.b = "x"
    m.f_nested.child.a = 2
    m.f_nested.child.children.add().a = 3
    m.f_nested.child.children.add()
    m.f_nested.children.add().b = "y"
    m.r_nested.add()
    m.r_nested.add().a = -1
    m.r_nested.add().child.SetInParent()


@case("nested_empty")
def _nested_empty(m, pb):
    m.f_nested.SetInParent()
    m.recursive.SetInParent()


@case("deep_nesting_90")
def _deep_nesting_90(m, pb):
    nested = m.f_nested
    for level in range(1, 91):
        nested.a = level
        if level < 90:
            nested = nested.child


@case("recursive_20")
def _recursive_20(m, pb):
    current = m
    for level in range(1, 21):
        current.f_int32 = level
        current.r_string.append(str(level))
        current.m_int32_int32[level] = -level
        current.m_int32_int32[-level] = level
        if level < 20:
            current = current.recursive
        else:
            current.f_string = "bottom"


@case("optional_defaults")
def _optional_defaults(m, pb):
    m.o_int32 = 0
    m.o_string = ""
    m.o_enum = 0
    m.o_double = 0.0
    m.o_bytes = b""
    m.o_bool = False
    m.o_uint64 = 0


@case("optional_values")
def _optional_values(m, pb):
    m.o_int32 = -1
    m.o_string = "opt"
    m.o_enum = GREEN
    m.o_double = -0.0
    m.o_bytes = b"\x01\x02"
    m.o_bool = True
    m.o_uint64 = U64_MAX


@case("optional_double_nan")
def _optional_double_nan(m, pb):
    m.o_double = NAN


@case("maps")
def _maps(m, pb):
    m.m_string_string.update({"b": "2", "a": "1", "\u00e9": "accent", "\U0001f600": "emoji", "Z": "upper"})
    m.m_int32_int32.update({5: 50, -1: -10, I32_MIN: 1, I32_MAX: -1})
    m.m_int64_nested[I64_MIN].a = 1
    m.m_int64_nested[-1].b = "n"
    m.m_int64_nested[7].child.a = 2
    m.m_int64_nested[I64_MAX].a = 3
    m.m_bool_bytes[True] = b"\x01"
    m.m_uint32_enum.update({1: RED, U32_MAX: NEGATIVE, 2**31: GREEN})
    m.m_sint64_double.update({-1: 1.5, I64_MIN: -2.5, I64_MAX: 1e300, 2**32: INF})
    m.m_fixed32_float.update({1: 0.5, U32_MAX: -0.25, 2**31: f32(0x40490FDB)})
    m.m_string_nested["k"].a = 1
    m.m_string_nested["\u00e9"].b = "v"
    m.m_string_nested["a"].children.add().a = 1


@case("map_default_keys")
def _map_default_keys(m, pb):
    m.m_string_string[""] = "v"
    m.m_int32_int32[0] = 1
    m.m_int64_nested[0].a = 1
    m.m_bool_bytes[False] = b"\x01"
    m.m_uint32_enum[0] = RED
    m.m_sint64_double[0] = 1.5
    m.m_fixed32_float[0] = 2.5
    m.m_string_nested[""].b = "x"


@case("map_default_values")
def _map_default_values(m, pb):
    m.m_string_string["k"] = ""
    m.m_int32_int32[1] = 0
    m.m_int64_nested[1].SetInParent()
    m.m_bool_bytes[True] = b""
    m.m_uint32_enum[1] = 0
    m.m_sint64_double[1] = 0.0
    m.m_fixed32_float[1] = 0.0
    m.m_string_nested["k"].SetInParent()


@case("map_default_keys_and_values")
def _map_default_keys_and_values(m, pb):
    m.m_string_string[""] = ""
    m.m_int32_int32[0] = 0
    m.m_int64_nested[0].SetInParent()
    m.m_bool_bytes[False] = b""
    m.m_uint32_enum[0] = 0
    m.m_sint64_double[0] = 0.0
    m.m_fixed32_float[0] = 0.0
    m.m_string_nested[""].SetInParent()


@case("map_special_float_values")
def _map_special_float_values(m, pb):
    m.m_sint64_double.update({1: -0.0, 2: NAN, 3: -INF})
    m.m_fixed32_float.update({1: -0.0, 2: NAN, 3: INF})


@case("map_many_keys")
def _map_many_keys(m, pb):
    for k in range(-50, 51):
        if k != 0:
            m.m_int32_int32[k] = k * k
    for k in range(1, 101):
        m.m_string_string[str(k)] = "v" + str(k)
    m.m_bool_bytes[True] = b"t"


@case("oneof_uint32")
def _oneof_uint32(m, pb):
    m.c_uint32 = U32_MAX


@case("oneof_uint32_zero")
def _oneof_uint32_zero(m, pb):
    m.c_uint32 = 0


@case("oneof_string")
def _oneof_string(m, pb):
    m.c_string = "oneof \u2713 \U0001f600"


@case("oneof_string_empty")
def _oneof_string_empty(m, pb):
    m.c_string = ""


@case("oneof_nested")
def _oneof_nested(m, pb):
    m.c_nested.a = 1
    m.c_nested.child.b = "c"


@case("oneof_nested_empty")
def _oneof_nested_empty(m, pb):
    m.c_nested.SetInParent()


@case("oneof_bytes")
def _oneof_bytes(m, pb):
    m.c_bytes = b"\x00\x01\xff"


@case("oneof_bytes_empty")
def _oneof_bytes_empty(m, pb):
    m.c_bytes = b""


@case("oneof_enum")
def _oneof_enum(m, pb):
    m.c_enum = GREEN


@case("oneof_enum_zero")
def _oneof_enum_zero(m, pb):
    m.c_enum = 0


@case("oneof_enum_out_of_range")
def _oneof_enum_out_of_range(m, pb):
    m.c_enum = -5


@case("oneof_double")
def _oneof_double(m, pb):
    m.c_double = -1.5


@case("oneof_double_zero")
def _oneof_double_zero(m, pb):
    m.c_double = 0.0


@case("oneof_double_negative_zero")
def _oneof_double_negative_zero(m, pb):
    m.c_double = -0.0


@case("oneof_double_nan")
def _oneof_double_nan(m, pb):
    m.c_double = NAN


@case("well_known")
def _well_known(m, pb):
    m.f_timestamp.seconds = 1_700_000_000
    m.f_timestamp.nanos = 123_456_789
    m.f_duration.seconds = -5
    m.f_duration.nanos = -500_000_000
    m.f_empty.SetInParent()
    m.r_timestamp.add()
    first = m.r_timestamp.add()
    first.seconds = -62_135_596_800  # 0001-01-01T00:00:00Z
    last = m.r_timestamp.add()
    last.seconds = 253_402_300_799  # 9999-12-31T23:59:59Z
    last.nanos = 999_999_999


@case("well_known_defaults")
def _well_known_defaults(m, pb):
    m.f_timestamp.SetInParent()
    m.f_duration.SetInParent()
    m.f_empty.SetInParent()


@case("max_field_number")
def _max_field_number(m, pb):
    m.f_max_number = 1


# Unknown fields: numbers AllTypes and Nested do not declare, of every wire type.
UNKNOWN_TOP = (
    tag(1000, 0) + varint(150)
    + tag(1001, 0) + varint(-1)
    + tag(1002, 5) + struct.pack("<I", 0xDEADBEEF)
    + tag(1003, 1) + struct.pack("<Q", 0x0123456789ABCDEF)
    + length_delimited(1004, b"hello")
    + tag(536_870_910, 0) + varint(1)
)
UNKNOWN_NESTED = tag(5, 0) + varint(7) + length_delimited(6, b"x")
UNKNOWN_REPEATED_NESTED = tag(9, 5) + struct.pack("<I", 1)
UNKNOWN_GROUP = (
    tag(1005, 3)
    + tag(1, 0) + varint(5)
    + length_delimited(2, b"g")
    + tag(3, 3) + tag(1, 0) + varint(1) + tag(3, 4)
    + tag(1005, 4)
    + tag(1006, 0) + varint(1)
)
UNKNOWN_ONLY = tag(2000, 0) + varint(1)


@case("unknown_fields")
def _unknown_fields(m, pb):
    m.f_int32 = 1
    m.f_nested.a = 1
    m.f_nested.MergeFromString(UNKNOWN_NESTED)
    m.r_nested.add().MergeFromString(UNKNOWN_REPEATED_NESTED)
    m.MergeFromString(UNKNOWN_TOP)


@case("unknown_group")
def _unknown_group(m, pb):
    m.f_string = "g"
    m.MergeFromString(UNKNOWN_GROUP)


@case("unknown_fields_only")
def _unknown_fields_only(m, pb):
    m.MergeFromString(UNKNOWN_ONLY)


@case("everything")
def _everything(m, pb):
    # Builders that touch disjoint fields, so that the order of composition does not
    # matter (Python's repeated fields append where Swift's arrays are assigned).
    for part in (_scalars_max, _repeated_integers_edges, _repeated_float_specials,
                 _strings_non_ascii, _bytes_all_values, _nested, _maps, _oneof_nested,
                 _well_known):
        part(m, pb)
    m.recursive.f_int32 = 1
    m.recursive.c_string = "inner"


# MARK: - Running


def compile_protos(work):
    """Generates conformance_pb2 into `work` with protoc (the Debian protoc 3.21.12, the
    same compiler as the Swift and C code; grpc_tools' bundled protoc if absent)."""
    out = work / "pb2"
    out.mkdir(parents=True, exist_ok=True)
    include = os.environ.get("PROTOC_INCLUDE", "/usr/include")
    args = ["-I", str(REPO / "Protos"), "-I", include, f"--python_out={out}", PROTO]
    protoc = shutil.which("protoc")
    if protoc is not None:
        subprocess.run([protoc, *args], check=True, cwd=REPO / "Protos")
    else:
        from importlib import resources

        from grpc_tools import protoc as grpc_protoc

        well_known = str(resources.files("grpc_tools") / "_proto")
        status = grpc_protoc.main(["protoc", "-I", well_known, *args])
        if status != 0:
            raise RuntimeError(f"grpc_tools.protoc failed with status {status}")
    sys.path.insert(0, str(out))
    return importlib.import_module("openswarm.testing.conformance_pb2")


def first_difference(expected, actual):
    """None when equal, else a sentence naming the first differing byte offset."""
    if expected == actual:
        return None
    common = min(len(expected), len(actual))
    offset = next((i for i in range(common) if expected[i] != actual[i]), common)
    want = f"0x{expected[offset]:02x}" if offset < len(expected) else "end of data"
    got = f"0x{actual[offset]:02x}" if offset < len(actual) else "end of data"
    return (f"bytes differ at offset {offset}: expected {want}, got {got} "
            f"(expected {len(expected)} bytes, got {len(actual)})")


def build(pb, name):
    message = pb.AllTypes()
    CASES[name](message, pb)
    return message


def serialize(message):
    return canonical_order(message.SerializeToString(deterministic=True))


def without_unknown_fields(message):
    copy = type(message)()
    copy.CopyFrom(message)
    copy.DiscardUnknownFields()
    return copy


def generate(root):
    out = root / "python"
    out.mkdir(parents=True, exist_ok=True)
    pb = compile_protos(root / "work")
    manifest = {
        "protobuf": protobuf_version,
        "backend": api_implementation.Type(),
        "cases": [],
    }
    for name in CASES:
        message = build(pb, name)
        upb_bytes = message.SerializeToString(deterministic=True)
        data = canonical_order(upb_bytes)
        files = {"binary": f"{name}.bin"}
        (out / files["binary"]).write_bytes(data)
        # Self-checks: the re-ordered bytes mean the same message to Google's parser.
        if upb_bytes != data:
            assert pb.AllTypes.FromString(data).SerializeToString(deterministic=True) == upb_bytes, name
            files["upb"] = f"{name}.upb.bin"
            (out / files["upb"]).write_bytes(upb_bytes)
        for kind, mixed in (("unpacked", False), ("mixed", True)):
            alternative = rearranged(data, mixed)
            if alternative is not None and alternative != data and (
                    kind != "mixed" or alternative != rearranged(data, False)):
                problem = first_difference(data, serialize(pb.AllTypes.FromString(alternative)))
                assert problem is None, f"{name} {kind}: {problem}"
                files[kind] = f"{name}.{kind}.bin"
                (out / files[kind]).write_bytes(alternative)
        known = without_unknown_fields(message)
        files["known"] = f"{name}.known.bin"
        (out / files["known"]).write_bytes(serialize(known))
        files["json"] = f"{name}.json"
        (out / files["json"]).write_text(
            json_format.MessageToJson(known, preserving_proto_field_name=False), encoding="utf-8")
        files["proto_names_json"] = f"{name}.proto_names.json"
        (out / files["proto_names_json"]).write_text(
            json_format.MessageToJson(known, preserving_proto_field_name=True), encoding="utf-8")
        manifest["cases"].append({"name": name, "files": files})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def describe(error):
    return f"{type(error).__name__}: {error}"


def check(root):
    pb = compile_protos(root / "work")
    swift = root / "swift"
    report = {"cases": {}, "json_inputs": {}}
    for name in CASES:
        expected = build(pb, name)
        expected_bytes = serialize(expected)
        expected_known = serialize(without_unknown_fields(expected))
        results = {}
        try:
            parsed = pb.AllTypes.FromString((swift / f"{name}.bin").read_bytes())
            problem = first_difference(expected_bytes, serialize(parsed))
            results["binary"] = problem and (
                f"Google's parser read Swift's bytes as a different message: re-encoded, {problem}")
        except Exception as error:  # noqa: BLE001 - every failure goes to the report
            results["binary"] = f"Google's parser rejected Swift's bytes: {describe(error)}"
        for kind in ("json", "proto_names_json"):
            file = swift / (f"{name}.json" if kind == "json" else f"{name}.proto_names.json")
            try:
                parsed = json_format.Parse(file.read_text(encoding="utf-8"), pb.AllTypes())
                problem = first_difference(expected_known, serialize(parsed))
                results[kind] = problem and (
                    f"json_format.Parse read Swift's JSON as a different message: re-encoded, {problem}")
            except Exception as error:  # noqa: BLE001
                results[kind] = f"json_format.Parse rejected Swift's JSON: {describe(error)}"
        # And Google's own JSON, which it cannot always read back (see float_max).
        try:
            own = json_format.MessageToJson(without_unknown_fields(expected),
                                            preserving_proto_field_name=False)
            reread = serialize(json_format.Parse(own, pb.AllTypes()))
            problem = first_difference(expected_known, reread)
            results["google_own_json"] = problem and (
                f"json_format.Parse read json_format's own JSON as a different message: {problem}")
        except Exception as error:  # noqa: BLE001
            results["google_own_json"] = (
                f"json_format.Parse rejected json_format's own JSON: {describe(error)}")
        report["cases"][name] = results
    inputs_file = swift / "json_inputs.json"
    if inputs_file.exists():
        for item in json.loads(inputs_file.read_text(encoding="utf-8")):
            try:
                parsed = json_format.Parse(item["json"], pb.AllTypes(),
                                           ignore_unknown_fields=item["ignoreUnknownFields"])
                report["json_inputs"][item["name"]] = {
                    "accepted": True, "binary": serialize(parsed).hex()}
            except Exception as error:  # noqa: BLE001
                report["json_inputs"][item["name"]] = {"accepted": False, "error": describe(error)}
    (root / "python" / "check.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("generate", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[2])
    (generate if argv[1] == "generate" else check)(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

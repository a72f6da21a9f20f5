#!/usr/bin/env python3
"""protoc-gen-swarm: turns proto3 files into Swift for the SwarmProto runtime.

protoc runs this plugin with a CodeGeneratorRequest on stdin. For every file to
generate it writes `<path with / as _>.pb.swift` holding, per message, a Sendable,
Hashable struct with its binary and proto3-JSON codecs; per enum, a Swift enum that
keeps unknown values; per service, method descriptors and the REST routes from
`google.api.http` annotations. It also writes one registry file with the serialized
FileDescriptorProtos of every file protoc saw (gRPC reflection serves them).

The output depends only on the request: no dates, no dictionaries iterated in hash
order, so `make proto-check` can compare it byte for byte.

Parameters (comma-separated `key=value` in `--swarm_opt`):
  registry=NAME   the registry enum's name (default SwarmProtoFiles)
  imports=A:B     modules to import (e.g. SwarmProto when generating into tests)
"""

import base64
import sys

from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.compiler import plugin_pb2

try:
    from google.protobuf import message_factory
except ImportError:  # pragma: no cover
    message_factory = None

FD = descriptor_pb2.FieldDescriptorProto

# proto type -> (Swift type, codec, packable)
SCALARS = {
    FD.TYPE_DOUBLE: ("Double", "ProtoDouble", True),
    FD.TYPE_FLOAT: ("Float", "ProtoFloat", True),
    FD.TYPE_INT64: ("Int64", "ProtoInt64", True),
    FD.TYPE_UINT64: ("UInt64", "ProtoUInt64", True),
    FD.TYPE_INT32: ("Int32", "ProtoInt32", True),
    FD.TYPE_FIXED64: ("UInt64", "ProtoFixed64", True),
    FD.TYPE_FIXED32: ("UInt32", "ProtoFixed32", True),
    FD.TYPE_BOOL: ("Bool", "ProtoBool", True),
    FD.TYPE_STRING: ("String", "ProtoString", False),
    FD.TYPE_BYTES: ("[UInt8]", "ProtoBytes", False),
    FD.TYPE_UINT32: ("UInt32", "ProtoUInt32", True),
    FD.TYPE_SFIXED32: ("Int32", "ProtoSFixed32", True),
    FD.TYPE_SFIXED64: ("Int64", "ProtoSFixed64", True),
    FD.TYPE_SINT32: ("Int32", "ProtoSInt32", True),
    FD.TYPE_SINT64: ("Int64", "ProtoSInt64", True),
}

WIRE_TYPE = {
    FD.TYPE_DOUBLE: 1, FD.TYPE_FLOAT: 5, FD.TYPE_INT64: 0, FD.TYPE_UINT64: 0,
    FD.TYPE_INT32: 0, FD.TYPE_FIXED64: 1, FD.TYPE_FIXED32: 5, FD.TYPE_BOOL: 0,
    FD.TYPE_STRING: 2, FD.TYPE_BYTES: 2, FD.TYPE_UINT32: 0, FD.TYPE_SFIXED32: 5,
    FD.TYPE_SFIXED64: 1, FD.TYPE_SINT32: 0, FD.TYPE_SINT64: 0, FD.TYPE_MESSAGE: 2,
    FD.TYPE_ENUM: 0,
}

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func",
    "import", "init", "inout", "internal", "let", "open", "operator", "private",
    "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias",
    "var", "break", "case", "continue", "default", "defer", "do", "else",
    "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch", "where",
    "while", "as", "catch", "false", "is", "nil", "super", "self", "Self", "throw",
    "throws", "true", "try", "Any", "Type", "Protocol", "some", "any", "await",
}

# Members every generated message has; a field with one of these names gets `_p`.
RESERVED_MEMBERS = {
    "unknownFields", "protoMessageName", "serializedSize", "encode", "decode",
    "encodeJSON", "decodeJSON", "serializedBytes", "jsonString", "jsonUTF8Bytes",
    "hashValue", "hash", "description", "debugDescription", "serialize",
}

RESERVED_TYPE_NAMES = {"Type", "Protocol", "Self", "Any", "Error", "String", "Int", "Bool"}

# Acronyms written in capitals inside Swift identifiers (Swift API guidelines).
ACRONYMS = {"id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs"}

SPECIAL_JSON = {".google.protobuf.Timestamp": "Timestamp", ".google.protobuf.Duration": "Duration"}

HTTP_EXTENSION_FIELD = 72295728  # google.api.http on MethodOptions


class GeneratorError(Exception):
    pass


def upper_camel(snake):
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


def lower_camel(snake):
    parts = [p for p in snake.split("_") if p]
    if not parts:
        return snake
    out = [parts[0][:1].lower() + parts[0][1:]]
    for p in parts[1:]:
        out.append(ACRONYMS.get(p.lower(), p[:1].upper() + p[1:]))
    return "".join(out)


def escape(identifier):
    return "`%s`" % identifier if identifier in SWIFT_KEYWORDS else identifier


def swift_string(text):
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"%s"' % out


def package_prefix(package):
    if not package:
        return ""
    return "_".join(upper_camel(p) for p in package.split(".")) + "_"


def upper_snake(camel):
    out = []
    for i, ch in enumerate(camel):
        if ch.isupper() and i > 0 and (not camel[i - 1].isupper() or
                                       (i + 1 < len(camel) and camel[i + 1].islower())):
            out.append("_")
        out.append(ch.upper())
    return "".join(out)


class Comments:
    """Leading comments of one file, looked up by descriptor path."""

    def __init__(self, file_proto):
        self.by_path = {}
        for loc in file_proto.source_code_info.location:
            if loc.leading_comments:
                self.by_path[tuple(loc.path)] = loc.leading_comments

    def doc(self, path, indent):
        text = self.by_path.get(tuple(path))
        if not text:
            return []
        lines = text.rstrip("\n").split("\n")
        # Drop the single leading space protoc keeps after `//`.
        lines = [l[1:] if l.startswith(" ") else l for l in lines]
        while lines and not lines[-1].strip():
            lines.pop()
        return [indent + ("/// " + l).rstrip() for l in lines]


class TypeIndex:
    """Every message and enum protoc saw, by fully-qualified name (leading dot)."""

    def __init__(self, files):
        self.messages = {}   # name -> (DescriptorProto, swift name, file name)
        self.enums = {}      # name -> (EnumDescriptorProto, swift name)
        for f in files:
            prefix = package_prefix(f.package)
            scope = "." + f.package if f.package else ""
            for m in f.message_type:
                self._add_message(m, scope, prefix + self._type_name(m.name), f.name)
            for e in f.enum_type:
                self.enums[scope + "." + e.name] = (e, prefix + self._type_name(e.name))

    @staticmethod
    def _type_name(name):
        return name + "_" if name in RESERVED_TYPE_NAMES else name

    def _add_message(self, m, scope, swift, file_name):
        full = scope + "." + m.name
        self.messages[full] = (m, swift, file_name)
        for n in m.nested_type:
            self._add_message(n, full, swift + "." + self._type_name(n.name), file_name)
        for e in m.enum_type:
            self.enums[full + "." + e.name] = (e, swift + "." + self._type_name(e.name))

    def message(self, name):
        if name not in self.messages:
            raise GeneratorError("unknown message type %s" % name)
        return self.messages[name]

    def enum_swift(self, name):
        if name not in self.enums:
            raise GeneratorError("unknown enum type %s" % name)
        return self.enums[name][1]

    def singular_edges(self, name):
        """Message types a message holds inline (singular fields and oneof members)."""
        m = self.messages[name][0]
        for f in m.field:
            if f.type == FD.TYPE_MESSAGE and f.label != FD.LABEL_REPEATED:
                yield f.type_name

    def reaches(self, start, target):
        seen, stack = set(), [start]
        while stack:
            n = stack.pop()
            if n == target:
                return True
            if n in seen or n not in self.messages:
                continue
            seen.add(n)
            stack.extend(self.singular_edges(n))
        return False


class Field:
    """One field with everything the emitters need."""

    def __init__(self, proto, message_full_name, types):
        self.proto = proto
        self.number = proto.number
        self.name = proto.name
        self.json_name = proto.json_name or lower_camel(proto.name)
        prop = lower_camel(proto.name)
        if prop in RESERVED_MEMBERS:
            prop += "_p"
        self.prop = escape(prop)
        # How generated methods refer to the field: through self, so that a field named
        # like a local (size, tag, reader, key) is never shadowed.
        self.ref = "self." + self.prop
        self.repeated = proto.label == FD.LABEL_REPEATED
        self.is_map = False
        self.oneof = None  # set later for real oneofs
        self.optional = proto.proto3_optional
        self.boxed = False
        self.is_message = False
        t = proto.type
        if t == FD.TYPE_GROUP:
            raise GeneratorError("%s.%s: groups are not supported" % (message_full_name, proto.name))
        if t == FD.TYPE_MESSAGE:
            entry, entry_swift, _ = types.message(proto.type_name)
            if self.repeated and entry.options.map_entry:
                self.is_map = True
                key, value = entry.field[0], entry.field[1]
                if key.type == FD.TYPE_STRING:
                    # Compared by bytes, as protobuf compares keys (see ProtoStringKey).
                    self.key_type, self.key_codec = "ProtoStringKey", "ProtoStringKeyCodec"
                else:
                    self.key_type, self.key_codec = Field._codec(key, types)
                self.value_type, self.value_codec = Field._codec(value, types)
                self.swift_type = "[%s: %s]" % (self.key_type, self.value_type)
                self.codec = None
                self.packable = False
                return
            self.element_type = entry_swift
            self.codec = "ProtoMessageCodec<%s>" % entry_swift
            self.packable = False
            self.is_message = True
        else:
            self.element_type, self.codec = Field._codec(proto, types)
            self.packable = t in SCALARS and SCALARS[t][2] or t == FD.TYPE_ENUM
            self.is_message = False
        if self.repeated:
            if proto.options.HasField("packed") and not proto.options.packed:
                self.packable_write = False
            else:
                self.packable_write = self.packable
            self.swift_type = "[%s]" % self.element_type
        else:
            self.swift_type = self.element_type

    @staticmethod
    def _codec(proto, types):
        if proto.type == FD.TYPE_MESSAGE:
            swift = types.message(proto.type_name)[1]
            return swift, "ProtoMessageCodec<%s>" % swift
        if proto.type == FD.TYPE_ENUM:
            swift = types.enum_swift(proto.type_name)
            return swift, "ProtoEnumCodec<%s>" % swift
        return SCALARS[proto.type][0], SCALARS[proto.type][1]

    def tag(self, wire=None):
        if wire is None:
            wire = WIRE_TYPE[self.proto.type]
        return (self.number << 3) | wire

    @property
    def has_presence(self):
        return self.optional or (self.is_message and not self.repeated)

    def default_expr(self, types):
        if self.is_map:
            return "[:]"
        if self.repeated:
            return "[]"
        if self.has_presence:
            return "nil"
        t = self.proto.type
        if t == FD.TYPE_STRING:
            return '""'
        if t == FD.TYPE_BYTES:
            return "[]"
        if t == FD.TYPE_BOOL:
            return "false"
        if t == FD.TYPE_ENUM:
            enum_proto = types.enums[self.proto.type_name][0]
            return "." + enum_case_name(enum_proto, enum_proto.value[0].name)
        return "0"


def enum_case_name(enum_proto, value_name):
    prefix = upper_snake(enum_proto.name) + "_"
    short = value_name[len(prefix):] if value_name.startswith(prefix) and len(value_name) > len(prefix) else value_name
    name = lower_camel(short.lower())
    if name[:1].isdigit():
        name = "_" + name
    if name == "unrecognized":
        name = "unrecognized_"
    return escape(name)


class FileGenerator:
    def __init__(self, file_proto, types, imports):
        self.f = file_proto
        self.types = types
        self.imports = imports
        self.comments = Comments(file_proto)
        self.out = []
        self.scope = "." + file_proto.package if file_proto.package else ""

    def emit(self, line=""):
        self.out.append(line)

    def generate(self):
        self.emit("// DO NOT EDIT. Generated by protoc-gen-swarm from %s." % self.f.name)
        self.emit("// Regenerate with `make proto`; the source of truth is Protos/.")
        self.emit()
        for module in self.imports:
            self.emit("import %s" % module)
        if self.imports:
            self.emit()
        prefix = package_prefix(self.f.package)
        for i, e in enumerate(self.f.enum_type):
            self.enum(e, prefix + TypeIndex._type_name(e.name), self.scope + "." + e.name, [5, i], "")
            self.emit()
        for i, m in enumerate(self.f.message_type):
            self.message(m, prefix + TypeIndex._type_name(m.name), self.scope + "." + m.name, [4, i], "")
            self.emit()
        for i, s in enumerate(self.f.service):
            self.service(s, prefix + s.name, [6, i])
            self.emit()
        while self.out and self.out[-1] == "":
            self.out.pop()
        return "\n".join(self.out) + "\n"

    # MARK: Enums

    def enum(self, e, swift_name, full_name, path, ind):
        values = {}
        for v in e.value:
            if v.number in values:
                raise GeneratorError("%s: aliased values are not supported" % full_name)
            values[v.number] = v
        if not e.value or e.value[0].number != 0:
            raise GeneratorError("%s: the first value must be 0" % full_name)
        short = swift_name.split(".")[-1]
        for line in self.comments.doc(path, ind):
            self.emit(line)
        self.emit("%spublic enum %s: ProtoEnum, CaseIterable {" % (ind, short))
        i2 = ind + "    "
        for j, v in enumerate(e.value):
            for line in self.comments.doc(path + [2, j], i2):
                self.emit(line)
            self.emit("%scase %s  // = %d" % (i2, enum_case_name(e, v.name), v.number))
        self.emit("%s/// A value this build does not know, kept so that it is written back unchanged." % i2)
        self.emit("%scase unrecognized(Int32)" % i2)
        self.emit()
        self.emit("%spublic static let protoEnumName = %s" % (i2, swift_string(full_name[1:])))
        self.emit()
        self.emit("%s/// Every declared value, in declaration order." % i2)
        self.emit("%spublic static let allCases: [%s] = [%s]" % (
            i2, short, ", ".join("." + enum_case_name(e, v.name) for v in e.value)))
        self.emit()
        self.emit("%spublic init() { self = .%s }" % (i2, enum_case_name(e, e.value[0].name)))
        self.emit()
        self.emit("%spublic init(protoValue: Int32) {" % i2)
        self.emit("%s    switch protoValue {" % i2)
        for v in e.value:
            self.emit("%s    case %d: self = .%s" % (i2, v.number, enum_case_name(e, v.name)))
        self.emit("%s    default: self = .unrecognized(protoValue)" % i2)
        self.emit("%s    }" % i2)
        self.emit("%s}" % i2)
        self.emit()
        self.emit("%spublic var protoValue: Int32 {" % i2)
        self.emit("%s    switch self {" % i2)
        for v in e.value:
            self.emit("%s    case .%s: return %d" % (i2, enum_case_name(e, v.name), v.number))
        self.emit("%s    case .unrecognized(let value): return value" % i2)
        self.emit("%s    }" % i2)
        self.emit("%s}" % i2)
        self.emit()
        self.emit("%spublic var protoName: String? {" % i2)
        self.emit("%s    switch self {" % i2)
        for v in e.value:
            self.emit("%s    case .%s: return %s" % (i2, enum_case_name(e, v.name), swift_string(v.name)))
        self.emit("%s    case .unrecognized: return nil" % i2)
        self.emit("%s    }" % i2)
        self.emit("%s}" % i2)
        self.emit()
        self.emit("%spublic init?(protoName: String) {" % i2)
        self.emit("%s    switch protoName {" % i2)
        for v in e.value:
            self.emit("%s    case %s: self = .%s" % (i2, swift_string(v.name), enum_case_name(e, v.name)))
        self.emit("%s    default: return nil" % i2)
        self.emit("%s    }" % i2)
        self.emit("%s}" % i2)
        self.emit("%s}" % ind)

    # MARK: Messages

    def message(self, m, swift_name, full_name, path, ind):
        if m.options.map_entry:
            return
        fields = [Field(fp, full_name, self.types) for fp in m.field]
        oneofs = []  # (name, swift enum name, property, [fields], decl index)
        for k, od in enumerate(m.oneof_decl):
            members = [f for f in fields if f.proto.HasField("oneof_index") and f.proto.oneof_index == k
                       and not f.proto.proto3_optional]
            if not members:
                continue  # synthetic oneof of a proto3 `optional` field
            prop = lower_camel(od.name)
            if prop in RESERVED_MEMBERS:
                prop += "_p"
            oneof = {"name": od.name, "enum": "OneOf_" + upper_camel(od.name), "prop": escape(prop),
                     "ref": "self." + escape(prop),
                     "fields": members, "index": k}
            for f in members:
                f.oneof = oneof
            oneofs.append(oneof)
        for f in fields:
            if f.is_message and not f.repeated and not f.is_map:
                if self.types.reaches(f.proto.type_name, full_name):
                    f.boxed = True
        short = swift_name.split(".")[-1]
        special = SPECIAL_JSON.get(full_name)

        for line in self.comments.doc(path, ind):
            self.emit(line)
        self.emit("%spublic struct %s: ProtoMessage {" % (ind, short))
        i2 = ind + "    "
        emitted_oneofs = set()
        for j, f in enumerate(fields):
            if f.oneof is not None:
                o = f.oneof
                if o["index"] in emitted_oneofs:
                    continue
                emitted_oneofs.add(o["index"])
                for line in self.comments.doc(path + [8, o["index"]], i2):
                    self.emit(line)
                self.emit("%spublic var %s: %s? = nil" % (i2, o["prop"], o["enum"]))
                self.emit()
                continue
            for line in self.comments.doc(path + [2, j], i2):
                self.emit(line)
            if f.boxed:
                bare = f.prop.strip("`")
                self.emit("%spublic var %s: %s? {" % (i2, f.prop, f.swift_type))
                self.emit("%s    get { _%s?.value }" % (i2, bare))
                self.emit("%s    set { _%s = newValue.map { ProtoBox($0) } }" % (i2, bare))
                self.emit("%s}" % i2)
                self.emit("%sprivate var _%s: ProtoBox<%s>? = nil" % (i2, bare, f.swift_type))
            elif f.has_presence:
                self.emit("%spublic var %s: %s? = nil" % (i2, f.prop, f.swift_type))
            else:
                self.emit("%spublic var %s: %s = %s" % (i2, f.prop, f.swift_type, f.default_expr(self.types)))
            self.emit()
        self.emit("%s/// Fields from a newer schema, kept and written back unchanged." % i2)
        self.emit("%spublic var unknownFields = ProtoUnknownFields()" % i2)
        self.emit()
        self.emit("%spublic init() {}" % i2)
        for o in oneofs:
            self.emit()
            self.emit("%s/// The members of oneof `%s`: at most one is set." % (i2, o["name"]))
            self.emit("%spublic enum %s: Sendable, Hashable {" % (i2, o["enum"]))
            for f in o["fields"]:
                j = list(m.field).index(f.proto)
                for line in self.comments.doc(path + [2, j], i2 + "    "):
                    self.emit(line)
                indirect = "indirect " if (f.is_message and self.types.reaches(f.proto.type_name, full_name)) else ""
                self.emit("%s    %scase %s(%s)" % (i2, indirect, f.prop, f.swift_type))
            self.emit("%s}" % i2)
        for k, nested in enumerate(m.nested_type):
            if nested.options.map_entry:
                continue
            self.emit()
            self.message(nested, swift_name + "." + TypeIndex._type_name(nested.name),
                         full_name + "." + nested.name, path + [3, k], i2)
        for k, e in enumerate(m.enum_type):
            self.emit()
            self.enum(e, swift_name + "." + TypeIndex._type_name(e.name), full_name + "." + e.name,
                      path + [4, k], i2)
        self.emit()
        self.codec_methods(fields, full_name, i2, special)
        self.emit("%s}" % ind)

    def codec_methods(self, fields, full_name, ind, special):
        i2 = ind + "    "
        i3 = i2 + "    "
        i4 = i3 + "    "
        ordered = sorted(fields, key=lambda f: f.number)
        self.emit("%spublic static let protoMessageName = %s" % (ind, swift_string(full_name[1:])))
        self.emit()
        # Field names for error messages.
        self.emit("%s/// The `.proto` name of a field number, for error messages." % ind)
        self.emit("%spublic static func protoFieldName(_ number: UInt32) -> String? {" % ind)
        if ordered:
            self.emit("%sswitch number {" % i2)
            for f in ordered:
                self.emit("%scase %d: return %s" % (i2, f.number, swift_string(f.name)))
            self.emit("%sdefault: return nil" % i2)
            self.emit("%s}" % i2)
        else:
            self.emit("%sreturn nil" % i2)
        self.emit("%s}" % ind)
        self.emit()

        # Size.
        self.emit("%spublic func serializedSize() -> Int {" % ind)
        if ordered:
            self.emit("%svar size = unknownFields.bytes.count" % i2)
            for f in ordered:
                self.emit(i2 + self.size_line(f))
            self.emit("%sreturn size" % i2)
        else:
            self.emit("%sreturn unknownFields.bytes.count" % i2)
        self.emit("%s}" % ind)
        self.emit()

        # Encode.
        self.emit("%spublic func encode(to writer: inout ProtoWriter) {" % ind)
        for f in ordered:
            self.emit(i2 + self.write_line(f))
        self.emit("%swriter.writeRaw(unknownFields.bytes)" % i2)
        self.emit("%s}" % ind)
        self.emit()

        # Decode.
        self.emit("%spublic mutating func decode(from reader: inout ProtoReader) throws(ProtoDecodingError) {" % ind)
        self.emit("%svar tag: UInt32 = 0" % i2)
        self.emit("%sdo throws(ProtoDecodingError) {" % i2)
        self.emit("%swhile !reader.isAtEnd {" % i3)
        self.emit("%stag = 0" % i4)
        self.emit("%stag = try reader.readTag()" % i4)
        self.emit("%sswitch tag {" % i4)
        for f in ordered:
            for line in self.decode_cases(f):
                self.emit(i4 + line)
        self.emit("%sdefault:" % i4)
        self.emit("%s    if Self.protoFieldName(tag >> 3) != nil { throw reader.wrongWireType(tag) }" % i4)
        self.emit("%s    try reader.preserveUnknownField(tag, in: &unknownFields)" % i4)
        self.emit("%s}" % i4)
        self.emit("%s}" % i3)
        self.emit("%s} catch {" % i2)
        self.emit("%sguard tag != 0 else { throw error }" % i3)
        self.emit("%sthrow error.within(Self.protoFieldName(tag >> 3) ?? \"#\\(tag >> 3)\")" % i3)
        self.emit("%s}" % i2)
        self.emit("%s}" % ind)
        self.emit()

        # JSON.
        if special:
            self.emit("%spublic func encodeJSON(to writer: inout ProtoJSONWriter) {" % ind)
            self.emit("%swriter.string(ProtoWellKnownJSON.format%s(seconds: seconds, nanos: nanos))" % (i2, special))
            self.emit("%s}" % ind)
            self.emit()
            self.emit("%spublic mutating func decodeJSON(from json: ProtoJSONValue, options: ProtoJSONDecodingOptions)"
                      % ind)
            self.emit("%s    throws(ProtoJSONError)" % ind)
            self.emit("%s{" % ind)
            self.emit("%s(seconds, nanos) = try ProtoWellKnownJSON.parse%s(json)" % (i2, special))
            self.emit("%s}" % ind)
            return
        self.emit("%spublic func encodeJSON(to writer: inout ProtoJSONWriter) {" % ind)
        self.emit("%swriter.beginObject()" % i2)
        for f in ordered:
            self.emit(i2 + self.json_write_line(f))
        self.emit("%swriter.endObject()" % i2)
        self.emit("%s}" % ind)
        self.emit()
        self.emit("%spublic mutating func decodeJSON(from json: ProtoJSONValue, options: ProtoJSONDecodingOptions)"
                  % ind)
        self.emit("%s    throws(ProtoJSONError)" % ind)
        self.emit("%s{" % ind)
        self.emit("%slet members = try ProtoJSONField.members(json)" % i2)
        if not ordered:
            self.emit("%sfor member in members {" % i2)
            self.emit("%stry ProtoJSONField.unknownKey(member.key, in: Self.protoMessageName, options)" % i3)
            self.emit("%s}" % i2)
            self.emit("%s}" % ind)
            return
        oneof_seen = []
        for f in ordered:
            if f.oneof is not None and f.oneof["index"] not in oneof_seen:
                oneof_seen.append(f.oneof["index"])
                self.emit("%svar seen_%s = false" % (i2, f.oneof["name"]))
        self.emit("%svar key = \"\"" % i2)
        self.emit("%sdo throws(ProtoJSONError) {" % i2)
        self.emit("%sfor member in members {" % i3)
        self.emit("%skey = member.key" % i4)
        self.emit("%sswitch member.key {" % i4)
        used = set()
        for f in ordered:
            labels = [n for n in dict.fromkeys([f.json_name, f.name]) if n not in used]
            used.update(labels)
            if not labels:
                continue
            self.emit("%scase %s:" % (i4, ", ".join(swift_string(l) for l in labels)))
            for line in self.json_read_lines(f):
                self.emit(i4 + "    " + line)
        self.emit("%sdefault:" % i4)
        self.emit("%s    try ProtoJSONField.unknownKey(member.key, in: Self.protoMessageName, options)" % i4)
        self.emit("%s}" % i4)
        self.emit("%s}" % i3)
        self.emit("%s} catch {" % i2)
        self.emit("%sthrow error.within(key)" % i3)
        self.emit("%s}" % i2)
        self.emit("%s}" % ind)

    # Per-field snippets.

    def size_line(self, f):
        if f.oneof is not None:
            return "if case .%s(let value)? = %s { size += ProtoFieldSize.field(%d, %s.self, value) }" % (
                f.prop, f.oneof["ref"], f.tag(), f.codec)
        if f.is_map:
            return "size += ProtoFieldSize.map(%d, %s.self, %s.self, %s)" % (
                f.tag(2), f.key_codec, f.value_codec, f.ref)
        if f.repeated:
            if f.packable_write:
                return "size += ProtoFieldSize.packed(%d, %s.self, %s)" % (f.tag(2), f.codec, f.ref)
            return "size += ProtoFieldSize.repeated(%d, %s.self, %s)" % (f.tag(), f.codec, f.ref)
        if f.has_presence:
            return "size += ProtoFieldSize.optional(%d, %s.self, %s)" % (f.tag(), f.codec, f.ref)
        return "size += ProtoFieldSize.singular(%d, %s.self, %s)" % (f.tag(), f.codec, f.ref)

    def write_line(self, f):
        if f.oneof is not None:
            return "if case .%s(let value)? = %s { writer.writeField(%d, %s.self, value) }" % (
                f.prop, f.oneof["ref"], f.tag(), f.codec)
        if f.is_map:
            return "writer.writeMap(%d, %s.self, %s.self, %s)" % (f.tag(2), f.key_codec, f.value_codec, f.ref)
        if f.repeated:
            if f.packable_write:
                return "writer.writePacked(%d, %s.self, %s)" % (f.tag(2), f.codec, f.ref)
            return "writer.writeRepeated(%d, %s.self, %s)" % (f.tag(), f.codec, f.ref)
        if f.has_presence:
            return "writer.writeOptional(%d, %s.self, %s)" % (f.tag(), f.codec, f.ref)
        return "writer.writeSingular(%d, %s.self, %s)" % (f.tag(), f.codec, f.ref)

    def decode_cases(self, f):
        if f.oneof is not None:
            o = f.oneof["ref"]
            if f.is_message:
                return [
                    "case %d:" % f.tag(),
                    "    var message = %s()" % f.element_type,
                    "    if case .%s(let existing)? = %s { message = existing }" % (f.prop, o),
                    "    %s = nil" % o,
                    "    try reader.readMessage(into: &message)",
                    "    %s = .%s(message)" % (o, f.prop),
                ]
            return ["case %d: %s = .%s(try %s.read(from: &reader))" % (f.tag(), o, f.prop, f.codec)]
        if f.is_map:
            return ["case %d: try reader.readMapEntry(%s.self, %s.self, into: &%s)" % (
                f.tag(2), f.key_codec, f.value_codec, f.ref)]
        if f.repeated:
            lines = ["case %d: try reader.readRepeated(%s.self, into: &%s)" % (f.tag(), f.codec, f.ref)]
            if f.packable:
                lines.append("case %d: try reader.readPacked(%s.self, into: &%s)" % (f.tag(2), f.codec, f.ref))
            return lines
        if f.is_message:
            return ["case %d: try reader.readMessage(into: &%s)" % (f.tag(), f.ref)]
        return ["case %d: %s = try %s.read(from: &reader)" % (f.tag(), f.ref, f.codec)]

    def json_write_line(self, f):
        names = "%s, %s" % (swift_string(f.json_name), swift_string(f.name))
        if f.oneof is not None:
            return ("if case .%s(let value)? = %s { writer.key(%s); %s.writeJSON(value, to: &writer) }"
                    % (f.prop, f.oneof["ref"], names, f.codec))
        if f.is_map:
            return "writer.writeMap(%s, %s.self, %s.self, %s)" % (names, f.key_codec, f.value_codec, f.ref)
        if f.repeated:
            return "writer.writeRepeated(%s, %s.self, %s)" % (names, f.codec, f.ref)
        if f.has_presence:
            return "writer.writeOptional(%s, %s.self, %s)" % (names, f.codec, f.ref)
        return "writer.writeSingular(%s, %s.self, %s)" % (names, f.codec, f.ref)

    def json_read_lines(self, f):
        if f.oneof is not None:
            o = f.oneof
            return [
                "if member.value.isNull { break }",
                "if seen_%s { throw ProtoJSONField.oneofConflict(%s) }" % (o["name"], swift_string(o["name"])),
                "seen_%s = true" % o["name"],
                "%s = .%s(try %s.readJSON(member.value, options: options))" % (o["ref"], f.prop, f.codec),
            ]
        if f.is_map:
            return ["%s = try ProtoJSONField.map(%s.self, %s.self, member.value, options)" % (
                f.ref, f.key_codec, f.value_codec)]
        if f.repeated:
            return ["%s = try ProtoJSONField.repeated(%s.self, member.value, options)" % (f.ref, f.codec)]
        if f.has_presence:
            return ["%s = try ProtoJSONField.optional(%s.self, member.value, options)" % (f.ref, f.codec)]
        return ["%s = try ProtoJSONField.singular(%s.self, member.value, options)" % (f.ref, f.codec)]

    # MARK: Services

    def service(self, s, swift_name, path):
        full = (self.f.package + "." if self.f.package else "") + s.name
        for line in self.comments.doc(path, ""):
            self.emit(line)
        self.emit("public enum %s {" % swift_name)
        self.emit("    /// The fully-qualified service name.")
        self.emit("    public static let name = %s" % swift_string(full))
        self.emit()
        self.emit("    /// One descriptor per RPC, with its request and response types.")
        self.emit("    public enum Method {")
        routes = []
        for j, meth in enumerate(s.method):
            req = self.types.message(meth.input_type)[1]
            resp = self.types.message(meth.output_type)[1]
            kind = {(False, False): "unary", (False, True): "serverStreaming",
                    (True, False): "clientStreaming", (True, True): "bidirectionalStreaming"}[
                (meth.client_streaming, meth.server_streaming)]
            for line in self.comments.doc(path + [2, j], "        "):
                self.emit(line)
            prop = escape(lower_camel(upper_snake(meth.name).lower()))
            self.emit("        public static let %s = RPCMethod<%s, %s>(" % (prop, req, resp))
            self.emit("            RPCMethodDescriptor(")
            self.emit("                service: %s, method: %s, kind: .%s," % (
                swift_string(full), swift_string(meth.name), kind))
            self.emit("                requestType: %s, responseType: %s))" % (
                swift_string(meth.input_type[1:]), swift_string(meth.output_type[1:])))
            for rule in http_rules(meth):
                routes.append((prop, rule))
        self.emit("    }")
        self.emit()
        self.emit("    /// The service with its methods and REST routes.")
        self.emit("    public static let descriptor = RPCServiceDescriptor(")
        self.emit("        name: name, file: %s," % swift_string(self.f.name))
        methods = ", ".join("Method.%s.descriptor" % escape(lower_camel(upper_snake(m.name).lower()))
                            for m in s.method)
        self.emit("        methods: [%s]," % methods)
        if routes:
            self.emit("        routes: [")
            for prop, (verb, path_t, body, response_body) in routes:
                self.emit("            HTTPRoute(")
                self.emit("                verb: %s, pathTemplate: %s, body: %s, responseBody: %s," % (
                    swift_string(verb), swift_string(path_t), swift_string(body), swift_string(response_body)))
                self.emit("                method: Method.%s.descriptor)," % prop)
            self.emit("        ])")
        else:
            self.emit("        routes: [])")
        self.emit("}")


# MARK: google.api.http

_http_rule_class = None


def _read_varint(data, i):
    result, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def http_rule_bytes(method):
    """The serialized google.api.HttpRule on a method, found among the unknown fields
    of its MethodOptions (the plugin has no compiled annotations module)."""
    data = method.options.SerializeToString()
    i = 0
    while i < len(data):
        tag, i = _read_varint(data, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            _, i = _read_varint(data, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = _read_varint(data, i)
            if field == HTTP_EXTENSION_FIELD:
                return data[i:i + length]
            i += length
        else:
            raise GeneratorError("unexpected wire type in MethodOptions of %s" % method.name)
    return None


def http_rules(method):
    raw = http_rule_bytes(method)
    if raw is None:
        return []
    if _http_rule_class is None:
        raise GeneratorError("%s has a google.api.http option but google/api/http.proto was not loaded"
                             % method.name)
    rule = _http_rule_class()
    rule.ParseFromString(raw)
    out = []
    for r in [rule] + list(rule.additional_bindings):
        pattern = r.WhichOneof("pattern")
        if pattern is None:
            raise GeneratorError("%s: google.api.http rule without a pattern" % method.name)
        if pattern == "custom":
            verb, path = r.custom.kind, r.custom.path
        else:
            verb, path = pattern.upper(), getattr(r, pattern)
        out.append((verb, path, r.body, r.response_body))
    return out


def load_http_rule_class(files):
    global _http_rule_class
    names = {f.name for f in files}
    if "google/api/http.proto" not in names:
        return
    pool = descriptor_pool.DescriptorPool()
    for f in files:
        pool.Add(f)
    desc = pool.FindMessageTypeByName("google.api.HttpRule")
    if hasattr(message_factory, "GetMessageClass"):
        _http_rule_class = message_factory.GetMessageClass(desc)
    else:
        _http_rule_class = message_factory.MessageFactory(pool).GetPrototype(desc)


# MARK: Registry

def symbols_of(f):
    scope = f.package + "." if f.package else ""
    out = []

    def walk_message(m, prefix):
        full = prefix + m.name
        out.append(full)
        for n in m.nested_type:
            walk_message(n, full + ".")
        for e in m.enum_type:
            out.append(full + "." + e.name)

    for m in f.message_type:
        walk_message(m, scope)
    for e in f.enum_type:
        out.append(scope + e.name)
    for s in f.service:
        out.append(scope + s.name)
        for meth in s.method:
            out.append(scope + s.name + "." + meth.name)
    return out


def registry_file(files, generated, registry, imports):
    lines = [
        "// DO NOT EDIT. Generated by protoc-gen-swarm.",
        "// Regenerate with `make proto`; the source of truth is Protos/.",
        "",
    ]
    for module in imports:
        lines.append("import %s" % module)
    if imports:
        lines.append("")
    lines.append("/// Every `.proto` file these types were generated from, with its imports, as")
    lines.append("/// serialized descriptors for gRPC server reflection, and every service.")
    lines.append("public enum %s {" % registry)
    lines.append("    /// The files in dependency order (a file comes after everything it imports).")
    lines.append("    public static let files: [ProtoFileDescriptor] = [")
    for f in files:
        stripped = descriptor_pb2.FileDescriptorProto()
        stripped.CopyFrom(f)
        stripped.ClearField("source_code_info")
        encoded = base64.b64encode(stripped.SerializeToString(deterministic=True)).decode("ascii")
        chunks = [encoded[i:i + 100] for i in range(0, len(encoded), 100)] or [""]
        lines.append("        ProtoFileDescriptor(")
        lines.append("            name: %s, package: %s," % (swift_string(f.name), swift_string(f.package)))
        deps = ", ".join(swift_string(d) for d in f.dependency)
        lines.append("            dependencies: [%s]," % deps)
        syms = symbols_of(f)
        if syms:
            lines.append("            symbols: [")
            for s in syms:
                lines.append("                %s," % swift_string(s))
            lines.append("            ],")
        else:
            lines.append("            symbols: [],")
        lines.append('            base64: """')
        for c in chunks:
            lines.append("                " + c)
        lines.append('                """),')
    lines.append("    ]")
    lines.append("")
    lines.append("    /// The generated message type with a fully-qualified name, e.g. for a")
    lines.append("    /// transport that learns the type from a method descriptor.")
    lines.append("    public static func messageType(named name: String) -> (any ProtoMessage.Type)? {")
    messages = []
    for f in generated:
        prefix = package_prefix(f.package)
        scope = f.package + "." if f.package else ""

        def walk(m, full, swift):
            if m.options.map_entry:
                return
            messages.append((full, swift))
            for n in m.nested_type:
                walk(n, full + "." + n.name, swift + "." + TypeIndex._type_name(n.name))

        for m in f.message_type:
            walk(m, scope + m.name, prefix + TypeIndex._type_name(m.name))
    if messages:
        lines.append("        switch name {")
        for full, swift in messages:
            lines.append("        case %s: return %s.self" % (swift_string(full), swift))
        lines.append("        default: return nil")
        lines.append("        }")
    else:
        lines.append("        nil")
    lines.append("    }")
    lines.append("")
    lines.append("    /// The services declared in the generated files.")
    services = []
    for f in generated:
        prefix = package_prefix(f.package)
        for s in f.service:
            services.append("%s%s.descriptor" % (prefix, s.name))
    if services:
        lines.append("    public static let services: [RPCServiceDescriptor] = [")
        for s in services:
            lines.append("        %s," % s)
        lines.append("    ]")
    else:
        lines.append("    public static let services: [RPCServiceDescriptor] = []")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    request = plugin_pb2.CodeGeneratorRequest()
    request.ParseFromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    params = dict(p.split("=", 1) for p in request.parameter.split(",") if "=" in p)
    registry = params.get("registry", "SwarmProtoFiles")
    imports = [m for m in params.get("imports", "").split(":") if m]
    try:
        files = list(request.proto_file)
        types = TypeIndex(files)
        load_http_rule_class(files)
        by_name = {f.name: f for f in files}
        generated = []
        for name in request.file_to_generate:
            f = by_name[name]
            if f.syntax != "proto3":
                raise GeneratorError("%s: only proto3 files are supported" % name)
            out = response.file.add()
            out.name = name.replace("/", "_").replace(".proto", "") + ".pb.swift"
            out.content = FileGenerator(f, types, imports).generate()
            generated.append(f)
        reg = response.file.add()
        reg.name = registry + ".registry.swift"
        reg.content = registry_file(files, generated, registry, imports)
    except GeneratorError as error:
        response.error = str(error)
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()

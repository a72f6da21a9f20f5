import SwarmProto

extension Metadata {
    /// Headers that belong to HTTP/2 or to gRPC itself and are never metadata.
    static func isReserved(_ name: String) -> Bool {
        if name.hasPrefix(":") || name.hasPrefix("grpc-") { return true }
        switch name {
        case "content-type", "te", "user-agent", "content-length", "connection",
            "host", "accept-encoding", "transfer-encoding", "keep-alive":
            return true
        default:
            return false
        }
    }

    /// Adds a header received on the wire, decoding `-bin` values. Returns false when
    /// a `-bin` value is not base64 (the caller decides what that costs the call).
    mutating func addWire(name: String, value: String) -> Bool {
        if name.hasSuffix("-bin") {
            guard let bytes = ProtoBase64.decode(value) else { return false }
            add(binary: name, bytes)
        } else {
            add(name, value)
        }
        return true
    }

    /// The entries as header fields, `-bin` values base64-encoded (padded). Entries
    /// that cannot be sent are left out rather than break the stream: reserved keys,
    /// keys outside `[0-9a-z_.-]`, and ASCII values outside printable ASCII.
    var wireHeaders: [(name: String, value: String)] {
        compactMap { entry in
            guard Self.isValidKey(entry.key), !Self.isReserved(entry.key) else { return nil }
            switch entry.value {
            case .string(let value):
                guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return nil }
                return (entry.key, value)
            case .binary(let bytes):
                return (entry.key, ProtoBase64.encode(bytes))
            }
        }
    }

    /// gRPC's Header-Name: lower-case letters, digits, `_`, `-` and `.`.
    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                    || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            }
    }
}

private import CSwarmProtoC

extension Conformance {
    /// protobuf-c, in process, through the byte-buffer functions of
    /// `Sources/CSwarmProtoC/include/swarm_pbc_oracle.h`.
    enum ProtobufC {
        /// protobuf-c's own encoding of what it unpacked from `bytes`, or nil when it
        /// rejected them.
        static func reencode(_ bytes: [UInt8]) -> [UInt8]? {
            var output: UnsafeMutablePointer<UInt8>?
            var count = 0
            let status = bytes.withUnsafeBufferPointer {
                swarm_pbc_reencode_alltypes($0.baseAddress, $0.count, &output, &count)
            }
            defer { swarm_pbc_free(output) }
            guard status == 0, let output else { return nil }
            return Array(UnsafeBufferPointer(start: output, count: count))
        }

        /// The values protobuf-c unpacked from `bytes`, listed as `valueListing` lists a
        /// Swift message; nil when it rejected them.
        static func valueListing(_ bytes: [UInt8]) -> String? {
            var output: UnsafeMutablePointer<CChar>?
            var count = 0
            let status = bytes.withUnsafeBufferPointer {
                swarm_pbc_dump_alltypes($0.baseAddress, $0.count, &output, &count)
            }
            defer { swarm_pbc_free(output) }
            guard status == 0, let output else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: output, count: count), as: UTF8.self)
        }
    }
}

// `make fuzz`: libFuzzer drives the SwarmProto decoders with arbitrary bytes.
//
// Built only with OPENSWARM_FUZZ=1 and `-sanitize=fuzzer,address` (see Package.swift
// and the Makefile). Each input is decoded as several API messages, in binary and as
// JSON. Decoding may fail — with a typed error — but must never crash, and whatever
// decodes must re-encode to bytes that decode to the same bytes again.
import SwarmProto

#if canImport(Glibc)
    import Glibc
#endif

/// Decodes `bytes` as `M`; when that works, checks that encoding is stable.
func exercise<M: ProtoMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
    if let message = try? M(serializedBytes: bytes) {
        let encoded = message.serializedBytes()
        guard let again = try? M(serializedBytes: encoded), again.serializedBytes() == encoded else {
            fatalError("\(M.protoMessageName): re-encoding is not stable")  // a codec bug: report it
        }
        // JSON output of any decodable message must itself be valid JSON.
        if (try? ProtoJSONParser.parse(message.jsonUTF8Bytes())) == nil {
            fatalError("\(M.protoMessageName): jsonUTF8Bytes() wrote invalid JSON")
        }
    }
    if let message = try? M(jsonUTF8Bytes: Array(bytes)) {
        _ = message.serializedBytes()
        _ = message.jsonString()
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
let status = llvmFuzzerRunDriver(&argc, &argv) { data, size in
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    exercise(Openswarm_V1_Lease.self, bytes)
    exercise(Openswarm_V1_TaskResult.self, bytes)
    exercise(Openswarm_V1_SubmitDagRequest.self, bytes)
    exercise(Openswarm_V1_Event.self, bytes)
    exercise(Openswarm_V1_Node.self, bytes)
    return 0
}
exit(status)

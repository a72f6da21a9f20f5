// `make fuzz`: libFuzzer drives one gRPC server connection (HTTP/2 framing, HPACK,
// gRPC headers and length-prefixed messages) with arbitrary bytes.
//
// Built only with OPENSWARM_FUZZ=1 and `-sanitize=fuzzer,address` (see Package.swift and
// the Makefile). Every input gets a fresh connection; any crash, trap or memory error
// is a bug.
import SwarmRPC

#if canImport(Glibc)
    import Glibc
#endif

@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
let status = llvmFuzzerRunDriver(&argc, &argv) { data, size in
    guard let data else { return 0 }
    ServerConnectionFuzzing.feed(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
exit(status)

/// How a client names a call's end when the server gave no `grpc-status`
/// (gRPC's PROTOCOL-HTTP2.md and http-grpc-status-mapping.md).
enum ClientStatusMapping {
    /// The status for a stream the peer reset with an HTTP/2 error code.
    static func status(forResetCode code: UInt32) -> RPCStatus {
        switch code {
        case 0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x9:  // NO_ERROR before trailers, ..., COMPRESSION_ERROR
            RPCStatus(code: .internal, message: "the server reset the stream (HTTP/2 error \(code))")
        case 0x7: RPCStatus(code: .unavailable, message: "the server refused the stream")
        case 0x8: RPCStatus(code: .cancelled, message: "the server cancelled the stream")
        case 0xb: RPCStatus(code: .resourceExhausted, message: "the server asked to enhance our calm")
        case 0xc: RPCStatus(code: .permissionDenied, message: "inadequate security")
        default: RPCStatus(code: .internal, message: "the stream was reset (HTTP/2 error \(code))")
        }
    }

    /// The status for a response whose HTTP status is not 200.
    static func status(forHTTPStatus status: String) -> RPCStatus {
        let code: RPCStatus.Code =
            switch status {
            case "400": .internal
            case "401": .unauthenticated
            case "403": .permissionDenied
            case "404": .unimplemented
            case "429", "502", "503", "504": .unavailable
            default: .unknown
            }
        return RPCStatus(code: code, message: "HTTP status \(status)")
    }
}

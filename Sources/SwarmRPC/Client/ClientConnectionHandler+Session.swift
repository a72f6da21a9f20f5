import NIOCore

/// Session events: response headers, messages and trailers become the parts of
/// each call's stream.
extension ClientConnectionHandler: HTTP2SessionDelegate {
    func session(didReceiveHeaders headers: [HTTP2Header], kind: HTTP2HeaderKind, streamID: Int32, endStream: Bool) {
        guard var call = calls[streamID], !call.ended else { return }
        if kind == .response, !call.sawHeaders {
            call.sawHeaders = true
            calls[streamID] = call
            let httpStatus = headers.first { $0.name == ":status" }?.value ?? ""
            guard httpStatus == "200" else {
                end(streamID: streamID, ClientStatusMapping.status(forHTTPStatus: httpStatus), trailers: Metadata())
                session?.resetStream(streamID: streamID, errorCode: .cancel)
                return
            }
            if endStream {
                // Trailers-Only.
                let (status, trailers) = Self.status(from: headers)
                end(streamID: streamID, status, trailers: trailers)
                return
            }
            let contentType = headers.first { $0.name == "content-type" }?.value.lowercased() ?? ""
            guard contentType.hasPrefix("application/grpc") else {
                end(
                    streamID: streamID, RPCStatus(code: .unknown, message: "content-type \(contentType) is not gRPC"),
                    trailers: Metadata())
                session?.resetStream(streamID: streamID, errorCode: .cancel)
                return
            }
            var metadata = Metadata()
            for header in headers {
                if header.name == "grpc-encoding" {
                    switch header.value {
                    case "identity": call.deframer.encoding = .identity
                    case "gzip": call.deframer.encoding = .gzip
                    default:
                        end(
                            streamID: streamID,
                            RPCStatus(
                                code: .internal,
                                message: "the response's grpc-encoding \(header.value) is not supported"),
                            trailers: Metadata())
                        session?.resetStream(streamID: streamID, errorCode: .cancel)
                        return
                    }
                } else if !Metadata.isReserved(header.name) {
                    _ = metadata.addWire(name: header.name, value: header.value)
                }
            }
            calls[streamID] = call
            call.parts.yield(.initialMetadata(metadata))
        } else {
            let (status, trailers) = Self.status(from: headers)
            end(streamID: streamID, status, trailers: trailers)
        }
    }

    func session(didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        guard var call = calls[streamID], !call.ended else { return }
        call.deframer.append(bytes)
        var failure: RPCStatus?
        while failure == nil {
            do throws(MessageDeframer.Failure) {
                guard let message = try call.deframer.next() else { break }
                call.parts.yield(.message(message, compressed: call.deframer.lastMessageCompressed))
            } catch {
                switch error {
                case .tooLarge(let length, let limit):
                    failure = RPCStatus(
                        code: .resourceExhausted, message: "a response of \(length) bytes is over the limit of \(limit)"
                    )
                case .compressedWithoutEncoding:
                    failure = RPCStatus(code: .internal, message: "a compressed response without grpc-encoding")
                case .decompressedTooLarge(let limit):
                    failure = RPCStatus(
                        code: .resourceExhausted,
                        message: "a response decompresses to more than the limit of \(limit) bytes")
                case .corrupt(let reason):
                    failure = RPCStatus(code: .internal, message: "a response does not decompress: \(reason)")
                }
            }
        }
        calls[streamID] = call
        if let failure {
            end(streamID: streamID, failure, trailers: Metadata())
            session?.resetStream(streamID: streamID, errorCode: .cancel)
        }
    }

    func session(didReceiveEndStream streamID: Int32) {
        // END_STREAM on DATA: the server ended without trailers.
        end(
            streamID: streamID, RPCStatus(code: .internal, message: "the response ended without a status"),
            trailers: Metadata())
    }

    func session(didCloseStream streamID: Int32, errorCode: UInt32) {
        if calls[streamID]?.ended == false {
            end(streamID: streamID, ClientStatusMapping.status(forResetCode: errorCode), trailers: Metadata())
        }
        calls[streamID] = nil
    }

    func sessionDidReceiveSettings() {}

    func session(didReceiveReset streamID: Int32) {}

    func sessionDidReceivePingAck() {}

    func session(didReceiveOversizedHeaders streamID: Int32, size: Int, limit: Int) {
        end(
            streamID: streamID,
            RPCStatus(code: .resourceExhausted, message: "a response header list of \(size) bytes is over \(limit)"),
            trailers: Metadata())
        session?.resetStream(streamID: streamID, errorCode: .cancel)
    }
}

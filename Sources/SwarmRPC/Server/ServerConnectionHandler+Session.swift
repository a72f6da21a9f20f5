import NIOCore
import SwarmProto

/// Session events: requests become calls, bytes become messages, closed streams
/// cancel their handlers.
extension ServerConnectionHandler: HTTP2SessionDelegate {
    func session(didReceiveHeaders headers: [HTTP2Header], kind: HTTP2HeaderKind, streamID: Int32, endStream: Bool) {
        guard kind == .request else {
            // Client trailers carry nothing gRPC uses; END_STREAM on them still counts.
            if endStream { session(didReceiveEndStream: streamID) }
            return
        }
        guard let context, !closing else { return }
        var method: String?
        var path: String?
        var contentType: String?
        var timeout: String?
        var encoding: String?
        var acceptEncoding: String?
        var metadata = Metadata()
        var badBinary = false
        for header in headers {
            switch header.name {
            case ":method": method = header.value
            case ":path": path = header.value
            case "content-type": contentType = header.value
            case "grpc-timeout": timeout = header.value
            case "grpc-encoding": encoding = header.value
            case "grpc-accept-encoding": acceptEncoding = header.value
            default:
                if !Metadata.isReserved(header.name), !metadata.addWire(name: header.name, value: header.value) {
                    badBinary = true
                }
            }
        }
        guard method == "POST" else {
            reject(
                streamID: streamID, httpStatus: "405", status: RPCStatus(code: .internal, message: "gRPC needs POST"))
            return
        }
        guard Self.isGRPCContentType(contentType) else {
            reject(
                streamID: streamID, httpStatus: "415",
                status: RPCStatus(code: .internal, message: "content-type \(contentType ?? "(none)") is not gRPC"))
            return
        }
        guard let path, let handler = route(path) else {
            reject(
                streamID: streamID,
                status: RPCStatus(code: .unimplemented, message: "Method not found: \(path ?? "(no path)")"))
            return
        }
        let requestCompression: RPCCompression
        switch encoding {
        case nil, "identity": requestCompression = .identity
        case "gzip": requestCompression = .gzip
        case let encoding?:
            // compression.md: UNIMPLEMENTED, and the encodings this server accepts.
            reject(
                streamID: streamID,
                status: RPCStatus(code: .unimplemented, message: "grpc-encoding \(encoding) is not supported"),
                extra: [HTTP2Header("grpc-accept-encoding", RPCCompression.acceptEncoding)])
            return
        }
        var timeoutNanos: Int64?
        if let timeout {
            guard let parsed = GRPCTimeout.parse(timeout) else {
                reject(streamID: streamID, status: RPCStatus(code: .internal, message: "malformed grpc-timeout"))
                return
            }
            timeoutNanos = parsed
        }
        guard !badBinary else {
            reject(streamID: streamID, status: RPCStatus(code: .internal, message: "-bin metadata is not base64"))
            return
        }

        let deadline = timeoutNanos.map { ContinuousClock.now.advanced(by: .nanoseconds($0)) }
        let callContext = ServerContext(
            method: handler.descriptor, metadata: metadata, peer: peer, deadline: deadline,
            responseCompression: configuration.responseCompression,
            clientAcceptsGzip: acceptEncoding.map(RPCCompression.acceptsGzip) ?? false)
        let deframer = MessageDeframer(
            maxMessageSize: configuration.maxReceiveMessageSize, encoding: requestCompression)
        let call: ServerCall
        switch handler.body {
        case .unary(let unary):
            // The handler starts at END_STREAM, with the one message (`startUnary`).
            call = ServerCall(context: callContext, requests: nil, unary: unary, deframer: deframer)
        case .streaming(let run):
            let (requests, continuation) = RawMessageStream.makeStream()
            if endStream { continuation.finish() }
            call = ServerCall(context: callContext, requests: continuation, deframer: deframer)
            call.task = ServerCallRunner.start(
                run, requests: requests, sink: sink(streamID, callContext, on: context.eventLoop), context: callContext,
                executor: executor)
        }
        if let timeoutNanos {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            call.deadlineTimer = context.eventLoop.scheduleTask(in: .nanoseconds(timeoutNanos)) {
                bound.value.deadlinePassed(streamID: streamID)
            }
        }
        calls[streamID] = call
        cancelIdleTimer()
        if endStream, call.unary != nil { startUnary(streamID) }
    }

    /// The handler for a `:path`. A connection usually calls one method over and over,
    /// and the header cache hands out the same string for the same path, so the last
    /// route is checked first (equal storage compares without reading the bytes).
    func route(_ path: String) -> ServerMethodHandler? {
        if let lastRoute, lastRoute.path == path { return lastRoute.handler }
        guard let handler = router.handler(forPath: path) else { return nil }
        lastRoute = (path, handler)
        return handler
    }

    func sink(_ streamID: Int32, _ context: ServerContext, on eventLoop: any EventLoop) -> ServerCallSink {
        ServerCallSink(
            streamID: streamID, eventLoop: eventLoop, connection: NIOLoopBound(self, eventLoop: eventLoop),
            context: context)
    }

    /// The client half-closed a unary call: its handler runs with the one request
    /// message, or the call ends with INTERNAL when there was none.
    func startUnary(_ streamID: Int32) {
        guard let context, let call = calls[streamID], !call.finished, let unary = call.unary else { return }
        call.unary = nil
        guard let request = call.request else {
            finishCall(
                streamID: streamID, status: RPCStatus(code: .internal, message: "the client sent no request message"),
                trailers: Metadata())
            return
        }
        call.request = nil
        let run: ServerMethodHandler.UnaryRun
        do throws(RPCError) {
            run = try unary(request)
        } catch {
            finishCall(streamID: streamID, status: error.status, trailers: error.metadata)
            return
        }
        call.task = ServerCallRunner.startUnary(
            run, sink: sink(streamID, call.context, on: context.eventLoop), context: call.context, executor: executor)
    }

    func session(didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        guard let call = calls[streamID], !call.finished else {
            session?.consumeStream(streamID, bytes.count)  // nobody will read it
            return
        }
        if call.requests == nil, call.request == nil, call.unary != nil,
            let message = call.deframer.wholeMessage(in: bytes)
        {
            call.request = message  // a unary request in one DATA frame: no buffering
        } else {
            call.deframer.append(bytes)
            deliverRequests(call, streamID: streamID)
        }
        if call.queuedBytes <= configuration.maxQueuedRequestBytes {
            session?.consumeStream(streamID, bytes.count)
        } else {
            call.owedBytes += bytes.count
        }
    }

    /// Hands the whole messages buffered in the call's deframer to its handler (or
    /// keeps a unary call's one message). A streaming call takes messages only while
    /// its handler holds no more than `maxQueuedRequestBytes`: the rest wait in the
    /// deframer, as they came (a gzip message is inflated only when it is its turn),
    /// so what a call holds stays bounded even when messages decompress to far more
    /// than their size on the wire. The handler taking messages calls this again.
    func deliverRequests(_ call: ServerCall, streamID: Int32) {
        guard !call.finished else { return }
        var failure: RPCStatus?
        var drained = false
        while failure == nil {
            if call.requests != nil, call.queuedBytes > configuration.maxQueuedRequestBytes { break }
            do throws(MessageDeframer.Failure) {
                guard let message = try call.deframer.next() else {
                    drained = true
                    break
                }
                if call.deframer.lastMessageCompressed { call.context.markRequestCompressed() }
                if let requests = call.requests {
                    call.queuedBytes += LengthPrefixedMessage.headerSize + message.count
                    requests.yield(message)
                } else if call.request == nil, call.unary != nil {
                    call.request = message  // a unary call's one message
                } else {
                    failure = RPCStatus(code: .internal, message: "the client sent more than one request message")
                }
            } catch {
                switch error {
                case .tooLarge(let length, let limit):
                    failure = RPCStatus(
                        code: .resourceExhausted,
                        message: "a request message of \(length) bytes is over the limit of \(limit)")
                case .compressedWithoutEncoding:
                    failure = RPCStatus(code: .internal, message: "a compressed message without grpc-encoding")
                case .decompressedTooLarge(let limit):
                    failure = RPCStatus(
                        code: .resourceExhausted,
                        message: "a request message decompresses to more than the limit of \(limit) bytes")
                case .corrupt(let reason):
                    failure = RPCStatus(code: .internal, message: "a request message does not decompress: \(reason)")
                }
            }
        }
        if let failure {
            call.task?.cancel()
            call.requests?.finish(throwing: RPCError(failure.code, failure.message))
            finishCall(streamID: streamID, status: failure, trailers: Metadata())
        } else if drained, call.requestsEnded {
            call.requests?.finish()
        }
    }

    func session(didReceiveEndStream streamID: Int32) {
        guard let call = calls[streamID] else { return }
        if call.requests != nil {
            // The stream ends once the messages still buffered are taken.
            call.requestsEnded = true
            deliverRequests(call, streamID: streamID)
        } else {
            startUnary(streamID)
        }
    }

    func session(didCloseStream streamID: Int32, errorCode: UInt32) {
        guard let call = calls.removeValue(forKey: streamID) else { return }
        call.deadlineTimer?.cancel()
        if !call.finished || errorCode != 0 { call.task?.cancel() }
        call.requests?.finish(throwing: RPCError(.cancelled, "the client cancelled the call"))
        if calls.isEmpty { scheduleIdleTimer() }
    }

    func sessionDidReceiveSettings() {
        handshakeCompleted()
    }

    func session(didReceiveReset streamID: Int32) {
        guard let context else { return }
        if !resetLimiter.record(at: context.eventLoop.now) {
            // Rapid reset: stop reading, tell the client why, close after the flush.
            session?.terminate(errorCode: .enhanceYourCalm)
        }
    }

    func sessionDidReceivePingAck() {
        keepaliveAcknowledged()
    }

    func session(didReceiveOversizedHeaders streamID: Int32, size: Int, limit: Int) {
        guard calls[streamID] == nil else {
            // Trailers too large on a running call: end it.
            finishCall(
                streamID: streamID,
                status: RPCStatus(code: .resourceExhausted, message: "trailers over the header list limit"),
                trailers: Metadata())
            return
        }
        reject(
            streamID: streamID,
            status: RPCStatus(
                code: .resourceExhausted, message: "a header list of \(size) bytes is over the limit of \(limit)"))
    }
}

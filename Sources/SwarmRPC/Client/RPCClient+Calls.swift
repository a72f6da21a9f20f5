import SwarmProto

/// The four call kinds. Each opens a stream on the client's connection, sends, reads
/// until the status, and resets the stream when the calling task is cancelled.
extension RPCClient {
    /// One request, one response.
    public func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: CallOptions = CallOptions()
    ) async throws -> Response {
        try await unaryResponse(method, request, options: options).message
    }

    /// One request, one response, with the response's metadata.
    public func unaryResponse<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: CallOptions = CallOptions()
    ) async throws -> RPCClientResponse<Response> {
        let call = try await open(method.descriptor.path, options: options, request: request.serializedBytes())
        return try await withTaskCancellationHandler {
            var initial = Metadata()
            var messages: [[UInt8]] = []
            var compressed = false
            for await part in call.parts {
                switch part {
                case .initialMetadata(let metadata): initial = metadata
                case .message(let bytes, let wasCompressed):
                    messages.append(bytes)
                    compressed = wasCompressed
                case .end(let status, let trailers):
                    guard status.code == .ok else { throw RPCError(status.code, status.message, metadata: trailers) }
                    guard messages.count == 1, let bytes = messages.first else {
                        throw RPCError(.internal, "a unary call got \(messages.count) response messages")
                    }
                    return RPCClientResponse(
                        message: try Self.decode(Response.self, bytes), initialMetadata: initial,
                        trailingMetadata: trailers, compressed: compressed)
                }
            }
            throw Self.endedEarly()
        } onCancel: {
            call.cancel()
        }
    }

    /// One request, a stream of responses, read inside `body`. The stream throws
    /// `RPCError` at its end when the status is not OK.
    public func serverStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: CallOptions = CallOptions(),
        _ body: (RPCClientResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        let call = try await open(method.descriptor.path, options: options, request: request.serializedBytes())
        return try await withTaskCancellationHandler {
            let result = try await body(RPCClientResponseStream(parts: call.parts))
            call.cancel()  // the body stopped reading early: release the stream (no-op after the end)
            return result
        } onCancel: {
            call.cancel()
        }
    }

    /// A stream of requests written by `requests`, one response.
    ///
    /// ```swift
    /// let summary = try await client.clientStreaming(UploadService.Method.upload) { writer in
    ///     for chunk in chunks { try await writer.write(chunk) }
    /// }
    /// ```
    public func clientStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>, options: CallOptions = CallOptions(),
        requests: @escaping @Sendable (RPCRequestWriter<Request>) async throws -> Void
    ) async throws -> Response {
        try await bidirectionalStreaming(method, options: options, requests: requests) { responses in
            var iterator = responses.makeAsyncIterator()
            guard let response = try await iterator.next() else {
                throw RPCError(.internal, "a client-streaming call got no response message")
            }
            guard try await iterator.next() == nil else {
                throw RPCError(.internal, "a client-streaming call got more than one response message")
            }
            return response
        }
    }

    /// Requests written by `requests` while `responses` reads the replies; the two
    /// run concurrently. The call half-closes when `requests` returns.
    ///
    /// ```swift
    /// try await client.bidirectionalStreaming(Chat.Method.talk) { writer in
    ///     try await writer.write(hello)
    /// } responses: { replies in
    ///     for try await reply in replies { print(reply) }
    /// }
    /// ```
    public func bidirectionalStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, options: CallOptions = CallOptions(),
        requests: @escaping @Sendable (RPCRequestWriter<Request>) async throws -> Void,
        responses: (RPCClientResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        let call = try await open(method.descriptor.path, options: options)
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await requests(RPCRequestWriter(call: call))
                        call.end()
                    } catch is ClientCallClosed {
                        // The call ended first; its status comes with the responses.
                    } catch {
                        call.cancel()
                        throw error
                    }
                }
                var result: Result?
                var failure: (any Error)?
                do {
                    result = try await responses(RPCClientResponseStream(parts: call.parts))
                } catch {
                    failure = error
                }
                // The responses are done with: release the stream (a no-op once the
                // status arrived) and stop the writer, whose pending write then fails.
                call.cancel()
                group.cancelAll()
                var writerFailure: (any Error)?
                while true {
                    do {
                        guard try await group.next() != nil else { break }
                    } catch is CancellationError {
                    } catch {
                        writerFailure = writerFailure ?? error
                    }
                }
                if let result, failure == nil { return result }
                // The writer's own error explains the call's end better than the
                // CANCELLED it caused.
                throw writerFailure ?? failure ?? RPCClient.endedEarly()
            }
        } onCancel: {
            call.cancel()
        }
    }
}

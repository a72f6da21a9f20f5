import NIOCore

/// A call in flight, as the task that made it holds it: sends hop onto the
/// connection's event loop, responses arrive on `parts`.
struct ClientCallHandle: Sendable {
    let streamID: Int32
    let parts: AsyncStream<ClientResponsePart>
    let eventLoop: any EventLoop
    let connection: NIOLoopBound<ClientConnectionHandler>
    /// How request messages are compressed (the call's `grpc-encoding`).
    let compression: RPCCompression

    /// Sends one serialized request message; returns once flow control let it out.
    /// Throws when the call is already over, which is no failure by itself: a server
    /// may answer (Trailers-Only) before the request is sent, and `parts` carries
    /// that status.
    func send(_ message: [UInt8]) async throws {
        let framed = try Self.frame(message, compression: compression)
        let promise = eventLoop.makePromise(of: Void.self)
        let (connection, streamID) = (self.connection, self.streamID)
        eventLoop.execute { connection.value.send(streamID: streamID, framed: framed, promise: promise) }
        do {
            try await promise.futureResult.get()
        } catch {
            throw ClientCallClosed()
        }
    }

    /// A request message with its gRPC length prefix, compressed as the call says.
    static func frame(_ message: [UInt8], compression: RPCCompression) throws(RPCError) -> [UInt8] {
        do throws(Gzip.Failure) {
            return try LengthPrefixedMessage.encode(message, compression: compression)
        } catch {
            throw RPCError(.internal, "could not compress a request message: \(error)")
        }
    }

    /// Half-closes: no more request messages.
    func end() {
        let (connection, streamID) = (self.connection, self.streamID)
        eventLoop.execute { connection.value.endRequest(streamID: streamID) }
    }

    /// RST_STREAM(CANCEL); the call ends with CANCELLED.
    func cancel() {
        let (connection, streamID) = (self.connection, self.streamID)
        eventLoop.execute {
            connection.value.cancel(streamID: streamID, status: RPCStatus(code: .cancelled, message: "cancelled"))
        }
    }
}

/// A request message could not be sent because the call is over; the call's status
/// (what the server said, or why it ended) is what its caller gets.
public struct ClientCallClosed: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String { "the call is over; its status ends its responses" }
}

import NIOCore

/// A call's way back to its connection: handler tasks run off the event loop, so
/// every response hops onto it here.
struct ServerCallSink: Sendable {
    let streamID: Int32
    let eventLoop: any EventLoop
    let connection: NIOLoopBound<ServerConnectionHandler>

    /// Sends one serialized message (sending the response headers first if they have
    /// not gone yet); returns once flow control has let it out.
    func write(_ message: [UInt8]) async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        let framed = LengthPrefixedMessage.frame(message)
        let (connection, streamID) = (self.connection, self.streamID)
        eventLoop.execute {
            connection.value.sendMessage(streamID: streamID, framed: framed, promise: promise)
        }
        do {
            try await promise.futureResult.get()
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(.cancelled, "the call was closed")
        }
    }

    /// The handler took a request message of `count` bytes (framed) from its stream.
    func taken(_ count: Int) {
        let (connection, streamID) = (self.connection, self.streamID)
        eventLoop.execute { connection.value.messageTaken(streamID: streamID, bytes: count) }
    }

    /// Ends the call with a status and trailing metadata.
    func finish(_ status: RPCStatus, trailers: Metadata) {
        let (connection, streamID) = (self.connection, self.streamID)
        eventLoop.execute {
            connection.value.finishCall(streamID: streamID, status: status, trailers: trailers)
        }
    }
}

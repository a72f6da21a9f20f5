import NIOCore

/// A call's way back to its connection. Handler tasks prefer the connection's event
/// loop, so a call is usually there already and goes straight in; from anywhere else
/// (a handler that hopped to an actor, or one run on the global pool) it hops.
struct ServerCallSink: Sendable {
    let streamID: Int32
    let eventLoop: any EventLoop
    let connection: NIOLoopBound<ServerConnectionHandler>

    /// Sends one serialized message (sending the response headers first if they have
    /// not gone yet); returns once flow control has let it out.
    func write(_ message: [UInt8]) async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        let framed = LengthPrefixedMessage.frame(message)
        onLoop { connection, streamID in
            connection.sendMessage(streamID: streamID, framed: framed, promise: promise)
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
        onLoop { connection, streamID in connection.messageTaken(streamID: streamID, bytes: count) }
    }

    /// Ends the call with a status and trailing metadata.
    func finish(_ status: RPCStatus, trailers: Metadata) {
        onLoop { connection, streamID in
            connection.finishCall(streamID: streamID, status: status, trailers: trailers)
        }
    }

    /// Ends a unary call: its one response message, then OK with `trailers`. Nothing
    /// waits for flow control: the message is queued with the status behind it.
    func respond(_ message: [UInt8], trailers: Metadata) {
        let framed = LengthPrefixedMessage.frame(message)
        onLoop { connection, streamID in
            connection.respond(streamID: streamID, framed: framed, trailers: trailers)
        }
    }

    private func onLoop(_ body: @escaping @Sendable (ServerConnectionHandler, Int32) -> Void) {
        let (connection, streamID) = (self.connection, self.streamID)
        if eventLoop.inEventLoop {
            body(connection.value, streamID)
        } else {
            eventLoop.execute { body(connection.value, streamID) }
        }
    }
}

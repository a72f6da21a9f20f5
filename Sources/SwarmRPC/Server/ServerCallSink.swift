import NIOCore

/// A call's way back to its connection. Handler tasks prefer the connection's event
/// loop, so a call is usually there already and goes straight in; from anywhere else
/// (a handler that hopped to an actor, or one run on the global pool) it hops.
@usableFromInline
struct ServerCallSink: Sendable {
    let streamID: Int32
    let eventLoop: any EventLoop
    let connection: NIOLoopBound<ServerConnectionHandler>
    /// The call's context: it says how response messages are compressed.
    let context: ServerContext

    /// Sends one serialized message (sending the response headers first if they have
    /// not gone yet); returns once flow control has let it out. Compression happens
    /// here, in the handler's task, not on the event loop.
    func write(_ message: [UInt8]) async throws {
        let compression = context.sendingCompression()
        let framed: [UInt8]
        do throws(Gzip.Failure) {
            framed = try LengthPrefixedMessage.encode(message, compression: compression)
        } catch {
            throw RPCError(.internal, "could not compress a response message: \(error)")
        }
        let promise = eventLoop.makePromise(of: Void.self)
        onLoop { connection, streamID in
            connection.sendMessage(streamID: streamID, framed: framed, compression: compression, promise: promise)
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

    /// Ends a unary call: its one response message (framed and compressed as
    /// `context.sendingCompression()` says), then OK with `trailers`. Nothing waits
    /// for flow control: the message is queued with the status behind it.
    func respond(framed: [UInt8], trailers: Metadata) {
        let compression = context.sendingCompression()
        if eventLoop.inEventLoop {
            // The usual case (the handler ran on the loop): no closure to allocate.
            connection.value.respond(streamID: streamID, framed: framed, compression: compression, trailers: trailers)
            return
        }
        onLoop { connection, streamID in
            connection.respond(streamID: streamID, framed: framed, compression: compression, trailers: trailers)
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

import SwarmProto

/// Sends the response messages of a server- or bidi-streaming call. `write` returns
/// once HTTP/2 flow control has let the message out to the connection, so a handler
/// that writes in a loop goes at the speed of its client.
///
/// ```swift
/// for size in request.responseParameters.map(\.size) {
///     try await responses.write(makeResponse(size))
/// }
/// ```
public struct RPCResponseWriter<Message: ProtoMessage>: Sendable {
    let sink: ServerCallSink

    /// Sends one message; throws `RPCError(.cancelled)` when the call is gone.
    public func write(_ message: Message) async throws {
        try await sink.write(message.serializedBytes())
    }
}

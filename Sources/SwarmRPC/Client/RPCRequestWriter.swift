import SwarmProto

/// Sends the request messages of a client- or bidi-streaming call. `write` returns
/// once HTTP/2 flow control has let the message out, and throws `ClientCallClosed`
/// when the call is already over (let it propagate: the call's status is what the
/// caller then gets).
public struct RPCRequestWriter<Message: ProtoMessage>: Sendable {
    let call: ClientCallHandle

    public func write(_ message: Message) async throws {
        try await call.send(message.serializedBytes())
    }
}

import SwarmProto

/// Request messages as bytes, before decoding.
@usableFromInline typealias RawMessageStream = AsyncThrowingStream<[UInt8], any Error>

/// The request messages of a client- or bidi-streaming call, in order. Iteration ends
/// when the client half-closes, and throws `RPCError` when a message does not decode
/// or the call is cancelled.
///
/// ```swift
/// for try await request in requests { total += request.payload?.body.count ?? 0 }
/// ```
public struct RPCRequestStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    typealias Raw = RawMessageStream

    let raw: Raw
    /// Told of each message taken, to reopen the stream's flow-control window.
    let sink: ServerCallSink

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Raw.AsyncIterator
        let sink: ServerCallSink

        public mutating func next() async throws -> Message? {
            guard let bytes = try await base.next() else { return nil }
            sink.taken(LengthPrefixedMessage.headerSize + bytes.count)
            do {
                return try Message(serializedBytes: bytes)
            } catch {
                throw RPCError(.internal, "could not decode \(Message.protoMessageName): \(error)")
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: raw.makeAsyncIterator(), sink: sink) }
}

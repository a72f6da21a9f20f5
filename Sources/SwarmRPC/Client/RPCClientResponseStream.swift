import SwarmProto

/// The responses of a streaming call, in order. Iteration ends after the last
/// message when the status is OK, and throws `RPCError` otherwise.
public struct RPCClientResponseStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message

    let parts: AsyncStream<ClientResponsePart>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<ClientResponsePart>.AsyncIterator
        var done = false

        public mutating func next() async throws -> Message? {
            while !done {
                guard let part = await base.next() else {
                    // The parts stream stops early only when the task is cancelled.
                    done = true
                    throw RPCClient.endedEarly()
                }
                switch part {
                case .initialMetadata: continue
                case .message(let bytes, _): return try RPCClient.decode(Message.self, bytes)
                case .end(let status, let trailers):
                    done = true
                    if status.code != .ok { throw RPCError(status.code, status.message, metadata: trailers) }
                }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: parts.makeAsyncIterator()) }
}

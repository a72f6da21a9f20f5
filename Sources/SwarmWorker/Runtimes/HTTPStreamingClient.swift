import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request whose response body is handed over chunk by chunk as it
/// arrives (for server-sent events), over NIO. The connection is closed afterwards
/// (`Connection: close`) and when the calling task is cancelled.
struct HTTPStreamingClient: Sendable {
    let group: any EventLoopGroup

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    /// Why a request failed before any response.
    struct ConnectError: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `body` to `endpoint` + `path` with POST; calls `onHead` with the status,
    /// then `onBody` for each chunk of the body.
    func post(
        _ endpoint: HTTPEndpoint, path: String, body: [UInt8], headers extraHeaders: [(String, String)] = [],
        onHead: (HTTPResponseStatus) async throws -> Void, onBody: (ByteBuffer) async throws -> Void
    ) async throws {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: endpoint.host, port: endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ConnectError(description: "cannot connect to \(endpoint): \(error)")
        }
        let raw = channel.channel
        try await withTaskCancellationHandler {
            try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.basePath + path)
                head.headers.add(name: "Host", value: "\(endpoint.host):\(endpoint.port)")
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Accept", value: "text/event-stream")
                head.headers.add(name: "Content-Length", value: String(body.count))
                head.headers.add(name: "Connection", value: "close")
                for (name, value) in extraHeaders { head.headers.add(name: name, value: value) }
                try await outbound.write(.head(head))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                try await outbound.write(.end(nil))
                for try await part in inbound {
                    switch part {
                    case .head(let response): try await onHead(response.status)
                    case .body(let buffer): try await onBody(buffer)
                    case .end: return
                    }
                }
            }
        } onCancel: {
            raw.close(promise: nil)
        }
        try Task.checkCancellation()
    }
}

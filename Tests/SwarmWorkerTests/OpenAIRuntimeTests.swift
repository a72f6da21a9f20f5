import NIOCore
import NIOHTTP1
import NIOPosix
import SwarmProto
import Synchronization
import XCTest

@testable import SwarmWorker

/// Request bodies the server saw.
final class Recorder: Sendable {
    let bodies = Mutex<[String]>([])
}

/// A tiny OpenAI-compatible server: answers POST /v1/chat/completions with the given
/// SSE chunks, one every 30 ms, chunked; 404 for any other path.
final class StreamingServer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let chunks: [String]
    let status: HTTPResponseStatus
    let requests: Recorder
    private var body = ""
    private var uri = ""

    init(chunks: [String], status: HTTPResponseStatus, requests: Recorder) {
        self.chunks = chunks
        self.status = status
        self.requests = requests
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            uri = head.uri
            body = ""
        case .body(let buffer):
            body += String(buffer: buffer)
        case .end:
            let recorded = body
            requests.bodies.withLock { $0.append(recorded) }
            let status = uri == "/v1/chat/completions" ? self.status : .notFound
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: status == .ok ? "text/event-stream" : "application/json")
            headers.add(name: "Transfer-Encoding", value: "chunked")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            guard status == .ok else {
                context.write(
                    wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "{\"error\":\"no such model\"}")))),
                    promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            context.flush()
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            for (index, chunk) in chunks.enumerated() {
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(30 * (index + 1)))) {
                    let (handler, context) = loopBound.value
                    context.writeAndFlush(
                        handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: chunk)))), promise: nil)
                    if index == handler.chunks.count - 1 {
                        context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
                    }
                }
            }
        }
    }
}

final class OpenAIRuntimeTests: XCTestCase {
    static func delta(_ text: String) -> String {
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(text)\"}}]}\n\n"
    }

    func serve(chunks: [String], status: HTTPResponseStatus = .ok, requests: Recorder) async throws -> (
        any Channel, Int
    ) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        StreamingServer(chunks: chunks, status: status, requests: requests))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, channel.localAddress?.port ?? 0)
    }

    func job(prompt: String, modelID: String? = nil) -> RuntimeJob {
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = prompt
        var generation = Openswarm_V1_GenerationParameters()
        generation.temperature = 0
        generation.maxOutputTokens = 16
        definition.generation = generation
        return RuntimeJob(taskID: "t", definition: definition, modelID: modelID)
    }

    func testStreamsTheCompletionAndReportsPartialOutput() async throws {
        let requests = Recorder()
        // The second event is split across two TCP writes; a comment line is ignored.
        let chunks = [
            Self.delta("Hel"), ": keep-alive\n\ndata: {\"choices\":[{\"delta\":{\"con", "tent\":\"lo, \"}}]}\n\n",
            Self.delta("swarm"), "data: [DONE]\n\n",
        ]
        let (server, port) = try await serve(chunks: chunks, requests: requests)
        defer { server.close(promise: nil) }
        let runtime = OpenAIRuntime(endpoint: HTTPEndpoint(host: "127.0.0.1", port: port), defaultModel: "qwen3-1.7b")
        let partials = Mutex<[String]>([])
        let output = try await runtime.run(job(prompt: "Say hello")) { progress in
            if !progress.partialOutput.isEmpty {
                partials.withLock { $0.append(String(decoding: progress.partialOutput, as: UTF8.self)) }
            }
        }
        XCTAssertEqual(String(decoding: output.output, as: UTF8.self), "Hello, swarm")
        XCTAssertEqual(partials.withLock { $0 }, ["Hel", "lo, ", "swarm"])
        XCTAssertEqual(output.stats.outputTokens, 3)
        XCTAssertEqual(output.stats.modelID, "qwen3-1.7b")
        let request = try XCTUnwrap(requests.bodies.withLock { $0.first })
        XCTAssertTrue(request.contains("\"model\":\"qwen3-1.7b\""), request)
        XCTAssertTrue(request.contains("\"stream\":true"), request)
        XCTAssertTrue(request.contains("\"content\":\"Say hello\""), request)
        XCTAssertTrue(request.contains("\"max_tokens\":16"), request)
    }

    func testHTTPErrorsMapToErrorKinds() async throws {
        let requests = Recorder()
        let (server, port) = try await serve(chunks: [], status: .internalServerError, requests: requests)
        let runtime = OpenAIRuntime(endpoint: HTTPEndpoint(host: "127.0.0.1", port: port), defaultModel: "m")
        do {
            _ = try await runtime.run(job(prompt: "x"), progress: { _ in })
            XCTFail("a 500 succeeded")
        } catch {
            XCTAssertEqual(RuntimeFailure.classify(error).kind, .runtimeUnavailable)
        }
        let missing = OpenAIRuntime(
            endpoint: HTTPEndpoint(host: "127.0.0.1", port: port, basePath: "/nope"), defaultModel: "m")
        do {
            _ = try await missing.run(job(prompt: "x"), progress: { _ in })
            XCTFail("a 404 succeeded")
        } catch {
            XCTAssertEqual(RuntimeFailure.classify(error).kind, .modelUnavailable)
        }
        try await server.close()
        // Nothing listens any more: connection refused.
        do {
            _ = try await runtime.run(job(prompt: "x"), progress: { _ in })
            XCTFail("a refused connection succeeded")
        } catch {
            XCTAssertEqual(RuntimeFailure.classify(error).kind, .runtimeUnavailable)
        }
    }

    func testServerSentEventDecoder() {
        var decoder = ServerSentEventDecoder()
        XCTAssertEqual(decoder.feed(Array("data: a\r\n\r\nevent: x\ndata:b\nda".utf8)), ["a", "b"])
        XCTAssertEqual(decoder.feed(Array("ta: c".utf8)), [])
        XCTAssertEqual(decoder.finish(), ["c"])
    }
}

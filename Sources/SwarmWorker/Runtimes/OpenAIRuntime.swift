import Foundation
import NIOCore
import NIOHTTP1
import SwarmProto

/// `openai:<base URL>`: a model served by an OpenAI-compatible server (llama.cpp
/// server, Ollama, vLLM). Sends
///
/// ```json
/// POST <base>/v1/chat/completions
/// {"model": "qwen3-1.7b", "messages": [{"role": "user", "content": "<prompt>"}], "stream": true,
///  "max_tokens": …, "temperature": …, "top_p": …, "seed": …, "stop": […]}
/// ```
///
/// reads the server-sent events, concatenates `choices[0].delta.content` into the
/// output and reports each piece as progress (partial output). HTTP errors map to
/// error kinds: connection refused and 5xx are ERROR_KIND_RUNTIME_UNAVAILABLE, 404
/// ERROR_KIND_MODEL_UNAVAILABLE, 429 ERROR_KIND_RESOURCE_EXHAUSTED, other 4xx
/// ERROR_KIND_INVALID_INPUT.
public struct OpenAIRuntime: ModelRuntime {
    public let name = "openai"
    public let endpoint: HTTPEndpoint
    /// Model name sent when the job does not name one (the spec's capability name).
    public let defaultModel: String
    let client: HTTPStreamingClient

    public init(endpoint: HTTPEndpoint, defaultModel: String) {
        self.endpoint = endpoint
        self.defaultModel = defaultModel
        self.client = HTTPStreamingClient()
    }

    struct Message: Codable {
        var role: String
        var content: String
    }

    struct Request: Encodable {
        var model: String
        var messages: [Message]
        var stream = true
        var maxTokens: UInt32?
        var temperature: Double?
        var topP: Double?
        var seed: UInt64?
        var stop: [String]?

        enum CodingKeys: String, CodingKey {
            case model, messages, stream, temperature, seed, stop
            case maxTokens = "max_tokens"
            case topP = "top_p"
        }
    }

    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var delta: Delta?
        }
        struct Usage: Decodable {
            var promptTokens: UInt32?
            var completionTokens: UInt32?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
            }
        }
        struct APIError: Decodable { var message: String? }
        var choices: [Choice]?
        var usage: Usage?
        var error: APIError?
    }

    static func requestBody(for job: RuntimeJob, model: String) -> [UInt8] {
        var messages: [Message] = []
        let context = job.definition.context
        if let system = context?.systemPrompt, !system.isEmpty {
            messages.append(Message(role: "system", content: system))
        }
        var prompt = job.definition.prompt
        if prompt.isEmpty { prompt = String(decoding: job.definition.input, as: UTF8.self) }
        for document in context?.documents ?? [] {
            prompt += "\n\n--- \(document.name) ---\n\(document.content)"
        }
        messages.append(Message(role: "user", content: prompt))
        let generation = job.definition.generation
        let request = Request(
            model: model, messages: messages, maxTokens: generation?.maxOutputTokens,
            temperature: generation?.temperature, topP: generation?.topP, seed: generation?.seed,
            stop: (generation?.stopSequences.isEmpty ?? true) ? nil : generation?.stopSequences)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(request)).map { [UInt8]($0) } ?? []
    }

    /// Accumulates one response; a class only so the NIO callbacks can update it.
    private final class Stream {
        var status: HTTPResponseStatus = .ok
        var decoder = ServerSentEventDecoder()
        var output: [UInt8] = []
        var errorBody: [UInt8] = []
        var pieces: UInt32 = 0
        var usage: Chunk.Usage?
        var firstToken: ContinuousClock.Instant?
        var done = false
        var apiError: String?
    }

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        let model = job.modelID ?? defaultModel
        let body = Self.requestBody(for: job, model: model)
        let stream = Stream()
        let started = ContinuousClock.now
        progress(RuntimeProgress(percent: 0, step: "waiting for \(model)"))
        do {
            try await client.post(endpoint, path: "/v1/chat/completions", body: body) { status in
                stream.status = status
            } onBody: { buffer in
                guard stream.status.code / 100 == 2 else {
                    if stream.errorBody.count < 4096 { stream.errorBody += buffer.readableBytesView }
                    return
                }
                for payload in stream.decoder.feed(buffer.readableBytesView) {
                    Self.handle(payload, stream: stream, progress: progress)
                }
            }
        } catch is CancellationError {
            throw RuntimeFailure(.cancelled, "the generation was cancelled")
        } catch let error as HTTPStreamingClient.ConnectError {
            throw RuntimeFailure(.runtimeUnavailable, "the model server is unreachable", details: error.description)
        } catch {
            if Task.isCancelled { throw RuntimeFailure(.cancelled, "the generation was cancelled") }
            throw RuntimeFailure(.runtimeUnavailable, "the model server connection failed", details: "\(error)")
        }
        try Self.check(status: stream.status, body: stream.errorBody, model: model)
        for payload in stream.decoder.finish() { Self.handle(payload, stream: stream, progress: progress) }
        if let apiError = stream.apiError {
            throw RuntimeFailure(.transient, "the model server reported an error", details: apiError)
        }
        let elapsed = ContinuousClock.now - started
        var output = RuntimeOutput(
            output: stream.output, runtime: name, outputTokens: stream.usage?.completionTokens ?? stream.pieces)
        output.stats.modelID = model
        output.stats.inputTokens = stream.usage?.promptTokens ?? 0
        output.stats.duration = Google_Protobuf_Duration(elapsed)
        if let first = stream.firstToken { output.stats.timeToFirstToken = Google_Protobuf_Duration(first - started) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        if seconds > 0 { output.stats.tokensPerSecond = Double(output.stats.outputTokens) / seconds }
        return output
    }

    private static func handle(
        _ payload: String, stream: Stream, progress: @Sendable (RuntimeProgress) -> Void
    ) {
        let trimmed = payload.trimmingWhitespace()
        if trimmed == "[DONE]" {
            stream.done = true
            return
        }
        guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(trimmed.utf8)) else { return }
        if let error = chunk.error {
            stream.apiError = error.message ?? trimmed
            return
        }
        if let usage = chunk.usage { stream.usage = usage }
        guard let content = chunk.choices?.first?.delta?.content, !content.isEmpty else { return }
        if stream.firstToken == nil { stream.firstToken = .now }
        let bytes = Array(content.utf8)
        stream.output += bytes
        stream.pieces += 1
        progress(RuntimeProgress(step: "generating", outputTokens: stream.pieces, partialOutput: bytes))
    }

    static func check(status: HTTPResponseStatus, body: [UInt8], model: String) throws(RuntimeFailure) {
        let code = Int(status.code)
        guard code / 100 != 2 else { return }
        let details = "HTTP \(code): \(String(decoding: body.prefix(1024), as: UTF8.self))"
        switch code {
        case 404:
            throw RuntimeFailure(.modelUnavailable, "the model server does not serve \"\(model)\"", details: details)
        case 429: throw RuntimeFailure(.resourceExhausted, "the model server is overloaded", details: details)
        case 400..<500: throw RuntimeFailure(.invalidInput, "the model server refused the request", details: details)
        default: throw RuntimeFailure(.runtimeUnavailable, "the model server failed", details: details)
        }
    }
}

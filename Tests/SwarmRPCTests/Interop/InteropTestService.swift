import SwarmProto
import SwarmRPC

/// `grpc.testing.TestService` as the gRPC interop cases expect a server to implement
/// it (grpc/grpc doc/interop-test-descriptions.md, "Server"). `UnimplementedCall` is
/// left out on purpose.
enum InteropTestService {
    typealias Service = Grpc_Testing_TestService.Method

    static func router() -> RPCRouter {
        var router = RPCRouter()
        router.unary(Service.emptyCall) { _, _ in Grpc_Testing_Empty() }

        router.unary(Service.unaryCall, unaryCall)
        router.unary(Service.cacheableUnaryCall, unaryCall)

        router.serverStreaming(Service.streamingOutputCall) { request, responses, context in
            echoMetadata(context)
            for parameters in request.responseParameters {
                try await respond(parameters, to: responses)
            }
            try throwRequestedStatus(request.responseStatus)
        }

        router.clientStreaming(Service.streamingInputCall) { requests, _ in
            var total = 0
            for try await request in requests { total += request.payload?.body.count ?? 0 }
            var response = Grpc_Testing_StreamingInputCallResponse()
            response.aggregatedPayloadSize = Int32(clamping: total)
            return response
        }

        router.bidirectionalStreaming(Service.fullDuplexCall) { requests, responses, context in
            echoMetadata(context)
            for try await request in requests {
                try throwRequestedStatus(request.responseStatus)
                for parameters in request.responseParameters {
                    try await respond(parameters, to: responses)
                }
            }
        }

        router.bidirectionalStreaming(Service.halfDuplexCall) { requests, responses, context in
            echoMetadata(context)
            var buffered: [Grpc_Testing_StreamingOutputCallRequest] = []
            for try await request in requests { buffered.append(request) }
            for request in buffered {
                try throwRequestedStatus(request.responseStatus)
                for parameters in request.responseParameters {
                    try await respond(parameters, to: responses)
                }
            }
        }
        return router
    }

    @Sendable
    private static func unaryCall(
        _ request: Grpc_Testing_SimpleRequest, _ context: ServerContext
    ) async throws -> Grpc_Testing_SimpleResponse {
        echoMetadata(context)
        // client_compressed_unary: the feature probe sends an uncompressed request
        // that expects compression, and must fail so.
        if request.expectCompressed?.value == true, !context.requestCompressed {
            throw RPCError(.invalidArgument, "the request was expected to be compressed")
        }
        // server_compressed_unary.
        if let compressed = request.responseCompressed?.value {
            context.responseCompression = compressed ? .gzip : .identity
        }
        try throwRequestedStatus(request.responseStatus)
        var response = Grpc_Testing_SimpleResponse()
        response.payload = payload(size: Int(request.responseSize))
        return response
    }

    /// `x-grpc-test-echo-initial` goes back as initial metadata and
    /// `x-grpc-test-echo-trailing-bin` as trailing metadata.
    private static func echoMetadata(_ context: ServerContext) {
        if let initial = context.metadata.first("x-grpc-test-echo-initial") {
            context.initialMetadata.add("x-grpc-test-echo-initial", initial)
        }
        if let trailing = context.metadata.firstBinary("x-grpc-test-echo-trailing-bin") {
            context.trailingMetadata.add(binary: "x-grpc-test-echo-trailing-bin", trailing)
        }
    }

    private static func throwRequestedStatus(_ status: Grpc_Testing_EchoStatus?) throws {
        guard let status, status.code != 0 else { return }
        throw RPCError(RPCStatus.Code(wireValue: Int(status.code)), status.message)
    }

    private static func respond(
        _ parameters: Grpc_Testing_ResponseParameters,
        to responses: RPCResponseWriter<Grpc_Testing_StreamingOutputCallResponse>
    ) async throws {
        if parameters.intervalUs > 0 {
            try await Task.sleep(for: .microseconds(Int(parameters.intervalUs)))
        }
        var response = Grpc_Testing_StreamingOutputCallResponse()
        response.payload = payload(size: Int(parameters.size))
        try await responses.write(response)
    }

    private static func payload(size: Int) -> Grpc_Testing_Payload {
        var payload = Grpc_Testing_Payload()
        payload.body = [UInt8](repeating: 0, count: max(size, 0))
        return payload
    }
}

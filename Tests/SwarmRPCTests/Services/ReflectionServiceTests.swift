import SwarmProto
import Testing

@testable import SwarmRPC

/// Server reflection: the index on the generated registries, our client over v1, and
/// grpcio-reflection's client (v1alpha).
@Suite("Reflection service")
struct ReflectionServiceTests {
    typealias Reflection = Grpc_Reflection_V1_ServerReflection.Method
    static let index = ReflectionIndex(files: SwarmProtoFiles.files, services: ["openswarm.v1.TaskService"])

    static func names(_ answer: ReflectionIndex.Answer) throws -> [String] {
        guard case .files(let files) = answer else { throw RPCError(.internal, "not files: \(answer)") }
        // A FileDescriptorProto starts with its name: field 1, length-delimited.
        return try files.map { bytes in
            let reader = Array(bytes.prefix(200))
            guard reader.count > 2, reader[0] == 0x0A, Int(reader[1]) + 2 <= reader.count else {
                throw RPCError(.internal, "no name first")
            }
            return String(decoding: reader[2..<(2 + Int(reader[1]))], as: UTF8.self)
        }
    }

    @Test("a file by name comes first, then its imports, transitively, each once")
    func fileByName() throws {
        let names = try Self.names(Self.index.answer(.fileByFilename("openswarm/v1/task_service.proto")))
        #expect(names.first == "openswarm/v1/task_service.proto")
        #expect(Set(names).count == names.count)
        // task_service imports task.proto, which imports common.proto, which imports duration.proto.
        for name in [
            "openswarm/v1/task.proto", "openswarm/v1/common.proto", "google/protobuf/duration.proto",
            "google/api/annotations.proto", "google/protobuf/descriptor.proto",
        ] {
            #expect(names.contains(name), "\(name) in \(names)")
        }
    }

    @Test(
        "symbols: messages, nested enums, services and methods",
        arguments: [
            ("openswarm.v1.Task", "openswarm/v1/task.proto"),
            ("openswarm.v1.TaskService", "openswarm/v1/task_service.proto"),
            ("openswarm.v1.TaskService.GetTask", "openswarm/v1/task_service.proto"),
            ("grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"),
            ("grpc.reflection.v1.ServerReflection", "grpc/reflection/v1/reflection.proto"),
        ])
    func symbol(_ symbol: String, _ file: String) throws {
        #expect(try Self.names(Self.index.answer(.fileContainingSymbol(symbol))).first == file)
    }

    @Test("unknown names and extensions are NOT_FOUND; services are listed sorted")
    func errors() {
        #expect(
            Self.index.answer(.fileContainingSymbol("no.such.Symbol")) == .error(.notFound, "no symbol no.such.Symbol"))
        #expect(Self.index.answer(.fileByFilename("nope.proto")) == .error(.notFound, "no file nope.proto"))
        guard case .error(.notFound, _) = Self.index.answer(.fileContainingExtension(type: "x.Y", number: 9)) else {
            Issue.record("extension lookup was not NOT_FOUND")
            return
        }
        #expect(
            Self.index.answer(.allExtensionNumbersOfType("openswarm.v1.Task"))
                == .extensionNumbers(type: "openswarm.v1.Task", numbers: []))
        #expect(Self.index.answer(.listServices) == .services(["openswarm.v1.TaskService"]))
    }

    @Test(
        "our client over v1: list_services, then a symbol, then an unknown one, on one stream",
        .timeLimit(.minutes(1)))
    func v1OverTheWire() async throws {
        let server = HealthServiceTests.server()
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        let queries: [Grpc_Reflection_V1_ServerReflectionRequest.OneOf_MessageRequest] = [
            .listServices(""), .fileContainingSymbol("openswarm.v1.GetTaskRequest"),
            .fileContainingSymbol("no.such.Symbol"),
        ]
        let responses = try await client.bidirectionalStreaming(Reflection.serverReflectionInfo) { writer in
            for query in queries {
                var request = Grpc_Reflection_V1_ServerReflectionRequest()
                request.messageRequest = query
                try await writer.write(request)
            }
        } responses: { responses in
            try await responses.reduce(into: [Grpc_Reflection_V1_ServerReflectionResponse]()) { $0.append($1) }
        }
        try #require(responses.count == 3)
        guard case .listServicesResponse(let list)? = responses[0].messageResponse else {
            Issue.record("not a service list: \(responses[0])")
            return
        }
        #expect(
            list.service.map(\.name) == [
                "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
                "openswarm.v1.TaskService",
            ])
        guard case .fileDescriptorResponse(let files)? = responses[1].messageResponse else {
            Issue.record("not files: \(responses[1])")
            return
        }
        #expect(
            files.fileDescriptorProto.first
                == SwarmProtoFiles.files.first { $0.name == "openswarm/v1/task_service.proto" }?.serialized)
        guard case .errorResponse(let error)? = responses[2].messageResponse else {
            Issue.record("not an error: \(responses[2])")
            return
        }
        #expect(error.errorCode == Int32(RPCStatus.Code.notFound.rawValue))
        #expect(responses[2].originalRequest?.messageRequest == queries[2])
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("grpcio-reflection's client lists services, fetches descriptors, finds a message", .timeLimit(.minutes(2)))
    func grpcioReflectionClient() async throws {
        let server = HealthServiceTests.server()
        let port = try await server.start().port ?? 0
        let output: String
        do {
            output = try await PythonOracle.run(
                "grpc_reflection_client.py", ["127.0.0.1:\(port)", "openswarm.v1.TaskService", "openswarm.v1.Task"])
        } catch {
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
        let lines = output.split(separator: "\n").map(String.init)
        for name in [
            "list_services", "service_descriptor", "message_by_symbol", "file_by_name", "unknown_symbol",
            "v1_list_services",
        ] {
            #expect(lines.contains("PASS \(name)"), "\(name): \(lines)")
        }
    }
}

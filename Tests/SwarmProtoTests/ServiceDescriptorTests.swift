import SwarmProto
import Testing

/// The generated service descriptors: gRPC paths, streaming kinds, the REST route table
/// taken from `google.api.http`, and the embedded descriptors reflection will serve.
@Suite("Service descriptors and routes")
struct ServiceDescriptorTests {
    let routes = SwarmProtoFiles.services.flatMap(\.routes)

    @Test("every service of the v1 API is generated, and gRPC's standard health and reflection services")
    func services() {
        let names = Set(SwarmProtoFiles.services.map(\.name))
        #expect(
            names.filter { $0.hasPrefix("openswarm.") }
                == Set([
                    "openswarm.v1.NodeService", "openswarm.v1.WorkerService", "openswarm.v1.TaskService",
                    "openswarm.v1.SwarmService", "openswarm.v1.QualityService", "openswarm.v1.LedgerService",
                    "openswarm.v1.EventService",
                ]))
        #expect(names.isSuperset(of: ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]))
    }

    @Test("methods carry their gRPC path, message types and streaming kind")
    func methods() {
        let submit = Openswarm_V1_TaskService.Method.submitTask.descriptor
        #expect(submit.path == "/openswarm.v1.TaskService/SubmitTask")
        #expect(submit.kind == .unary)
        #expect(submit.requestType == Openswarm_V1_SubmitTaskRequest.protoMessageName)
        #expect(submit.responseType == Openswarm_V1_SubmitTaskResponse.protoMessageName)
        #expect(Openswarm_V1_TaskService.Method.watchTask.descriptor.kind == .serverStreaming)
        #expect(Openswarm_V1_EventService.descriptor.methods.allSatisfy { $0.kind == .serverStreaming })
    }

    @Test(
        "every REST endpoint of the spec (section 3.2) has a route",
        arguments: [
            ("GET", "/api/v1/swarms", "ListSwarms"),
            ("POST", "/api/v1/swarms", "CreateSwarm"),
            ("GET", "/api/v1/swarms/{swarm_id}/status", "GetSwarmStatus"),
            ("POST", "/api/v1/tasks", "SubmitTask"),
            ("GET", "/api/v1/tasks/{task_id}", "GetTask"),
            ("GET", "/api/v1/tasks/{task_id}/results", "GetTaskResults"),
            ("POST", "/api/v1/nodes/register", "RegisterNode"),
            ("GET", "/api/v1/nodes/{node_id}/metrics", "GetNodeMetrics"),
        ])
    func specEndpoints(verb: String, path: String, method: String) {
        let route = routes.first { $0.verb == verb && $0.pathTemplate == path }
        #expect(route?.method.method == method, "\(verb) \(path)")
    }

    @Test("route path variables name fields of the request message")
    func pathVariablesAreRequestFields() {
        for route in routes {
            for variable in Self.variables(in: route.pathTemplate) {
                #expect(
                    Self.requestFieldNames[route.method.requestType]?.contains(variable) == true,
                    "\(route.verb) \(route.pathTemplate): \(variable) is not a field of \(route.method.requestType)")
            }
            #expect(route.pathTemplate.hasPrefix("/api/v1/"))
        }
    }

    @Test("the registry holds every file with its imports, in dependency order")
    func registry() throws {
        let files = SwarmProtoFiles.files
        let names = files.map(\.name)
        for (index, file) in files.enumerated() {
            #expect(!file.serialized.isEmpty, "\(file.name) has no descriptor")
            for dependency in file.dependencies {
                let position = try #require(names.firstIndex(of: dependency), "\(file.name) imports \(dependency)")
                #expect(position < index, "\(dependency) must come before \(file.name)")
            }
        }
        #expect(names.contains("google/api/http.proto"))
        let task = try #require(files.first { $0.name == "openswarm/v1/task.proto" })
        #expect(task.package == "openswarm.v1")
        #expect(task.symbols.contains("openswarm.v1.Lease"))
        let service = try #require(files.first { $0.name == "openswarm/v1/task_service.proto" })
        #expect(service.symbols.contains("openswarm.v1.TaskService.SubmitTask"))
    }

    @Test("embedded descriptors are real FileDescriptorProtos: the file name is field 1")
    func descriptorBytes() throws {
        for file in SwarmProtoFiles.files {
            // FileDescriptorProto.name is field 1, a string: tag 0x0A, length, bytes.
            let bytes = file.serialized
            try #require(bytes.count > 2 && bytes[0] == 0x0A, "\(file.name)")
            let length = Int(bytes[1])
            #expect(Array(bytes[2..<(2 + length)]) == Array(file.name.utf8))
        }
    }

    static func variables(in template: String) -> [String] {
        var out: [String] = []
        var current: String?
        for character in template {
            if character == "{" {
                current = ""
            } else if character == "}", let name = current {
                out.append(name)
                current = nil
            } else if current != nil {
                current?.append(character)
            }
        }
        return out
    }

    /// The `.proto` field names of each request message that a route names.
    static let requestFieldNames: [String: Set<String>] = {
        var out: [String: Set<String>] = [:]
        for route in SwarmProtoFiles.services.flatMap(\.routes) {
            let name = route.method.requestType
            guard let type = SwarmProtoFiles.messageType(named: name) else { continue }
            out[name] = Set((1..<1000).compactMap { type.protoFieldName(UInt32($0)) })
        }
        return out
    }()
}

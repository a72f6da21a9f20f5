import SwarmCoordinator
import SwarmProto
import SwarmRPC
import Testing

/// API keys used by the administration tests: an admin, a moderator, two users and a
/// node operator, each with a key of its own.
enum TestKeys {
    static let admin = "admin-key-0123456789"
    static let moderator = "moder-key-0123456789"
    static let alice = "alice-key-0123456789"
    static let bob = "bob-key-012345678901"
    static let operatorKey = "oper-key-01234567890"

    static let all = [
        "\(admin)=root:admin", "\(moderator)=mod:moderator", "\(alice)=alice", "\(bob)=bob",
        "\(operatorKey)=olga:node_operator,user",
    ]
}

extension CoordinatorHarness {
    /// A coordinator that requires the API keys of `TestKeys`.
    static func keyed() async throws -> CoordinatorHarness {
        try await CoordinatorHarness { configuration in
            for text in TestKeys.all {
                guard let (key, principal) = try? Principal.parseAPIKey(text) else { continue }
                configuration.apiKeys[key] = principal
            }
        }
    }

    /// A unary call with `key` (none: anonymous, which open mode treats as the admin).
    func call<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: RPCMethod<Request, Response>, _ request: Request, key: String? = nil
    ) async throws -> Response {
        try await client.unary(method, request, options: options(key: key))
    }

    /// The error a call fails with; records an issue if it succeeds.
    func refusal<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: RPCMethod<Request, Response>, _ request: Request, key: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> RPCError? {
        do {
            _ = try await call(method, request, key: key)
            Issue.record("\(method) should have been refused", sourceLocation: sourceLocation)
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            Issue.record("\(method) failed with \(error), not an RPCError", sourceLocation: sourceLocation)
            return nil
        }
    }

    func mint(_ tokens: Int64, to account: String, key: String) async throws {
        var request = Openswarm_V1_MintRequest()
        request.accountID = account
        request.amountMicros = tokens * 1_000_000
        _ = try await call(Openswarm_V1_LedgerService.Method.mint, request, key: key)
    }

    /// Submits one echo task, optionally into `swarm`, as the caller of `key`.
    func submit(prompt: String, swarm: String, key: String? = nil, capability: String = "echo") async throws -> String {
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = prompt
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.capabilities = [capability]
        definition.requirements = requirements
        var spec = Openswarm_V1_TaskSpec()
        spec.definition = definition
        spec.swarmID = swarm
        var request = Openswarm_V1_SubmitTaskRequest()
        request.task = spec
        return try await call(Openswarm_V1_TaskService.Method.submitTask, request, key: key).task?.id ?? ""
    }

    func createSwarm(_ name: String, key: String? = nil) async throws -> Openswarm_V1_Swarm {
        var request = Openswarm_V1_CreateSwarmRequest()
        request.name = name
        request.labels = ["team": "tests"]
        return try await call(Openswarm_V1_SwarmService.Method.createSwarm, request, key: key).swarm
            ?? Openswarm_V1_Swarm()
    }
}

import ArgumentParser
import SwarmProto

/// `openswarm nodes list|get|drain`.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "Show worker nodes.", subcommands: [List.self, Get.self, Drain.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List nodes.")
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(
                    Openswarm_V1_NodeService.Method.listNodes, Openswarm_V1_ListNodesRequest(),
                    options: client.options())
            }
            if json { return print(response.jsonString()) }
            for node in response.nodes { print(NodesCommand.line(node)) }
            if response.nodes.isEmpty { print("no nodes registered") }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one node.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Node id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_GetNodeRequest()
            request.nodeID = id
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_NodeService.Method.getNode, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            let node = response.node ?? Openswarm_V1_Node()
            print(NodesCommand.line(node))
            let capabilities = node.capabilities ?? Openswarm_V1_NodeCapabilities()
            print(
                "  capabilities: \((capabilities.capabilities + capabilities.models.map(\.modelID)).joined(separator: ", "))"
            )
            print("  slots: \(capabilities.maxConcurrentTasks), active leases: \(node.activeLeases)")
            print("  account: \(node.economics?.accountID ?? "-")")
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Stop a node from taking new work; what it holds finishes (or, with --hand-back, retries elsewhere).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Node id.") var id: String
        @Option(help: "Why, shown as the node's status reason.") var reason = ""
        @Flag(help: "Release held leases at once so their tasks retry elsewhere.") var handBack = false
        @Option(help: "Seconds held leases may still run before they are handed back.") var grace: Double?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_DrainNodeRequest()
            request.nodeID = id
            request.reason = reason
            request.mode = handBack ? .handBack : .finish
            if let grace {
                guard grace > 0, grace < 1e7 else { throw ValidationError("--grace must be positive") }
                var duration = Google_Protobuf_Duration()
                duration.seconds = Int64(grace)
                duration.nanos = Int32((grace - Double(Int64(grace))) * 1e9)
                request.gracePeriod = duration
            }
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_NodeService.Method.drainNode, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            print(NodesCommand.line(response.node ?? Openswarm_V1_Node()))
            print("  \(response.runningLeases) lease(s) still running, \(response.releasedLeases) handed back")
        }
    }

    static func line(_ node: Openswarm_V1_Node) -> String {
        let reputation = node.economics?.reputation ?? 0
        return "\(node.id)  \(node.displayName)  \(TaskText.name(node.status))  reputation \(Int(reputation.rounded()))"
            + "  leases \(node.activeLeases)"
    }
}

import ArgumentParser
import SwarmProto

/// `openswarm nodes list|get`.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "Show worker nodes.", subcommands: [List.self, Get.self])

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

    static func line(_ node: Openswarm_V1_Node) -> String {
        let reputation = node.economics?.reputation ?? 0
        return "\(node.id)  \(node.displayName)  \(TaskText.name(node.status))  reputation \(Int(reputation.rounded()))"
            + "  leases \(node.activeLeases)"
    }
}

import ArgumentParser
import SwarmProto

/// `openswarm swarms list|status|delete`.
struct SwarmsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarms", abstract: "List, inspect and delete swarms.",
        subcommands: [List.self, Status.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List swarms (deleted ones with --deleted).")
        @OptionGroup var client: ClientOptions
        @Flag(help: "List deleted swarms instead of live ones.") var deleted = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_ListSwarmsRequest()
            if deleted { request.statuses = [.deleted] }
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_SwarmService.Method.listSwarms, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            for swarm in response.swarms { print(SwarmsCommand.line(swarm)) }
            if response.swarms.isEmpty { print(deleted ? "no deleted swarms" : "no swarms") }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a swarm's nodes, queue and performance.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Swarm id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_GetSwarmStatusRequest()
            request.swarmID = id
            request.maxQueuedTasks = 10
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(
                    Openswarm_V1_SwarmService.Method.getSwarmStatus, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            let swarm = response.swarm ?? Openswarm_V1_Swarm()
            print(SwarmsCommand.line(swarm))
            let state = swarm.state ?? Openswarm_V1_SwarmState()
            print(
                "  tasks: \(state.queuedTaskCount) queued, \(state.executingTaskCount) running, "
                    + "\(state.completedTaskCount) succeeded, \(state.failedTaskCount) failed, "
                    + "\(state.cancelledTaskCount) cancelled")
            print("  nodes online: \(response.activeNodes.map(\.id).joined(separator: ", "))")
            let success = (response.performance?.successRate ?? 0) * 100
            print("  success rate: \(Int(success.rounded()))%")
            for task in response.taskQueue { print("  next: \(task.id)  \(TaskText.state(task.state))") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a swarm; refused while it has tasks that have not ended, unless --force.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Swarm id.") var id: String
        @Flag(help: "Cancel and refund its unfinished tasks first.") var force = false
        @Option(help: "Why, recorded in the coordinator's log and events.") var reason = ""

        func run() async throws {
            var request = Openswarm_V1_DeleteSwarmRequest()
            request.swarmID = id
            request.force = force
            request.reason = reason
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_SwarmService.Method.deleteSwarm, request, options: client.options())
            }
            print(
                "deleted \(id): \(response.cancelledTaskCount) task(s) cancelled, "
                    + "\(Money.format(response.refundedMicros)) refunded")
        }
    }

    static func line(_ swarm: Openswarm_V1_Swarm) -> String {
        let resources = swarm.resources ?? Openswarm_V1_SwarmResources()
        let owner = swarm.createdBy.isEmpty ? "" : "  by \(swarm.createdBy)"
        return "\(swarm.id)  \(TaskText.name(swarm.status))\(owner)  spent \(Money.format(resources.tokenSpentMicros))"
    }
}

import ArgumentParser
import SwarmProto

/// `openswarm tasks get|list|results|cancel`.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Read and cancel tasks.",
        subcommands: [Get.self, List.self, Results.self, Cancel.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one task.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Task id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_GetTaskRequest()
            request.taskID = id
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_TaskService.Method.getTask, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            let task = response.task ?? Openswarm_V1_Task()
            print(TasksCommand.line(task))
            for attempt in task.attempts {
                print(
                    "  attempt \(attempt.attemptNumber) on \(attempt.nodeID): \(TaskText.name(attempt.state))"
                        + (attempt.verdict == .unspecified ? "" : ", \(TaskText.name(attempt.verdict))"))
            }
            if let output = TaskText.output(task) { print("output: \(output)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks, oldest first.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Only this DAG's tasks.") var dag: String?
        @Option(help: "Only tasks in this state (pending, ready, leased, running, succeeded, failed, cancelled).")
        var state: [String] = []
        @Option(help: "Most tasks to show (1–1000).") var limit: Int32 = 100
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_ListTasksRequest()
            request.dagID = dag
            request.pageSize = limit
            for name in state {
                guard let value = Openswarm_V1_TaskState(protoName: "TASK_STATE_" + name.uppercased()) else {
                    throw ValidationError("unknown state \(name)")
                }
                request.states.append(value)
            }
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_TaskService.Method.listTasks, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            for task in response.tasks { print(TasksCommand.line(task)) }
            if !response.nextPageToken.isEmpty { print("… more after \(response.nextPageToken)") }
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a task's results.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Task id.") var id: String
        @Flag(help: "Only the canonical result.") var canonical = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_GetTaskResultsRequest()
            request.taskID = id
            request.canonicalOnly = canonical
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_TaskService.Method.getTaskResults, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            print("\(response.taskID): \(TaskText.state(response.state))")
            for result in response.results {
                let text = String(validating: result.output, as: UTF8.self) ?? "<\(result.output.count) bytes>"
                print(
                    "  attempt \(result.attemptNumber) on \(result.nodeID) [\(TaskText.name(result.verdict))]: \(text)")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a task and its dependents.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Task id.") var id: String
        @Option(help: "Why, for the record.") var reason: String = ""
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_CancelTaskRequest()
            request.taskID = id
            request.reason = reason
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_TaskService.Method.cancelTask, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            print(
                "\(id): \(TaskText.state(response.task?.state ?? .unspecified)), "
                    + "\(Money.format(response.refundedMicros)) refunded, "
                    + "\(response.cancelledDependentTaskIDs.count) dependents cancelled")
        }
    }

    static func line(_ task: Openswarm_V1_Task) -> String {
        let name = task.metadata?.dagTaskName ?? ""
        var text = "\(task.id)  \(name.isEmpty ? "-" : name)  \(TaskText.state(task.state))"
        if task.endReason != .unspecified { text += " (\(TaskText.name(task.endReason)))" }
        return text
    }
}

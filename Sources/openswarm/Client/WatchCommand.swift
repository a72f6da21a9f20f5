import ArgumentParser
import Glibc
import SwarmProto
import SwarmRPC

/// `openswarm watch ID`: live progress of a task or a whole DAG, until it ends.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a task or a DAG until it ends.",
        discussion: """
            On a terminal, one progress bar per task redrawn in place; otherwise one line
            per state change. Exits 0 when everything succeeded, 1 otherwise.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "A task id or a DAG id.") var id: String
    @Flag(help: "Print each update as a JSON line.") var json = false
    @Flag(help: "Print the outputs at the end.") var outputs = false

    func run() async throws {
        let tasks = try await ClientCall.run(client) { rpc in
            let display = Display(json: json, terminal: isatty(STDOUT_FILENO) == 1)
            var final: [Openswarm_V1_Task] = []
            var lastSnapshot: [Openswarm_V1_Task] = []
            while true {
                let snapshot = try await Self.snapshot(rpc, id: id, options: client.options())
                guard !snapshot.isEmpty else { throw CLIError("not found: no task or DAG \(id)") }
                if snapshot != lastSnapshot { display.show(snapshot, previous: lastSnapshot) }
                lastSnapshot = snapshot
                if snapshot.allSatisfy({ TaskText.isTerminal($0.state) }) {
                    final = snapshot
                    break
                }
                // Big DAGs are read less often: each look reads every task.
                try await Task.sleep(for: .milliseconds(snapshot.count > 1_000 ? 1_000 : 200))
            }
            return final
        }
        let succeeded = tasks.filter { $0.state == .succeeded }.count
        if !json {
            print("\(succeeded)/\(tasks.count) succeeded")
            if outputs {
                for task in tasks {
                    print("\(task.metadata?.dagTaskName ?? task.id): \(TaskText.output(task) ?? "-")")
                }
            }
        }
        if succeeded != tasks.count { throw ExitCode(1) }
    }

    /// The task, or every task of the DAG in submission order.
    static func snapshot(_ rpc: RPCClient, id: String, options: CallOptions) async throws
        -> [Openswarm_V1_Task]
    {
        if id.contains(".") {
            var request = Openswarm_V1_GetTaskRequest()
            request.taskID = id
            let response = try await rpc.unary(Openswarm_V1_TaskService.Method.getTask, request, options: options)
            return response.task.map { [$0] } ?? []
        }
        var tasks: [Openswarm_V1_Task] = []
        var request = Openswarm_V1_ListTasksRequest()
        request.dagID = id
        request.pageSize = 1_000
        request.view = .full
        while true {
            let page = try await rpc.unary(Openswarm_V1_TaskService.Method.listTasks, request, options: options)
            tasks += page.tasks
            guard !page.nextPageToken.isEmpty else { break }
            request.pageToken = page.nextPageToken
        }
        return tasks.sorted { Self.index($0.id) < Self.index($1.id) }
    }

    private static func index(_ id: String) -> Int {
        id.split(separator: ".").last.flatMap { Int($0) } ?? 0
    }

    /// Draws updates: bars on a terminal, lines elsewhere, JSON on request.
    struct Display {
        var json: Bool
        var terminal: Bool

        func show(_ tasks: [Openswarm_V1_Task], previous: [Openswarm_V1_Task]) {
            if json {
                for task in tasks where !previous.contains(task) { print(task.jsonString()) }
                return
            }
            if terminal && tasks.count <= 40 {
                if !previous.isEmpty { print("\u{1B}[\(previous.count)A", terminator: "") }
                for task in tasks { print("\u{1B}[2K" + Self.bar(task)) }
                fflush(nil)
                return
            }
            let before = Dictionary(previous.map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
            for task in tasks where before[task.id] != task.state {
                print("\(task.id)  \(task.metadata?.dagTaskName ?? "")  \(TaskText.state(task.state))")
            }
            fflush(nil)
        }

        static func bar(_ task: Openswarm_V1_Task) -> String {
            let percent: Double =
                switch task.state {
                case .succeeded: 100
                case .running: max(task.progressPercent, 50)
                case .leased: 25
                default: task.progressPercent
                }
            let width = 20
            let filled = Int((percent / 100 * Double(width)).rounded())
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let name = task.metadata?.dagTaskName ?? task.id
            return "\(name.padding(20)) \(bar) \(TaskText.state(task.state))"
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - count)
    }
}

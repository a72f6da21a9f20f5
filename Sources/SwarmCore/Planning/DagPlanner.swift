/// Validates a DAG submission and turns it into an `ExecutionPlan`, in O(V + E).
///
/// Checks, in order, each failing with a typed `DagValidationError`: the size limits,
/// names (1–64 of `[A-Za-z0-9_-]`, unique), dependencies (exist, not the task itself, not
/// repeated, not too many), specs (see `TaskSpecValidation`), placeholders and
/// `inputFrom` (direct parents only), then cycles: Kahn's algorithm orders the tasks and,
/// if some are left, a walk along their unfinished parents finds one cycle to name,
/// e.g. `a -> b -> c -> a` (each task depends on the next).
public struct DagPlanner: Sendable {
    public var limits: DagLimits
    public var pricing: PriceModel

    public init(limits: DagLimits = DagLimits(), pricing: PriceModel = PriceModel()) {
        self.limits = limits
        self.pricing = pricing
    }

    public func plan(_ submission: DagSubmission) throws(DagValidationError) -> ExecutionPlan {
        let specs = submission.tasks
        guard !specs.isEmpty else { throw DagValidationError(.emptySubmission, "the submission has no tasks") }
        guard specs.count <= limits.maxTasks else {
            throw DagValidationError(
                .tooManyTasks,
                "the submission has \(specs.count) tasks; at most \(limits.maxTasks) are allowed (split it into several DAGs)"
            )
        }

        var indexByName: [String: Int] = [:]
        indexByName.reserveCapacity(specs.count)
        for (index, task) in specs.enumerated() {
            try validateName(task.name)
            if let first = indexByName.updateValue(index, forKey: task.name) {
                throw DagValidationError(
                    .duplicateName,
                    "task name \"\(task.name)\" is used by tasks #\(first + 1) and #\(index + 1); names must be unique",
                    taskName: task.name)
            }
        }

        var parents = [[Int]](repeating: [], count: specs.count)
        var children = [[Int]](repeating: [], count: specs.count)
        var planned: [PlannedTask] = []
        planned.reserveCapacity(specs.count)
        var totalCost: Int64 = 0
        // mark[p] == i once p is recorded as a parent of i: O(1) duplicate and membership
        // checks without a set per task.
        var mark = [Int](repeating: -1, count: specs.count)
        for (index, task) in specs.enumerated() {
            guard task.dependsOn.count <= limits.maxDependenciesPerTask else {
                throw DagValidationError(
                    .tooManyDependencies,
                    "task \"\(task.name)\" has \(task.dependsOn.count) dependencies; at most \(limits.maxDependenciesPerTask) are allowed",
                    taskName: task.name)
            }
            for parentName in task.dependsOn {
                guard let parent = indexByName[parentName] else {
                    throw DagValidationError(
                        .unknownDependency,
                        "task \"\(task.name)\" depends on \"\(parentName)\", which is not a task of this submission",
                        taskName: task.name)
                }
                guard parent != index else {
                    throw DagValidationError(
                        .selfDependency, "task \"\(task.name)\" depends on itself", taskName: task.name)
                }
                guard mark[parent] != index else {
                    throw DagValidationError(
                        .duplicateDependency, "task \"\(task.name)\" lists dependency \"\(parentName)\" twice",
                        taskName: task.name)
                }
                mark[parent] = index
                parents[index].append(parent)
                children[parent].append(index)
            }
            if task.spec.swarmID != submission.swarmID {
                throw DagValidationError(
                    .swarmMismatch,
                    "task \"\(task.name)\" names swarm \"\(task.spec.swarmID)\" but the DAG runs in \"\(submission.swarmID)\"",
                    taskName: task.name)
            }
            do {
                try TaskSpecValidation.validate(task.spec, limits: limits)
            } catch {
                throw DagValidationError(.invalidSpec, "task \"\(task.name)\": \(error.message)", taskName: task.name)
            }
            let template: PromptTemplate
            do {
                template = try PromptTemplate(parsing: task.spec.prompt)
            } catch {
                throw DagValidationError(error.code, "task \"\(task.name)\": \(error.message)", taskName: task.name)
            }
            let isParent = { (name: String) -> Bool in indexByName[name].map { mark[$0] == index } ?? false }
            let firstMissing = template.segments.lazy.compactMap { segment -> String? in
                if case .parent(let name, _) = segment, !isParent(name) { name } else { nil }
            }.first
            if let missing = firstMissing {
                throw DagValidationError(
                    .placeholderNotAParent,
                    "task \"\(task.name)\" refers to {{ tasks.\(missing).* }} but \"\(missing)\" is not in its depends_on",
                    taskName: task.name)
            }
            if let from = task.inputFrom, !isParent(from) {
                throw DagValidationError(
                    .inputFromNotAParent,
                    "task \"\(task.name)\" takes its input from \"\(from)\", which is not in its depends_on",
                    taskName: task.name)
            }
            var spec = task.spec
            spec.redundancy = spec.redundancy.normalized()
            // Capped so that the sum over a submission can never overflow.
            let cost = min(pricing.maxCost(of: spec), limits.maxCostMicrosPerTask)
            totalCost += cost
            planned.append(
                PlannedTask(
                    index: index, name: task.name, parents: parents[index], children: [],
                    initialState: parents[index].isEmpty ? .ready : .pending, spec: spec, template: template,
                    inputFrom: task.inputFrom, attachParentOutputs: task.attachParentOutputs, maxCostMicros: cost))
        }
        for index in planned.indices { planned[index].children = children[index] }

        let order = try Self.topologicalOrder(parents: parents, children: children, names: specs.map(\.name))

        // Critical path over expected durations, in topological order.
        var finish = [Int64](repeating: 0, count: specs.count)
        var longest: Int64 = 0
        for index in order {
            var start: Int64 = 0
            for parent in parents[index] { start = max(start, finish[parent]) }
            let spec = planned[index].spec
            finish[index] = start + (spec.expectedDuration ?? spec.timeouts.startToClose).wholeMilliseconds
            longest = max(longest, finish[index])
        }
        return ExecutionPlan(
            tasks: planned, topologicalOrder: order, estimatedCostMicros: totalCost,
            estimatedDuration: .milliseconds(longest))
    }

    private func validateName(_ name: String) throws(DagValidationError) {
        let utf8 = name.utf8
        guard !utf8.isEmpty, utf8.count <= limits.maxNameLength else {
            throw DagValidationError(
                .invalidName, "task name \"\(name.prefix(80))\" must have 1 to \(limits.maxNameLength) characters",
                taskName: name)
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                throw DagValidationError(
                    .invalidName, "task name \"\(name)\" may use only letters, digits, \"_\" and \"-\"", taskName: name)
            }
        }
    }

    /// Kahn's algorithm; on a cycle, names one.
    static func topologicalOrder(parents: [[Int]], children: [[Int]], names: [String]) throws(DagValidationError)
        -> [Int]
    {
        var remaining = parents.map(\.count)
        var order: [Int] = []
        order.reserveCapacity(parents.count)
        for index in parents.indices where remaining[index] == 0 { order.append(index) }
        var head = 0
        while head < order.count {
            let index = order[head]
            head += 1
            for child in children[index] {
                remaining[child] -= 1
                if remaining[child] == 0 { order.append(child) }
            }
        }
        guard order.count < parents.count else { return order }

        // Every task left has a parent left; following those parents must loop.
        guard let start = remaining.firstIndex(where: { $0 > 0 }) else { return order }
        var position: [Int: Int] = [:]
        var path: [Int] = []
        var current = start
        while position[current] == nil {
            position[current] = path.count
            path.append(current)
            guard let next = parents[current].first(where: { remaining[$0] > 0 }) else { break }
            current = next
        }
        var cycle = Array(path[(position[current] ?? 0)...])
        // Start the cycle at its earliest submitted task, so the message is stable.
        if let smallest = cycle.indices.min(by: { cycle[$0] < cycle[$1] }) {
            cycle = Array(cycle[smallest...] + cycle[..<smallest])
        }
        let cycleNames = (cycle + [cycle[0]]).map { names[$0] }
        throw DagValidationError(
            .cycle,
            "tasks depend on each other in a cycle: \(cycleNames.joined(separator: " -> ")) (each task depends on the next); remove one of these dependencies",
            taskName: cycleNames[0], cycle: cycleNames)
    }
}

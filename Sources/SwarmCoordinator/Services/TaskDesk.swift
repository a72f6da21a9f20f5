import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.TaskService`: submit tasks and DAGs, read them, cancel, watch.
struct TaskDesk: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        router.unary(Openswarm_V1_TaskService.Method.submitTask) { request, call in
            try await submitTask(request, call)
        }
        router.unary(Openswarm_V1_TaskService.Method.submitDag) { request, call in
            try await submitDag(request, call)
        }
        router.unary(Openswarm_V1_TaskService.Method.getTask) { request, call in
            let principal = try context.callers.principal(call)
            let stored = try await task(request.taskID, for: principal)
            var response = Openswarm_V1_GetTaskResponse()
            response.task = context.wireTask(stored)
            return response
        }
        router.unary(Openswarm_V1_TaskService.Method.listTasks) { request, call in
            try await listTasks(request, call)
        }
        router.unary(Openswarm_V1_TaskService.Method.getTaskResults) { request, call in
            let principal = try context.callers.principal(call)
            let stored = try await task(request.taskID, for: principal)
            var response = Openswarm_V1_GetTaskResultsResponse()
            response.taskID = stored.id.rawValue
            response.state = WireEnums.state(stored.state)
            let attempts = stored.attempts.filter { attempt in
                attempt.result != nil && (!request.canonicalOnly || attempt.number == stored.canonicalAttempt)
            }
            response.results = attempts.map {
                TaskMapping.result(stored.id, $0, includeOutput: !request.omitOutput)
            }
            if stored.spec.redundancy.requiresConsensus { response.consensus = TaskMapping.consensus(stored) }
            response.totalCostMicros = stored.paidMicros
            return response
        }
        router.unary(Openswarm_V1_TaskService.Method.cancelTask) { request, call in
            let principal = try context.callers.principal(call)
            _ = try await task(request.taskID, for: principal)
            let id = TaskID(request.taskID)
            let now = context.clock.now()
            let (before, after, dag) = try await context.executor.run {
                (store) throws(StoreError) -> (StoredTask, StoredTask, [StoredTask]) in
                let before = try store.task(id)
                _ = try store.cancel(id, now: now)
                let after = try store.task(id)
                return (before, after, try store.tasks(inDag: after.dagID))
            }
            context.workChanged()
            context.tracker.touched(dag.map(\.id))
            var response = Openswarm_V1_CancelTaskResponse()
            response.task = context.wireTask(after)
            response.refundedMicros = after.refundedMicros - before.refundedMicros
            response.cancelledDependentTaskIDs = dag.filter {
                $0.id != id && $0.endReason == .upstreamFailed && $0.endedAt == now
            }.map(\.id.rawValue)
            return response
        }
        router.serverStreaming(Openswarm_V1_TaskService.Method.watchTask) { request, responses, call in
            let principal = try context.callers.principal(call)
            let watch = context.changes.watch(TaskID(request.taskID))
            defer { context.changes.unwatch(watch) }
            var seen = watch.signal.generation
            // The access check's read is also the first state sent.
            var read: StoredTask? = try await task(request.taskID, for: principal)
            var last: Openswarm_V1_Task?
            // Under load changes come in bursts: a bucket of ten reads, refilled at fifty
            // a second, answers the first changes at once and caps a busy watcher.
            var bucket = ReadBucket(capacity: 10, perSecond: 50)
            while !Task.isCancelled {
                let stored: StoredTask
                if let first = read {
                    stored = first
                    read = nil
                } else {
                    if let wait = bucket.take() { try? await Task.sleep(for: wait) }
                    seen = watch.signal.generation
                    stored = try await task(request.taskID)
                }
                let wire = context.wireTask(stored, includeOutputs: request.includeOutputs)
                if wire != last {
                    var update = Openswarm_V1_WatchTaskResponse()
                    update.task = wire
                    try await responses.write(update)
                    last = wire
                }
                if stored.state.isTerminal { return }
                await watch.signal.wait(after: seen, timeout: .seconds(5))
            }
        }
    }

    private func task(_ id: String) async throws(RPCError) -> StoredTask {
        guard !id.isEmpty else { throw RPCError(.invalidArgument, "task_id is required") }
        let taskID = TaskID(id)
        return try await context.executor.run { (store) throws(StoreError) in try store.task(taskID) }
    }

    /// The task, if `principal` may see it; another submitter's task is NOT_FOUND (as
    /// if it did not exist: ids must not leak).
    private func task(_ id: String, for principal: Principal) async throws(RPCError) -> StoredTask {
        let stored = try await task(id)
        guard principal.mayAccess(submitter: stored.submitter) else {
            throw RPCError(.notFound, "task \(id) does not exist")
        }
        return stored
    }

    func submitTask(_ request: Openswarm_V1_SubmitTaskRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_SubmitTaskResponse
    {
        let principal = try context.callers.principal(call, requiring: .user)
        guard let wire = request.task else { throw RPCError(.invalidArgument, "task is required") }
        let spec = try TaskSpecMapping.core(wire, defaultSwarm: context.configuration.defaultSwarm)
        var response = Openswarm_V1_SubmitTaskResponse()
        if request.validateOnly {
            var echo = Openswarm_V1_Task()
            echo.spec = wire
            response.task = echo
            return response
        }
        let now = context.clock.now()
        let params = SubmitParams(task: spec, submitter: principal.id, account: principal.account, now: now)
        let stored = try await context.submitting(tasks: 1, now: now) {
            (store) throws(StoreError) -> (StoredTask, [TaskID]) in
            let outcome = try store.submit(params)
            return (try store.task(outcome.taskIDs[0]), outcome.taskIDs)
        }
        context.tracker.touched([stored.id])
        response.task = context.wireTask(stored)
        return response
    }

    func submitDag(_ request: Openswarm_V1_SubmitDagRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_SubmitDagResponse
    {
        let principal = try context.callers.principal(call, requiring: .user)
        guard !request.tasks.isEmpty else { throw RPCError(.invalidArgument, "a DAG needs at least one task") }
        let swarm = request.swarmID.isEmpty ? context.configuration.defaultSwarm : request.swarmID
        var tasks: [DagTaskSpec] = []
        tasks.reserveCapacity(request.tasks.count)
        for entry in request.tasks {
            var spec = try TaskSpecMapping.core(entry.spec ?? Openswarm_V1_TaskSpec(), defaultSwarm: swarm)
            if entry.spec?.swarmID.isEmpty ?? true { spec.swarmID = SwarmID(swarm) }
            tasks.append(
                DagTaskSpec(
                    name: entry.name, dependsOn: entry.dependsOn, spec: spec,
                    inputFrom: entry.inputFrom.isEmpty ? nil : entry.inputFrom,
                    attachParentOutputs: entry.attachParentOutputs))
        }
        let submission = DagSubmission(name: request.name, swarmID: SwarmID(swarm), tasks: tasks)
        var response = Openswarm_V1_SubmitDagResponse()
        var dag = Openswarm_V1_Dag()
        dag.name = request.name
        dag.swarmID = swarm
        dag.createdBy = principal.id.rawValue
        dag.labels = request.labels
        if request.validateOnly {
            do { _ = try DagPlanner().plan(submission) } catch {
                throw RPCError(.invalidArgument, error.message)
            }
            response.dag = dag
            return response
        }
        let now = context.clock.now()
        let params = SubmitParams(submission: submission, submitter: principal.id, account: principal.account, now: now)
        let outcome = try await context.submitting(tasks: tasks.count, now: now) {
            (store) throws(StoreError) -> (SubmitOutcome, [TaskID]) in
            let outcome = try store.submit(params)
            return (outcome, outcome.taskIDs)
        }
        context.tracker.touched(outcome.taskIDs)
        dag.id = outcome.dagID.rawValue
        dag.createTime = WireTime.timestamp(now)
        dag.tasks = zip(request.tasks, outcome.taskIDs).map { entry, id in
            var ref = Openswarm_V1_DagTaskRef()
            ref.name = entry.name
            ref.taskID = id.rawValue
            return ref
        }
        response.dag = dag
        response.escrowedMicros = outcome.escrowedMicros
        return response
    }

    func listTasks(_ request: Openswarm_V1_ListTasksRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_ListTasksResponse
    {
        let principal = try context.callers.principal(call)
        let pageSize = request.pageSize == 0 ? 100 : Int(request.pageSize)
        guard (1...1_000).contains(pageSize) else {
            throw RPCError(.invalidArgument, "page_size must be 1 to 1000, not \(request.pageSize)")
        }
        var states = Set<TaskState>()
        for state in request.states {
            guard let core = WireEnums.state(state) else {
                throw RPCError(.invalidArgument, "unknown task state \(state)")
            }
            states.insert(core)
        }
        var submitter = request.createdBy.map { PrincipalID($0) }
        if !principal.seesEverything {
            if let asked = submitter, asked != principal.id {
                throw RPCError(.permissionDenied, "only moderators and admins list other submitters' tasks")
            }
            submitter = principal.id
        }
        let query = TaskQuery(
            states: states, dagID: request.dagID.map { DagID($0) }, submitter: submitter, limit: pageSize,
            after: request.pageToken.isEmpty ? nil : TaskID(request.pageToken))
        let tasks = try await context.executor.run { (store) throws(StoreError) in try store.tasks(query) }
        var response = Openswarm_V1_ListTasksResponse()
        response.tasks = tasks.map { context.wireTask($0, includeOutputs: request.view == .full) }
        if tasks.count == pageSize, let last = tasks.last { response.nextPageToken = last.id.rawValue }
        return response
    }
}

/// A token bucket for a watcher's reads.
struct ReadBucket {
    let capacity: Double
    let perSecond: Double
    private var tokens: Double
    private var refilled = ContinuousClock.now

    init(capacity: Int, perSecond: Double) {
        self.capacity = Double(capacity)
        self.perSecond = perSecond
        self.tokens = Double(capacity)
    }

    /// Takes a token; returns how long to wait first when none was left.
    mutating func take() -> Duration? {
        let now = ContinuousClock.now
        let (seconds, attoseconds) = (now - refilled).components
        tokens = min(capacity, tokens + max(0, Double(seconds) + Double(attoseconds) / 1e18) * perSecond)
        refilled = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        let wait = (1 - tokens) / perSecond
        tokens = 0
        refilled = now + .milliseconds(Int64(wait * 1000))
        return .milliseconds(Int64(wait * 1000))
    }
}

import Foundation
import SwarmCrypto
import SwarmProto

/// Leasing and running: long-poll LeaseTasks for as many tasks as there are free
/// slots (never while none is free), run each lease as a child task, and put its
/// outcome in the outbox.
extension AgentSession {
    /// How long a busy node waits, after one slot frees, for a quarter of its slots to
    /// be free before it leases (`SlotPool.waitForAvailableSlots`). Only a node with fewer
    /// than a quarter free waits at all (it has work in hand); at 2 ms, short tasks made
    /// every big lease trail a small one (the few slots that freed during its round
    /// trip), each a store transaction of its own at the coordinator.
    static let leaseCoalescingWindow: Duration = .milliseconds(10)

    func leaseLoop(_ group: inout DiscardingTaskGroup) async {
        var backoff = Backoff(configuration)
        while !control.isDraining {
            await slots.waitForAvailableSlots(
                max(1, slots.capacity / 4), within: Self.leaseCoalescingWindow
            ) { control.isDraining }
            if control.isDraining { break }
            if needsFlush.withLock({ $0 }) { _ = try? await flushOutbox() }
            // The request holds the slots it asks for (a report may be leasing too).
            let reserved = slots.reserve(upTo: slots.capacity)
            guard reserved > 0 else { continue }
            var request = Openswarm_V1_LeaseTasksRequest()
            request.maxTasks = UInt32(reserved)
            request.maxWait = Google_Protobuf_Duration(configuration.leaseWait)
            request.warmModelIDs = runtimes.capabilities.models.map(\.modelID)
            let identity = client.identity
            do {
                let client = self.client
                let timeout = configuration.leaseWait + .seconds(5)
                let sent = request
                let response = try await control.cancellingOnDrain(on: executor) {
                    try await client.call(Openswarm_V1_WorkerService.Method.leaseTasks, sent, timeout: timeout)
                }
                backoff.reset()
                start(response.leases, reserved: reserved, in: &group)
                if response.leases.isEmpty, let retry = response.retryAfter?.swiftDuration, retry > .zero {
                    await pause(retry)
                }
            } catch {
                slots.release(reserved)
                if control.isDraining { break }
                if Self.isUnauthenticated(error) {
                    await reregister(after: identity)
                    continue
                }
                logger.warning("leasing failed: \(error)")
                needsFlush.withLock { $0 = true }
                await pause(backoff.next())
            }
        }
    }

    /// Starts granted leases on `reserved` slots held for them, and gives back the slots
    /// left over. A lease granted while the node began draining, or beyond the slots
    /// asked for, goes straight back (ERROR_KIND_NODE_SHUTTING_DOWN: retried elsewhere
    /// without spending an attempt).
    func start(_ leases: [Openswarm_V1_Lease], reserved: Int, in group: inout DiscardingTaskGroup) {
        var started = 0
        for lease in leases {
            if control.isDraining || started == reserved {
                book.add(lease, phase: .reporting)
                let reason = control.isDraining ? "the node is draining" : "more leases than free slots"
                enqueue(.failure(failureReport(lease, RuntimeFailure(.nodeShuttingDown, reason))))
                continue
            }
            started += 1
            slots.start()
            book.add(lease)
            logger.debug("leased", metadata: ["lease_id": "\(lease.leaseID)", "task_id": "\(lease.taskID)"])
            group.addTask { await self.runLease(lease) }
        }
        slots.release(reserved - started)
    }

    /// The longest the deadline loop sleeps with nothing due (a safety net: it wakes at
    /// each deadline, and an attempt due sooner than its next wake wakes it).
    static let deadlineSweepInterval: Duration = .seconds(1)

    /// Stops attempts that outlive their lease's start-to-close limit, waking at the
    /// earliest deadline (an idle worker wakes once a second).
    func deadlineLoop() async {
        while !control.isStopped {
            let now = ContinuousClock.now
            let latest = now + Self.deadlineSweepInterval
            // Set before the sweep: an attempt attached after the sweep looked finds
            // at most this, and wakes the loop if it is due sooner.
            nextSweep.withLock { $0 = latest }
            let wake = min(book.stopOverdue(at: now) ?? latest, latest)
            nextSweep.withLock { $0 = wake }
            await sweepNow.wait(upTo: wake - now)
        }
    }

    /// Runs one lease to its end and leaves its outcome in the outbox.
    func runLease(_ lease: Openswarm_V1_Lease) async {
        let definition = lease.definition ?? Openswarm_V1_TaskDefinition()
        guard let (runtime, modelID) = runtimes.select(for: definition) else {
            slots.finish()
            book.markReporting(lease.leaseID)
            let wanted = (definition.requirements?.modelIDs ?? []) + (definition.requirements?.capabilities ?? [])
            enqueue(
                .failure(
                    failureReport(
                        lease,
                        RuntimeFailure(
                            .runtimeUnavailable,
                            "this node has no runtime for \(wanted.isEmpty ? "the task" : wanted.joined(separator: ", "))"
                        ))))
            return
        }
        let job = RuntimeJob(lease: lease, modelID: modelID)
        let book = self.book
        let leaseID = lease.leaseID
        let started = ContinuousClock.now
        let place: any TaskExecutor = runtime.runsOnEventLoop ? executor : globalConcurrentExecutor
        let work = Task(executorPreference: place) {
            try await runtime.run(job) { progress in book.record(leaseID, progress) }
        }
        // The deadline sweep (`deadlineLoop`) stops it past start-to-close; it is woken
        // when this deadline comes before its next sweep.
        let deadline = job.timeout.map { started + $0 }
        book.attach(leaseID, work: work, deadline: deadline)
        if let deadline, deadline < nextSweep.withLock({ $0 }) { sweepNow.signal() }
        let outcome = await work.result
        let elapsed = ContinuousClock.now - started
        switch book.disposition(leaseID) {
        case .timedOut:
            slots.finish()
            book.markReporting(leaseID)
            let limit = job.timeout.map { "\($0)" } ?? "?"
            logger.info("attempt timed out", metadata: ["lease_id": "\(leaseID)", "limit": "\(limit)"])
            var report = failureReport(
                lease, RuntimeFailure(.timeout, "the attempt ran longer than its start-to-close limit of \(limit)"))
            var stats = Openswarm_V1_RuntimeStats()
            stats.duration = Google_Protobuf_Duration(elapsed)
            stats.runtime = runtime.name
            report.stats = stats
            enqueue(.failure(report))
        case .cancelled, .abandoned:
            slots.finish()
            logger.info("stopped lease dropped", metadata: ["lease_id": "\(leaseID)"])
            book.remove(leaseID)
            return
        case .handBack:
            slots.finish()
            book.markReporting(leaseID)
            enqueue(.failure(failureReport(lease, RuntimeFailure(.nodeShuttingDown, "the node is shutting down"))))
        case .report:
            book.markReporting(leaseID)
            switch outcome {
            case .success(var output):
                if output.stats.duration == nil { output.stats.duration = Google_Protobuf_Duration(elapsed) }
                if let modelID, output.stats.modelID.isEmpty { output.stats.modelID = modelID }
                // The slot stays held with the result: the report that carries it asks
                // for the next lease with it (`flushOutbox(leasingInto:)`).
                slots.finish(keep: true)
                enqueue(.result(finishedResult(lease, output)), carryingSlot: true)
            case .failure(let error):
                slots.finish()
                let failure = RuntimeFailure.classify(error)
                logger.info(
                    "attempt failed", metadata: ["lease_id": "\(leaseID)", "error": "\(failure)"])
                var report = failureReport(lease, failure)
                var stats = Openswarm_V1_RuntimeStats()
                stats.duration = Google_Protobuf_Duration(elapsed)
                stats.runtime = runtime.name
                report.stats = stats
                enqueue(.failure(report))
            }
        }
    }

    /// The result with output_sha256. It is signed when reported, with the rest of its
    /// batch (`ReportResultsRequest.batch_signature`): one Ed25519 signature per batch
    /// instead of one per result, which had cost a worker more CPU than running an
    /// echo task.
    func finishedResult(_ lease: Openswarm_V1_Lease, _ output: RuntimeOutput) -> Openswarm_V1_TaskResult {
        var result = Openswarm_V1_TaskResult()
        result.taskID = lease.taskID
        result.leaseID = lease.leaseID
        result.attemptNumber = lease.attemptNumber
        result.output = output.output
        result.outputSha256 = SHA256Digest.hash(output.output)
        result.mediaType = output.mediaType
        result.stats = output.stats
        result.finishTime = .now()
        return result
    }

    func failureReport(_ lease: Openswarm_V1_Lease, _ failure: RuntimeFailure) -> Openswarm_V1_ReportFailureRequest {
        var report = Openswarm_V1_ReportFailureRequest()
        report.leaseID = lease.leaseID
        report.taskID = lease.taskID
        report.attemptNumber = lease.attemptNumber
        report.error = failure.taskError
        return report
    }
}

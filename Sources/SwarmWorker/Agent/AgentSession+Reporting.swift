import Logging
import SwarmCrypto
import SwarmProto
import SwarmRPC
import Synchronization

/// Reporting: every finished attempt goes to the outbox (the spool on disk, or memory
/// if the disk refuses) and from there to the coordinator, batched; an entry leaves
/// the outbox only with a final acknowledgement. Streamed progress goes out at most
/// every `progressInterval`.
extension AgentSession {
    /// Queues a report and wakes the reporter. A result of an attempt that ended
    /// normally keeps its slot (`carryingSlot`) until the report that carries it has
    /// asked for the next lease with it.
    func enqueue(_ entry: SpoolEntry, carryingSlot: Bool = false) {
        if carryingSlot { carriedSlots.withLock { $0 += 1 } }
        outbox.add(entry)
        control.reportReady.signal()
    }

    /// The reporter: reports the outbox whenever something is added, leasing with the
    /// slots the results free; the attempts those leases start run in its own group.
    func reportLoop() async {
        await withDiscardingTaskGroup { group in
            var backoff = Backoff(configuration)
            while !control.isStopped {
                let identity = client.identity
                do {
                    try await flushOutbox(leasingInto: &group)
                    backoff.reset()
                    await control.reportReady.wait(upTo: .seconds(1))
                    await waitForMoreResults()
                } catch {
                    if Self.isUnauthenticated(error) {
                        await reregister(after: identity)
                        continue
                    }
                    logger.warning("reporting failed; results wait in the spool: \(error)")
                    await control.reportReady.wait(upTo: backoff.next())
                }
            }
        }
    }

    /// How long the reporter, woken by a result while other attempts still run, waits
    /// for them to end before it reports: short tasks then hand in (and lease) a whole
    /// round of the node's slots per call instead of a few results each, and each call
    /// is a store transaction at the coordinator. A result that ends the node's work
    /// goes at once, so an idle node's single task is not delayed; a long task's result
    /// waits at most this long for its neighbours. Measured with 2 workers x 64 slots of
    /// echo tasks, against waiting up to 5 ms for a quarter of the slots: 11,600-11,900
    /// -> 12,900-14,900 tasks/s on SQLite, 5,600-5,700 -> 6,700-8,000 on PostgreSQL.
    static let reportCoalescingWindow: Duration = .milliseconds(10)

    func waitForMoreResults() async {
        let deadline = ContinuousClock.now + Self.reportCoalescingWindow
        while book.runningCount > 0, !control.isDraining {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            await control.reportReady.wait(upTo: left)
        }
    }

    /// Reports everything in the outbox once, without leasing (the slots results carry
    /// are given back for the lease loop).
    func flushOutbox() async throws {
        slots.release(takeCarriedSlots())
        _ = try await flush(leaseSlots: 0)
    }

    /// The slots results carried since the last report, now the caller's to lease with
    /// or give back.
    private func takeCarriedSlots() -> Int {
        carriedSlots.withLock { taken in
            defer { taken = 0 }
            return taken
        }
    }

    /// Reports everything in the outbox once and, unless the node is draining, asks in
    /// the same call for leases on the slots the results carried and any other free
    /// slot; starts what is granted and gives back the slots left over.
    func flushOutbox(leasingInto group: inout DiscardingTaskGroup) async throws {
        var reserved = takeCarriedSlots()
        if control.isDraining || outbox.isEmpty {
            // Nothing to carry a lease request (or no more work wanted): the lease
            // loop asks for these slots.
            slots.release(reserved)
            _ = try await flush(leaseSlots: 0)
            return
        }
        reserved += slots.reserve(upTo: slots.capacity)
        let leases: [Openswarm_V1_Lease]
        do {
            leases = try await flush(leaseSlots: reserved)
        } catch {
            slots.release(reserved)
            throw error
        }
        start(leases, reserved: reserved, in: &group)
    }

    /// Reports the outbox as it is now: failures one by one, then results in one
    /// ReportResults batch (asking for up to `leaseSlots` leases). On a transport failure the
    /// unreported entries are written to the spool, then the error is rethrown. Returns
    /// the leases granted.
    private func flush(leaseSlots: Int) async throws -> [Openswarm_V1_Lease] {
        let items = outbox.snapshot
        guard !items.isEmpty else {
            needsFlush.withLock { $0 = false }
            return []
        }
        let leases: [Openswarm_V1_Lease]
        do {
            leases = try await report(items.map(\.entry), leaseSlots: leaseSlots)
        } catch {
            do { try outbox.persist(to: spool) } catch let diskError {
                logger.error("cannot spool reports; keeping them in memory only: \(diskError)")
            }
            throw error
        }
        needsFlush.withLock { $0 = false }
        return leases
    }

    private func report(_ entries: [SpoolEntry], leaseSlots: Int) async throws -> [Openswarm_V1_Lease] {
        let results = entries.compactMap { entry -> Openswarm_V1_TaskResult? in
            if case .result(let result) = entry { return result }
            return nil
        }
        // Failures first: the results' call may grant leases, which must not be lost
        // to a failure's error after it.
        for entry in entries {
            guard case .failure(let failure) = entry else { continue }
            let response = try await client.call(
                Openswarm_V1_WorkerService.Method.reportFailure, failure, timeout: .seconds(30))
            let ack = response.ack ?? Openswarm_V1_ReportAck()
            guard Self.isFinal(ack.status) else { continue }
            for file in outbox.remove(where: { $0 == entry }) { spool.remove(file) }
            book.remove(failure.leaseID)
            logAck(ack)
        }
        var leases: [Openswarm_V1_Lease] = []
        if !results.isEmpty {
            var request = Openswarm_V1_ReportResultsRequest()
            request.results = results
            request.leaseMaxTasks = UInt32(max(0, leaseSlots))
            // One signature for the whole batch (a batch of one included): it binds
            // every result's task, attempt and hash, at one signature here and one
            // verification at the coordinator instead of one each per result.
            let key = state.withLock { $0.signingKey }
            request.batchSignature = try ResultSignature.signBatch(
                results.map {
                    ResultSignature.BatchEntry(
                        taskID: $0.taskID, attemptNumber: $0.attemptNumber, outputSHA256: $0.outputSha256)
                }, key: key)
            let response = try await client.call(
                Openswarm_V1_WorkerService.Method.reportResults, request, timeout: .seconds(30))
            leases = response.leases
            let final = response.acks.filter { Self.isFinal($0.status) }
            let keys = Set(final.map { AttemptKey(leaseID: $0.leaseID, attemptNumber: $0.attemptNumber) })
            let files = outbox.remove { entry in
                guard case .result = entry else { return false }
                return keys.contains(AttemptKey(leaseID: entry.leaseID, attemptNumber: entry.attemptNumber))
            }
            for file in files { spool.remove(file) }
            for ack in final {
                book.remove(ack.leaseID)
                logAck(ack)
            }
        }
        return leases
    }

    /// Statuses after which the report must be forgotten (task.proto ReportStatus).
    static func isFinal(_ status: Openswarm_V1_ReportStatus) -> Bool {
        switch status {
        case .accepted, .duplicate, .staleLease, .notLeaseHolder, .taskCancelled, .badSignature, .hashMismatch,
            .tooLarge:
            return true
        case .unspecified, .unrecognized:
            return false
        }
    }

    private func logAck(_ ack: Openswarm_V1_ReportAck) {
        let metadata: Logger.Metadata = [
            "lease_id": "\(ack.leaseID)", "task_id": "\(ack.taskID)", "status": "\(ack.status.protoName ?? "")",
        ]
        switch ack.status {
        case .accepted, .duplicate: logger.debug("report acknowledged", metadata: metadata)
        default: logger.warning("report refused: \(ack.message)", metadata: metadata)
        }
    }

    /// Sends streamed progress (partial output) at most every `progressInterval`.
    func progressLoop() async {
        while !control.isStopped {
            await control.changed.wait(upTo: configuration.progressInterval)
            let updates = book.takeChangedProgress()
            guard !updates.isEmpty else { continue }
            var request = Openswarm_V1_ReportProgressRequest()
            request.updates = updates
            do {
                let response = try await client.call(
                    Openswarm_V1_WorkerService.Method.reportProgress, request, timeout: .seconds(10))
                applyStops(cancellations: response.cancellations, unknownLeaseIDs: response.unknownLeaseIDs)
            } catch {
                // Progress is best effort; heartbeats carry the state that matters.
                logger.debug("progress report failed: \(error)")
            }
        }
    }
}

/// One attempt of a lease: what an acknowledgement names.
private struct AttemptKey: Hashable {
    var leaseID: String
    var attemptNumber: UInt32
}

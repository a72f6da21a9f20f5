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
    /// Queues a report and wakes the reporter.
    func enqueue(_ entry: SpoolEntry) {
        outbox.add(entry)
        control.reportReady.signal()
    }

    func reportLoop() async {
        var backoff = Backoff(configuration)
        while !control.isStopped {
            let identity = client.identity
            do {
                try await flushOutbox()
                backoff.reset()
                await control.reportReady.wait(upTo: .seconds(1))
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

    /// Reports everything in the outbox once: results in one ReportResults batch,
    /// failures one by one. On a transport failure the unreported entries are written
    /// to the spool, then the error is rethrown.
    func flushOutbox() async throws {
        let items = outbox.snapshot
        guard !items.isEmpty else {
            needsFlush.withLock { $0 = false }
            return
        }
        do {
            try await report(items.map(\.entry))
        } catch {
            do { try outbox.persist(to: spool) } catch let diskError {
                logger.error("cannot spool reports; keeping them in memory only: \(diskError)")
            }
            throw error
        }
        needsFlush.withLock { $0 = false }
    }

    private func report(_ entries: [SpoolEntry]) async throws {
        let results = entries.compactMap { entry -> Openswarm_V1_TaskResult? in
            if case .result(let result) = entry { return result }
            return nil
        }
        if !results.isEmpty {
            var request = Openswarm_V1_ReportResultsRequest()
            request.results = results
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
            let final = response.acks.filter { Self.isFinal($0.status) }
            let keys = Set(final.map { "\($0.leaseID)#\($0.attemptNumber)" })
            let files = outbox.remove { entry in
                guard case .result = entry else { return false }
                return keys.contains("\(entry.leaseID)#\(entry.attemptNumber)")
            }
            for file in files { spool.remove(file) }
            for ack in final {
                book.remove(ack.leaseID)
                logAck(ack)
            }
        }
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

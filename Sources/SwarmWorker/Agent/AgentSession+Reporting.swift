import Logging
import SwarmProto
import SwarmRPC
import Synchronization

/// Reporting: every finished attempt goes to the outbox (the spool on disk, or memory
/// if the disk refuses) and from there to the coordinator, batched; an entry leaves
/// the outbox only with a final acknowledgement. Streamed progress goes out at most
/// every `progressInterval`.
extension AgentSession {
    /// Spools a report and wakes the reporter.
    func enqueue(_ entry: SpoolEntry) {
        do {
            try spool.write(entry)
        } catch {
            logger.error("cannot spool a report; keeping it in memory only: \(error)")
            memoryOutbox.withLock { $0.append(entry) }
        }
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
                logger.warning("reporting failed; results stay in the spool: \(error)")
                await control.reportReady.wait(upTo: backoff.next())
            }
        }
    }

    /// Reports everything in the outbox once: results in one ReportResults batch,
    /// failures one by one. Throws on a transport failure (entries stay).
    func flushOutbox() async throws {
        let spooled = spool.list()
        let inMemory = memoryOutbox.withLock { outbox in
            defer { outbox.removeAll() }
            return outbox
        }
        // Memory entries go back unless acknowledged below.
        var unacknowledgedMemory = inMemory
        defer {
            let leftover = unacknowledgedMemory
            if !leftover.isEmpty { memoryOutbox.withLock { $0.insert(contentsOf: leftover, at: 0) } }
        }
        let entries = spooled.map { ($0.name as String?, $0.entry) } + inMemory.map { (nil as String?, $0) }
        let results = entries.compactMap { name, entry -> (String?, Openswarm_V1_TaskResult)? in
            if case .result(let result) = entry { return (name, result) }
            return nil
        }
        if !results.isEmpty {
            var request = Openswarm_V1_ReportResultsRequest()
            request.results = results.map(\.1)
            let response = try await client.call(
                Openswarm_V1_WorkerService.Method.reportResults, request, timeout: .seconds(30))
            for ack in response.acks where Self.isFinal(ack.status) {
                for (name, result) in results
                where result.leaseID == ack.leaseID && result.attemptNumber == ack.attemptNumber {
                    if let name { spool.remove(name) }
                    unacknowledgedMemory.removeAll { $0 == .result(result) }
                    book.remove(result.leaseID)
                    logAck(ack)
                }
            }
        }
        for (name, entry) in entries {
            guard case .failure(let failure) = entry else { continue }
            let response = try await client.call(
                Openswarm_V1_WorkerService.Method.reportFailure, failure, timeout: .seconds(30))
            let ack = response.ack ?? Openswarm_V1_ReportAck()
            guard Self.isFinal(ack.status) else { continue }
            if let name { spool.remove(name) }
            unacknowledgedMemory.removeAll { $0 == entry }
            book.remove(failure.leaseID)
            logAck(ack)
        }
        needsFlush.withLock { $0 = false }
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

import SwarmProto

/// Heartbeats: tell the coordinator the node is alive and which leases it holds (so
/// they are extended), and follow its answer: cancellations, leases it no longer
/// considers ours, the interval, and a drain ordered through NodeService.DrainNode.
extension AgentSession {
    func heartbeatLoop() async {
        var sampler = UtilizationSampler(stateDirectory: configuration.stateDirectory)
        var backoff = Backoff(configuration)
        var connected = true
        while !control.isStopped {
            var request = Openswarm_V1_HeartbeatRequest()
            request.status = control.isDraining ? .draining : .online
            request.utilization = sampler.sample()
            request.freeSlots = control.isDraining ? 0 : UInt32(slots.free)
            request.leases = book.heartbeatProgress()
            request.agentVersion = WorkerAgent.agentVersion
            let identity = client.identity
            do {
                let interval = heartbeatInterval.withLock { $0 }
                let response = try await client.call(
                    Openswarm_V1_WorkerService.Method.heartbeat, request, timeout: max(interval * 2, .seconds(5)))
                applyStops(cancellations: response.cancellations, unknownLeaseIDs: response.unknownLeaseIDs)
                adoptHeartbeatInterval(response.heartbeatInterval)
                if response.nodeStatus == .draining, !control.isDraining {
                    logger.info("the coordinator asked this node to drain")
                    control.beginDrain()
                    slots.interrupt()
                }
                backoff.reset()
                if !connected {
                    logger.info("the coordinator is reachable again")
                    connected = true
                    needsFlush.withLock { $0 = true }
                    control.reportReady.signal()
                }
                await pause(heartbeatInterval.withLock { $0 })
            } catch {
                if Self.isUnauthenticated(error) {
                    await reregister(after: identity)
                    continue
                }
                if connected { logger.warning("heartbeat failed: \(error)") }
                connected = false
                needsFlush.withLock { $0 = true }
                await pause(min(backoff.next(), heartbeatInterval.withLock { $0 }))
            }
        }
    }

    /// Stops what the coordinator cancelled (nothing is reported) and abandons what it
    /// no longer considers ours (its result, if any, is dropped).
    func applyStops(cancellations: [Openswarm_V1_LeaseCancellation], unknownLeaseIDs: [String]) {
        for cancellation in cancellations where book.stop(cancellation.leaseID, .cancelled) {
            logger.info(
                "lease cancelled by the coordinator",
                metadata: ["lease_id": "\(cancellation.leaseID)", "reason": "\(cancellation.reason)"])
        }
        for leaseID in unknownLeaseIDs where book.contains(leaseID) {
            logger.warning(
                "the coordinator does not consider this lease ours; abandoning it", metadata: ["lease_id": "\(leaseID)"]
            )
            if !book.stop(leaseID, .abandoned) {
                // Already finished: drop its report.
                for file in outbox.remove(where: { $0.leaseID == leaseID }) { spool.remove(file) }
                book.remove(leaseID)
            }
        }
    }
}

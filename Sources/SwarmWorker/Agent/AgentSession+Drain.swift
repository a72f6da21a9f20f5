import SwarmProto

/// The orderly end: leasing has stopped; running attempts get the grace period to
/// finish, the rest are cancelled and handed back (ERROR_KIND_NODE_SHUTTING_DOWN, so
/// the coordinator retries them elsewhere without spending an attempt); then the
/// outbox is reported for as long as the coordinator answers.
extension AgentSession {
    func finishDrain() async {
        let running = book.runningCount
        logger.info("draining", metadata: ["running": "\(running)", "grace": "\(configuration.drainGracePeriod)"])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.drainGracePeriod)
        while book.runningCount > 0, clock.now < deadline {
            await pause(min(.milliseconds(50), clock.now.duration(to: deadline)))
        }
        let leftover = book.runningLeaseIDs
        for leaseID in leftover { book.stop(leaseID, .handBack) }
        if !leftover.isEmpty { logger.info("handing back unfinished leases", metadata: ["count": "\(leftover.count)"]) }
        while book.runningCount > 0 {
            await pause(.milliseconds(20))
        }
        // Report what is left; give up after a while (it stays in the spool for the
        // next start) rather than hang a shutdown on a lost coordinator.
        let flushDeadline = clock.now.advanced(
            by: max(.seconds(2), min(.seconds(10), configuration.drainGracePeriod)))
        var backoff = Backoff(configuration)
        while clock.now < flushDeadline {
            let identity = client.identity
            do {
                try await flushOutbox()
                if outbox.isEmpty { return }
                await pause(.milliseconds(50))
            } catch {
                if Self.isUnauthenticated(error) {
                    await reregister(after: identity)
                    continue
                }
                await pause(min(backoff.next(), clock.now.duration(to: flushDeadline)))
            }
        }
        do { try outbox.persist(to: spool) } catch {
            logger.error("cannot spool the last reports; they are lost with this process: \(error)")
        }
        logger.warning("the coordinator did not take every report; they stay in the spool for the next start")
    }
}

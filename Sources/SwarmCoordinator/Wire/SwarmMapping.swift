import SwarmCore
import SwarmProto
import SwarmStore

/// Stored swarms (policy, creation record, task summary) become wire `Swarm`s.
enum SwarmMapping {
    /// `summary`, when read, fills the live contents and decides READY against ACTIVE;
    /// without it a live swarm is READY (it accepts tasks).
    static func swarm(_ listing: SwarmListing, summary: SwarmTaskSummary? = nil) -> Openswarm_V1_Swarm {
        let request = listing.record.flatMap { try? Openswarm_V1_CreateSwarmRequest(serializedBytes: $0.profile) }
        let policy = listing.policy
        var wire = Openswarm_V1_Swarm()
        wire.id = policy.id.rawValue
        wire.name = policy.id.rawValue
        wire.topology = request?.topology ?? .unspecified
        wire.configuration = request?.configuration
        wire.labels = request?.labels ?? [:]
        if let record = listing.record {
            wire.createdBy = record.createdBy
            if record.createdAt.millisecondsSinceEpoch > 0 { wire.createTime = WireTime.timestamp(record.createdAt) }
            if let deletedAt = record.deletedAt { wire.updateTime = WireTime.timestamp(deletedAt) }
        }
        if listing.isDeleted {
            wire.status = .deleted
        } else {
            wire.status = (summary?.executing ?? 0) > 0 ? .active : .ready
        }
        var resources = Openswarm_V1_SwarmResources()
        resources.tokenBudgetMicros = request?.tokenBudgetMicros ?? policy.tokenBudgetMicros
        resources.tokenSpentMicros = policy.spentMicros
        resources.tokenEscrowedMicros = policy.escrowedMicros
        wire.resources = resources
        if let summary {
            var state = Openswarm_V1_SwarmState()
            state.queuedTaskCount = UInt64(summary.queued)
            state.executingTaskCount = UInt64(summary.executing)
            state.completedTaskCount = UInt64(summary.counts[.succeeded] ?? 0)
            state.failedTaskCount = UInt64(summary.counts[.failed] ?? 0)
            state.cancelledTaskCount = UInt64(summary.counts[.cancelled] ?? 0)
            wire.state = state
            wire.metrics = metrics(summary)
        }
        return wire
    }

    /// What the task summary tells of performance: lifetime completions, success rate
    /// and mean response time (quality and throughput need data the store lacks).
    static func metrics(_ summary: SwarmTaskSummary) -> Openswarm_V1_SwarmMetrics {
        var metrics = Openswarm_V1_SwarmMetrics()
        let succeeded = summary.counts[.succeeded] ?? 0
        let finished = succeeded + (summary.counts[.failed] ?? 0)
        metrics.totalTasksCompleted = UInt64(succeeded)
        metrics.successRate = finished == 0 ? 0 : Double(succeeded) / Double(finished)
        if let mean = summary.meanResponse { metrics.averageResponseDuration = WireTime.duration(mean) }
        return metrics
    }

    static func status(_ listing: SwarmListing) -> Openswarm_V1_SwarmStatus {
        listing.isDeleted ? .deleted : .ready
    }
}

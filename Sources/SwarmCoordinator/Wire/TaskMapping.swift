import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmStore

/// A stored task as the wire `Task`, and its results as wire `TaskResult`s.
enum TaskMapping {
    static func task(_ stored: StoredTask, includeOutputs: Bool = true) -> Openswarm_V1_Task {
        var task = Openswarm_V1_Task()
        task.id = stored.id.rawValue
        task.spec = TaskSpecMapping.wire(stored.spec)
        task.state = WireEnums.state(stored.state)
        task.endReason = WireEnums.endReason(stored.endReason)
        task.createTime = WireTime.timestamp(stored.submittedAt)
        task.updateTime = WireTime.timestamp(stored.endedAt ?? stored.attempts.last?.leaseTime ?? stored.submittedAt)
        if stored.state == .succeeded { task.progressPercent = 100 }

        var execution = Openswarm_V1_TaskExecution()
        execution.assignedNodeIDs = stored.activeAttempts.map(\.nodeID.rawValue)
        execution.attemptCount = UInt32(stored.attempts.count)
        execution.failedAttemptCount = UInt32(
            stored.attempts.filter { $0.state == .failed || $0.state == .expired }.count)
        execution.maxAttempts = UInt32(stored.spec.retryPolicy.maximumAttempts)
        if let first = stored.attempts.first { execution.startTime = WireTime.timestamp(first.leaseTime) }
        if let ended = stored.endedAt { execution.endTime = WireTime.timestamp(ended) }
        task.execution = execution

        task.attempts = stored.attempts.map { attempt(stored.id, $0) }
        if let failed = stored.attempts.last(where: { $0.error != nil }), let kind = failed.error {
            var error = Openswarm_V1_TaskError()
            error.kind = WireEnums.errorKind(kind)
            error.message = "attempt \(failed.number) on \(failed.nodeID) failed: \(kind)"
            task.lastError = error
        }

        var outcome = Openswarm_V1_TaskOutcome()
        outcome.resultCount = UInt32(stored.attempts.filter { $0.result != nil }.count)
        if let canonical = stored.canonicalAttempt, let attempt = stored.attempt(canonical) {
            outcome.canonicalResult = result(stored.id, attempt, includeOutput: includeOutputs)
        }
        if stored.spec.redundancy.requiresConsensus { outcome.consensus = consensus(stored) }
        task.outcome = outcome

        var costs = Openswarm_V1_TaskCosts()
        costs.maxCostMicros = stored.spec.maxCostMicros ?? 0
        costs.escrowedMicros = stored.escrowMicros
        costs.actualMicros = stored.paidMicros
        costs.refundedMicros = stored.refundedMicros
        task.costs = costs

        var metadata = Openswarm_V1_TaskMetadata()
        metadata.createdBy = stored.submitter.rawValue
        metadata.accountID = stored.accountID.rawValue
        metadata.dagID = stored.dagID.rawValue
        metadata.dagTaskName = stored.name
        metadata.dependencies = stored.parentsByName.sorted { $0.key < $1.key }.map { name, id in
            var dependency = Openswarm_V1_TaskDependency()
            dependency.name = name
            dependency.taskID = id.rawValue
            return dependency
        }
        task.metadata = metadata
        return task
    }

    static func attempt(_ task: TaskID, _ attempt: Attempt) -> Openswarm_V1_Attempt {
        var wire = Openswarm_V1_Attempt()
        wire.taskID = task.rawValue
        wire.attemptNumber = UInt32(attempt.number)
        wire.replica = UInt32(attempt.replica)
        wire.leaseID = attempt.leaseID.rawValue
        wire.nodeID = attempt.nodeID.rawValue
        wire.state = WireEnums.attemptState(attempt.state)
        wire.leaseTime = WireTime.timestamp(attempt.leaseTime)
        wire.startTime = attempt.startTime.map(WireTime.timestamp)
        wire.leaseDeadline = WireTime.timestamp(attempt.deadline)
        wire.endTime = attempt.endTime.map(WireTime.timestamp)
        if let kind = attempt.error {
            var error = Openswarm_V1_TaskError()
            error.kind = WireEnums.errorKind(kind)
            wire.error = error
        }
        wire.verdict = WireEnums.verdict(attempt.verdict)
        if let output = attempt.result?.output { wire.outputSha256 = SHA256Digest.hash(output) }
        wire.paidMicros = attempt.paidMicros
        return wire
    }

    static func result(_ task: TaskID, _ attempt: Attempt, includeOutput: Bool) -> Openswarm_V1_TaskResult {
        var wire = Openswarm_V1_TaskResult()
        wire.taskID = task.rawValue
        wire.leaseID = attempt.leaseID.rawValue
        wire.attemptNumber = UInt32(attempt.number)
        wire.nodeID = attempt.nodeID.rawValue
        wire.verdict = WireEnums.verdict(attempt.verdict)
        if let result = attempt.result {
            wire.outputSha256 = SHA256Digest.hash(result.output)
            wire.outputSizeBytes = UInt64(result.output.count)
            if includeOutput { wire.output = result.output } else { wire.outputOmitted = true }
            var stats = Openswarm_V1_RuntimeStats()
            stats.duration = WireTime.duration(result.duration)
            wire.stats = stats
        }
        if let end = attempt.endTime { wire.reportTime = WireTime.timestamp(end) }
        return wire
    }

    static func consensus(_ stored: StoredTask) -> Openswarm_V1_ConsensusOutcome {
        let redundancy = stored.spec.redundancy.normalized()
        var consensus = Openswarm_V1_ConsensusOutcome()
        var wireRedundancy = Openswarm_V1_Redundancy()
        WireEnums.comparator(redundancy.comparator, into: &wireRedundancy)
        consensus.comparator = wireRedundancy.comparator
        consensus.replicas = UInt32(redundancy.replicas)
        consensus.quorum = UInt32(redundancy.quorum)
        consensus.maxReplicas = UInt32(redundancy.maxReplicas)
        consensus.resultsReceived = UInt32(stored.attempts.filter { $0.result != nil }.count)
        consensus.agreeingNodeIDs = stored.attempts.filter { $0.verdict == .agreed }.map(\.nodeID.rawValue)
        consensus.dissentingNodeIDs = stored.attempts.filter { $0.verdict == .dissented }.map(\.nodeID.rawValue)
        if let canonical = stored.canonicalAttempt {
            consensus.canonicalAttemptNumber = UInt32(canonical)
            if let output = stored.canonicalOutput { consensus.canonicalOutputSha256 = SHA256Digest.hash(output) }
        }
        consensus.state =
            switch stored.state {
            case .succeeded: .reached
            case .failed where stored.endReason == .noConsensus: .failed
            default: .pending
            }
        return consensus
    }
}

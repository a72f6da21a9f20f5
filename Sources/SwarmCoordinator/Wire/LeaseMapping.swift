import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmStore

/// A granted lease as the worker receives it: the submitted definition with the
/// rendered prompt and, for a DAG's `input_from`, the parent's output as input.
enum LeaseMapping {
    static func lease(_ granted: GrantedLease) -> Openswarm_V1_Lease {
        let task = granted
        let hourlyRateMicros = granted.hourlyRateMicros
        let spec = TaskSpecMapping.wire(task.spec)
        var lease = Openswarm_V1_Lease()
        lease.leaseID = granted.id.rawValue
        lease.taskID = granted.taskID.rawValue
        lease.attemptNumber = UInt32(granted.attemptNumber)
        lease.replica = UInt32(granted.replica)
        lease.leaseTime = WireTime.timestamp(granted.leaseTime)
        lease.deadline = WireTime.timestamp(granted.deadline)
        lease.heartbeatTimeout = WireTime.duration(task.spec.timeouts.heartbeat)
        lease.startToCloseTimeout = WireTime.duration(task.spec.timeouts.startToClose)
        var definition = spec.definition ?? Openswarm_V1_TaskDefinition()
        definition.prompt = granted.prompt
        if let input = granted.input { definition.input = input }
        lease.definition = definition
        lease.swarmID = task.spec.swarmID.rawValue
        lease.dagID = task.dagID.rawValue
        lease.priority = WireEnums.priority(task.spec.priority)
        lease.tags = spec.tags
        lease.parentOutputs = granted.parentOutputs.map { parent in
            var wire = Openswarm_V1_ParentOutput()
            wire.name = parent.name
            wire.taskID = parent.taskID.rawValue
            wire.output = parent.output
            wire.outputSha256 = SHA256Digest.hash(parent.output)
            return wire
        }
        lease.hourlyRateMicros = hourlyRateMicros
        lease.maxPaymentMicros = granted.maxPaymentMicros
        return lease
    }
}

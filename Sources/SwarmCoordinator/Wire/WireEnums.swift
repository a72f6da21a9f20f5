import SwarmCore
import SwarmProto

/// The enums of SwarmCore and their wire spellings, both ways.
enum WireEnums {
    static func state(_ state: TaskState) -> Openswarm_V1_TaskState {
        switch state {
        case .pending: .pending
        case .ready: .ready
        case .leased: .leased
        case .running: .running
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }

    static func state(_ state: Openswarm_V1_TaskState) -> TaskState? {
        switch state {
        case .pending: .pending
        case .ready: .ready
        case .leased: .leased
        case .running: .running
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        case .unspecified, .unrecognized: nil
        }
    }

    static func endReason(_ reason: TaskEndReason?) -> Openswarm_V1_TaskEndReason {
        switch reason {
        case nil: .unspecified
        case .completed: .completed
        case .retriesExhausted: .retriesExhausted
        case .nonRetryableError: .nonRetryableError
        case .noConsensus: .noConsensus
        case .timedOut: .timedOut
        case .qualityRejected: .qualityRejected
        case .cancelledByUser: .cancelledByUser
        case .upstreamFailed: .upstreamFailed
        case .swarmDeleted: .swarmDeleted
        }
    }

    static func priority(_ priority: Priority) -> Openswarm_V1_Priority {
        switch priority {
        case .low: .low
        case .normal: .normal
        case .high: .high
        case .critical: .critical
        }
    }

    static func priority(_ priority: Openswarm_V1_Priority) -> Priority {
        switch priority {
        case .low: .low
        case .high: .high
        case .critical: .critical
        case .normal, .unspecified, .unrecognized: .normal
        }
    }

    static func errorKind(_ kind: ErrorKind) -> Openswarm_V1_ErrorKind {
        switch kind {
        case .transient: .transient
        case .timeout: .timeout
        case .resourceExhausted: .resourceExhausted
        case .runtimeUnavailable: .runtimeUnavailable
        case .modelUnavailable: .modelUnavailable
        case .nodeShuttingDown: .nodeShuttingDown
        case .leaseExpired: .leaseExpired
        case .invalidResult: .invalidResult
        case .invalidInput: .invalidInput
        case .contentRejected: .contentRejected
        case .outputTooLarge: .outputTooLarge
        case .permanent: .permanent
        case .cancelled: .cancelled
        }
    }

    /// Unknown or unset kinds count as transient: a worker newer than the coordinator
    /// must not make a task fail for good by accident.
    static func errorKind(_ kind: Openswarm_V1_ErrorKind) -> ErrorKind {
        switch kind {
        case .timeout: .timeout
        case .resourceExhausted: .resourceExhausted
        case .runtimeUnavailable: .runtimeUnavailable
        case .modelUnavailable: .modelUnavailable
        case .nodeShuttingDown: .nodeShuttingDown
        case .leaseExpired: .leaseExpired
        case .invalidResult: .invalidResult
        case .invalidInput: .invalidInput
        case .contentRejected: .contentRejected
        case .outputTooLarge: .outputTooLarge
        case .permanent: .permanent
        case .cancelled: .cancelled
        case .transient, .unspecified, .unrecognized: .transient
        }
    }

    static func attemptState(_ state: AttemptState) -> Openswarm_V1_AttemptState {
        switch state {
        case .leased: .leased
        case .running: .running
        case .completed: .completed
        case .failed: .failed
        case .expired: .expired
        case .cancelled: .cancelled
        }
    }

    static func verdict(_ verdict: ResultVerdict?) -> Openswarm_V1_ResultVerdict {
        switch verdict {
        case nil: .unspecified
        case .pending: .pending
        case .agreed: .agreed
        case .dissented: .dissented
        case .acceptedAlone: .acceptedAlone
        case .invalid: .invalid
        case .late: .late
        }
    }

    static func comparator(_ wire: Openswarm_V1_Redundancy) -> Comparator {
        switch wire.comparator {
        case .normalizedText: .normalizedText
        case .canonicalJson: .canonicalJSON
        case .numericTolerance:
            .numericTolerance(
                absolute: wire.absoluteTolerance, relative: wire.relativeTolerance,
                field: wire.comparedField.isEmpty ? nil : wire.comparedField)
        case .exactBytes, .unspecified, .unrecognized: .exactBytes
        }
    }

    static func comparator(_ comparator: Comparator, into wire: inout Openswarm_V1_Redundancy) {
        switch comparator {
        case .exactBytes: wire.comparator = .exactBytes
        case .normalizedText: wire.comparator = .normalizedText
        case .canonicalJSON: wire.comparator = .canonicalJson
        case .numericTolerance(let absolute, let relative, let field):
            wire.comparator = .numericTolerance
            wire.absoluteTolerance = absolute
            wire.relativeTolerance = relative
            wire.comparedField = field ?? ""
        }
    }
}

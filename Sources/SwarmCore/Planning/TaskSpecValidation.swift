/// Checks of one task's scheduling settings, shared by single-task and DAG submission.
public enum TaskSpecValidation {
    /// A problem in a spec, phrased for the person who wrote it.
    public struct Problem: Error, Hashable, Sendable {
        public var message: String
    }

    public static func validate(_ spec: TaskSpec, limits: DagLimits = DagLimits()) throws(Problem) {
        let r = spec.redundancy
        if r.replicas < 1 { throw Problem(message: "redundancy.replicas must be at least 1 (got \(r.replicas))") }
        if r.replicas > 100 || r.maxReplicas > 1_000 {
            throw Problem(
                message:
                    "redundancy allows at most 100 replicas and a maximum of 1000 (got \(r.replicas) and \(r.maxReplicas))"
            )
        }
        if r.quorum > r.replicas {
            throw Problem(message: "redundancy.quorum \(r.quorum) exceeds replicas \(r.replicas)")
        }
        if r.maxReplicas != 0 && r.maxReplicas < r.replicas {
            throw Problem(message: "redundancy.max_replicas \(r.maxReplicas) is below replicas \(r.replicas)")
        }
        if case .numericTolerance(let absolute, let relative, _) = r.comparator, !(absolute >= 0 && relative >= 0) {
            throw Problem(message: "numeric tolerances must be non-negative numbers")
        }
        let p = spec.retryPolicy
        if p.maximumAttempts > 1_000 {
            throw Problem(message: "retry_policy.maximum_attempts must be at most 1000 (got \(p.maximumAttempts))")
        }
        if p.maximumAttempts < 1 {
            throw Problem(message: "retry_policy.maximum_attempts must be at least 1 (got \(p.maximumAttempts))")
        }
        if !(p.backoffCoefficient >= 1) {
            throw Problem(message: "retry_policy.backoff_coefficient must be at least 1 (got \(p.backoffCoefficient))")
        }
        if !(0...1).contains(p.jitter) {
            throw Problem(message: "retry_policy.jitter must be between 0 and 1 (got \(p.jitter))")
        }
        if p.initialInterval < .zero || p.maximumInterval < .zero {
            throw Problem(message: "retry intervals must not be negative")
        }
        let t = spec.timeouts
        if t.startToClose <= .zero || t.heartbeat <= .zero {
            throw Problem(message: "timeouts.start_to_close and timeouts.heartbeat must be positive")
        }
        if let cost = spec.maxCostMicros, !(0...limits.maxCostMicrosPerTask).contains(cost) {
            throw Problem(message: "max_cost_micros must be between 0 and \(limits.maxCostMicrosPerTask) (got \(cost))")
        }
        if spec.prompt.utf8.count > limits.maxPromptBytes {
            throw Problem(
                message: "the prompt has \(spec.prompt.utf8.count) bytes; at most \(limits.maxPromptBytes) are allowed")
        }
    }
}

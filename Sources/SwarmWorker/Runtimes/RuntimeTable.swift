import SwarmProto

/// The runtimes a worker offers, keyed by capability name or model id, and the rule
/// that picks one for a lease:
///
/// 0. a peer review (TASK_TYPE_PEER_REVIEW) goes to the runtime named `review`, if
///    configured (its other capabilities are the reviewer's expertise);
/// 1. the first of `requirements.model_ids` with a configured runtime;
/// 2. else the first of `requirements.capabilities` with a configured runtime;
/// 3. else the runtime named `echo`, if configured;
/// 4. else none (the agent reports ERROR_KIND_RUNTIME_UNAVAILABLE).
public struct RuntimeTable: Sendable {
    public struct Entry: Sendable {
        public var key: RuntimeSpec.Key
        public var runtime: any ModelRuntime
        public var kind: Openswarm_V1_RuntimeKind
    }

    public private(set) var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Builds each spec's runtime. `random` feeds byzantine runtimes (tests pin it).
    public init(specs: [RuntimeSpec], random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        entries = specs.map { spec in
            switch spec.kind {
            case .builtin(let builtin):
                let runtime: any ModelRuntime
                switch builtin {
                case .echo: runtime = EchoRuntime()
                case .sleep: runtime = SleepRuntime()
                case .sha256: runtime = SHA256Runtime()
                case .fail: runtime = FailRuntime()
                case .byzantine(let rate): runtime = ByzantineRuntime(rate: rate, random: random)
                case .review(let score): runtime = ReviewRuntime(score: score)
                }
                return Entry(key: spec.key, runtime: runtime, kind: .builtin)
            case .exec(let command):
                return Entry(key: spec.key, runtime: ExecRuntime(command: command), kind: .exec)
            case .openAI(let endpoint):
                return Entry(
                    key: spec.key, runtime: OpenAIRuntime(endpoint: endpoint, defaultModel: spec.key.name),
                    kind: .openaiCompatible)
            }
        }
    }

    /// The runtime for a lease, with the model id it was chosen for (if any).
    public func select(for definition: Openswarm_V1_TaskDefinition) -> (runtime: any ModelRuntime, modelID: String?)? {
        let requirements = definition.requirements ?? Openswarm_V1_ResourceRequirements()
        if definition.type == .peerReview, let entry = entries.first(where: { $0.key == .capability("review") }) {
            return (entry.runtime, nil)
        }
        for id in requirements.modelIDs {
            if let entry = entries.first(where: { $0.key == .model(id) }) { return (entry.runtime, id) }
        }
        for name in requirements.capabilities {
            if let entry = entries.first(where: { $0.key == .capability(name) }) { return (entry.runtime, nil) }
        }
        if let entry = entries.first(where: { $0.key == .capability("echo") }) { return (entry.runtime, nil) }
        return nil
    }

    /// What registration advertises: capability names and models.
    public var capabilities: Openswarm_V1_NodeCapabilities {
        var capabilities = Openswarm_V1_NodeCapabilities()
        for entry in entries {
            switch entry.key {
            case .capability(let name):
                capabilities.capabilities.append(name)
            case .model(let id):
                var model = Openswarm_V1_ModelCapability()
                model.modelID = id
                model.runtime = entry.kind
                capabilities.models.append(model)
            }
        }
        return capabilities
    }
}

import SwarmCore

/// Encodes a `StoredTask`'s nested state into the `tasks.record` blob and back.
enum TaskRecordCodec {
    /// 2: integers as varints (`ByteWriter.compact`), about half the size of 1.
    /// 3: as 2, plus the spec's opaque payload (the wire spec the coordinator keeps).
    /// 4: as 3, plus the spec's fixed price per accepted attempt (peer reviews).
    /// Records of 1 and 2 are still read (with an empty payload), of 1 to 3 without a
    /// fixed price.
    static let version: UInt8 = 4

    /// `format`: the record version to write; only tests write an older one.
    static func encode(_ t: StoredTask, format: UInt8 = version) -> [UInt8] {
        var w = ByteWriter()
        w.compact = format >= 2
        w.byte(format)
        w.string(t.id.rawValue)
        w.string(t.name)
        w.string(t.dagID.rawValue)
        encode(t.spec, into: &w, format: format)
        w.optional(t.inputFrom) { $0.string($1) }
        w.bool(t.attachParentOutputs)
        w.int(t.parentsByName.count)
        for (name, id) in t.parentsByName.sorted(by: { $0.key < $1.key }) {
            w.string(name)
            w.string(id.rawValue)
        }
        w.string(t.submitter.rawValue)
        w.string(t.accountID.rawValue)
        w.int(StoredEnums.index(t.state, in: StoredEnums.taskStates))
        w.optional(t.endReason) { $0.int(StoredEnums.index($1, in: StoredEnums.endReasons)) }
        w.instant(t.submittedAt)
        w.optional(t.readyAt) { $0.instant($1) }
        w.optional(t.endedAt) { $0.instant($1) }
        w.optional(t.renderedPrompt) { $0.string($1) }
        w.int(t.slots.count)
        for slot in t.slots {
            switch slot.state {
            case .open(let notBefore):
                w.byte(0)
                w.instant(notBefore)
            case .active(let n):
                w.byte(1)
                w.int(n)
            case .reported(let n):
                w.byte(2)
                w.int(n)
            case .exhausted: w.byte(3)
            }
            w.int(slot.attemptsUsed)
        }
        w.int(t.attempts.count)
        for a in t.attempts { encode(a, into: &w) }
        w.strings(t.avoidNodes.map(\.rawValue))
        w.bool(t.runningAlone)
        w.bool(t.everLeased)
        w.int(t.escrowMicros)
        w.int(t.paidMicros)
        w.int(t.refundedMicros)
        w.optional(t.canonicalAttempt) { $0.int($1) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(StoreError) -> StoredTask {
        var r = ByteReader(bytes)
        let recordVersion = try r.byte()
        guard (1...version).contains(recordVersion) else {
            throw StoreError.corrupt("unknown task record version \(recordVersion)")
        }
        r.compact = recordVersion >= 2
        let id = TaskID(try r.string())
        let name = try r.string()
        let dag = DagID(try r.string())
        let spec = try decodeSpec(&r, format: recordVersion)
        let inputFrom = try r.optional { (r) throws(StoreError) in try r.string() }
        let attach = try r.bool()
        var parents: [String: TaskID] = [:]
        for _ in 0..<(try r.count()) { parents[try r.string()] = TaskID(try r.string()) }
        let submitter = PrincipalID(try r.string())
        let account = AccountID(try r.string())
        let state = try r.pick(StoredEnums.taskStates)
        let endReason = try r.optional { (r) throws(StoreError) in try r.pick(StoredEnums.endReasons) }
        let submittedAt = try r.instant()
        let readyAt = try r.optional { (r) throws(StoreError) in try r.instant() }
        let endedAt = try r.optional { (r) throws(StoreError) in try r.instant() }
        let rendered = try r.optional { (r) throws(StoreError) in try r.string() }
        var slots: [ReplicaSlot] = []
        for _ in 0..<(try r.count()) {
            let state: ReplicaSlot.State
            switch try r.byte() {
            case 0: state = .open(notBefore: try r.instant())
            case 1: state = .active(attempt: try r.smallInt())
            case 2: state = .reported(attempt: try r.smallInt())
            case 3: state = .exhausted
            default: throw StoreError.corrupt("bad slot state")
            }
            slots.append(ReplicaSlot(state: state, attemptsUsed: try r.smallInt()))
        }
        var attempts: [Attempt] = []
        for _ in 0..<(try r.count()) { attempts.append(try decodeAttempt(&r)) }
        let avoid = Set(try r.strings().map { NodeID($0) })
        let alone = try r.bool()
        let everLeased = try r.bool()
        let escrow = try r.int()
        let paid = try r.int()
        let refunded = try r.int()
        let canonical = try r.optional { (r) throws(StoreError) in try r.smallInt() }
        return StoredTask(
            id: id, name: name, dagID: dag, spec: spec, inputFrom: inputFrom, attachParentOutputs: attach,
            parentsByName: parents, submitter: submitter, accountID: account, state: state, endReason: endReason,
            submittedAt: submittedAt, readyAt: readyAt, endedAt: endedAt, renderedPrompt: rendered, slots: slots,
            attempts: attempts, avoidNodes: avoid, runningAlone: alone, everLeased: everLeased, escrowMicros: escrow,
            paidMicros: paid, refundedMicros: refunded, canonicalAttempt: canonical)
    }

    static func encode(_ s: TaskSpec, into w: inout ByteWriter, format: UInt8) {
        w.string(s.swarmID.rawValue)
        w.string(s.prompt)
        let q = s.requirements
        w.strings(q.modelIDs)
        w.strings(q.capabilities)
        w.int(Int64(q.minMemoryMiB))
        w.bool(q.gpuRequired)
        w.int(Int64(q.minGpuMemoryMiB))
        w.int(Int64(q.minStorageMiB))
        w.int(Int64(q.minCpuCores))
        w.optional(q.minReputation) { $0.double($1) }
        w.strings(q.geography.allowedCountries)
        w.strings(q.geography.allowedRegions)
        w.strings(q.geography.excludedCountries)
        w.strings(q.geography.excludedRegions)
        w.optional(q.maxHourlyRateMicros) { $0.int($1) }
        w.optional(q.maxLatency) { $0.milliseconds($1) }
        w.int(StoredEnums.index(s.priority, in: StoredEnums.priorities))
        let p = s.retryPolicy
        w.milliseconds(p.initialInterval)
        w.double(p.backoffCoefficient)
        w.milliseconds(p.maximumInterval)
        w.int(p.maximumAttempts)
        w.double(p.jitter)
        let kinds = p.nonRetryableErrorKinds.map { StoredEnums.index($0, in: StoredEnums.errorKinds) }.sorted()
        w.int(kinds.count)
        for k in kinds { w.int(k) }
        w.optional(s.timeouts.scheduleToStart) { $0.milliseconds($1) }
        w.milliseconds(s.timeouts.startToClose)
        w.milliseconds(s.timeouts.heartbeat)
        w.optional(s.timeouts.scheduleToClose) { $0.milliseconds($1) }
        let d = s.redundancy
        w.int(d.replicas)
        w.int(d.quorum)
        w.int(d.maxReplicas)
        switch d.comparator {
        case .exactBytes: w.byte(0)
        case .normalizedText: w.byte(1)
        case .canonicalJSON: w.byte(2)
        case .numericTolerance(let absolute, let relative, nil):
            w.byte(3)
            w.double(absolute)
            w.double(relative)
        case .numericTolerance(let absolute, let relative, let field?):
            w.byte(4)
            w.double(absolute)
            w.double(relative)
            w.string(field)
        }
        w.bool(d.adaptive)
        w.optional(s.maxCostMicros) { $0.int($1) }
        w.optional(s.expectedDuration) { $0.milliseconds($1) }
        if format >= 3 { w.data(s.payload) }
        if format >= 4 { w.optional(s.fixedPriceMicros) { $0.int($1) } }
    }

    static func decodeSpec(_ r: inout ByteReader, format: UInt8) throws(StoreError) -> TaskSpec {
        let swarm = SwarmID(try r.string())
        let prompt = try r.string()
        var q = ResourceRequirements()
        q.modelIDs = try r.strings()
        q.capabilities = try r.strings()
        q.minMemoryMiB = try r.uint32()
        q.gpuRequired = try r.bool()
        q.minGpuMemoryMiB = try r.uint32()
        q.minStorageMiB = try r.uint32()
        q.minCpuCores = try r.uint32()
        q.minReputation = try r.optional { (r) throws(StoreError) in try r.double() }
        q.geography.allowedCountries = try r.strings()
        q.geography.allowedRegions = try r.strings()
        q.geography.excludedCountries = try r.strings()
        q.geography.excludedRegions = try r.strings()
        q.maxHourlyRateMicros = try r.optional { (r) throws(StoreError) in try r.int() }
        q.maxLatency = try r.optional { (r) throws(StoreError) in try r.milliseconds() }
        let priority = try r.pick(StoredEnums.priorities)
        var p = RetryPolicy()
        p.initialInterval = try r.milliseconds()
        p.backoffCoefficient = try r.double()
        p.maximumInterval = try r.milliseconds()
        p.maximumAttempts = try r.smallInt()
        p.jitter = try r.double()
        var kinds = Set<ErrorKind>()
        for _ in 0..<(try r.count()) { kinds.insert(try r.pick(StoredEnums.errorKinds)) }
        p.nonRetryableErrorKinds = kinds
        var t = Timeouts()
        t.scheduleToStart = try r.optional { (r) throws(StoreError) in try r.milliseconds() }
        t.startToClose = try r.milliseconds()
        t.heartbeat = try r.milliseconds()
        t.scheduleToClose = try r.optional { (r) throws(StoreError) in try r.milliseconds() }
        var d = Redundancy()
        d.replicas = try r.smallInt()
        d.quorum = try r.smallInt()
        d.maxReplicas = Int(try r.int())
        switch try r.byte() {
        case 0: d.comparator = .exactBytes
        case 1: d.comparator = .normalizedText
        case 2: d.comparator = .canonicalJSON
        case 3: d.comparator = .numericTolerance(absolute: try r.double(), relative: try r.double())
        case 4:
            d.comparator = .numericTolerance(absolute: try r.double(), relative: try r.double(), field: try r.string())
        default: throw StoreError.corrupt("bad comparator")
        }
        d.adaptive = try r.bool()
        let maxCost = try r.optional { (r) throws(StoreError) in try r.int() }
        let expected = try r.optional { (r) throws(StoreError) in try r.milliseconds() }
        let payload = format >= 3 ? try r.data() : []
        let fixedPrice = format >= 4 ? try r.optional { (r) throws(StoreError) in try r.int() } : nil
        return TaskSpec(
            swarmID: swarm, prompt: prompt, requirements: q, priority: priority, retryPolicy: p, timeouts: t,
            redundancy: d, maxCostMicros: maxCost, expectedDuration: expected, fixedPriceMicros: fixedPrice,
            payload: payload)
    }

    static func encode(_ a: Attempt, into w: inout ByteWriter) {
        w.int(a.number)
        w.int(a.replica)
        w.string(a.leaseID.rawValue)
        w.string(a.nodeID.rawValue)
        w.string(a.operatorID.rawValue)
        w.int(StoredEnums.index(a.state, in: StoredEnums.attemptStates))
        w.instant(a.leaseTime)
        w.optional(a.startTime) { $0.instant($1) }
        w.instant(a.deadline)
        w.optional(a.endTime) { $0.instant($1) }
        w.optional(a.error) { $0.int(StoredEnums.index($1, in: StoredEnums.errorKinds)) }
        w.optional(a.result) {
            $0.data($1.output)
            $0.milliseconds($1.duration)
        }
        w.optional(a.verdict) { $0.int(StoredEnums.index($1, in: StoredEnums.verdicts)) }
        w.int(a.paidMicros)
    }

    static func decodeAttempt(_ r: inout ByteReader) throws(StoreError) -> Attempt {
        let number = try r.smallInt()
        let replica = try r.smallInt()
        let lease = LeaseID(try r.string())
        let node = NodeID(try r.string())
        let op = OperatorID(try r.string())
        let state = try r.pick(StoredEnums.attemptStates)
        let leaseTime = try r.instant()
        let start = try r.optional { (r) throws(StoreError) in try r.instant() }
        let deadline = try r.instant()
        var a = Attempt(
            number: number, replica: replica, leaseID: lease, nodeID: node, operatorID: op, leaseTime: leaseTime,
            deadline: deadline)
        a.state = state
        a.startTime = start
        a.endTime = try r.optional { (r) throws(StoreError) in try r.instant() }
        a.error = try r.optional { (r) throws(StoreError) in try r.pick(StoredEnums.errorKinds) }
        a.result = try r.optional { (r) throws(StoreError) in
            TaskResult(output: try r.data(), duration: try r.milliseconds())
        }
        a.verdict = try r.optional { (r) throws(StoreError) in try r.pick(StoredEnums.verdicts) }
        a.paidMicros = try r.int()
        return a
    }
}

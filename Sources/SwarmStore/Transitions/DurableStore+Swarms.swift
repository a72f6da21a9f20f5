import SwarmCore

/// Swarms beyond their policy: who made them, listing, status, deletion. A deleted
/// swarm's row leaves `swarms` (so submissions to it fail as for any unknown swarm,
/// with no check on the submission path) and its `swarm_profiles` row stays, marked
/// deleted, with what it had spent.
extension DurableStore {
    public func createSwarm(_ swarm: SwarmPolicy, record: SwarmRecord) throws(StoreError) {
        try write { (work) throws(StoreError) in
            try Self.insertSwarm(swarm, work: work)
            // A name may be reused once its swarm was deleted: the new profile replaces
            // the old one.
            _ = try work.query(
                """
                INSERT INTO swarm_profiles (swarm_id, created_by, created_at_ms, deleted_at_ms, spent_micros, profile)
                VALUES (?, ?, ?, NULL, 0, ?)
                ON CONFLICT (swarm_id) DO UPDATE SET created_by = excluded.created_by,
                  created_at_ms = excluded.created_at_ms, deleted_at_ms = NULL, spent_micros = 0,
                  profile = excluded.profile
                """,
                [
                    .text(swarm.id.rawValue), .text(record.createdBy),
                    .integer(record.createdAt.millisecondsSinceEpoch), .blob(record.profile),
                ])
        }
    }

    public func swarmListings(includeDeleted: Bool) throws(StoreError) -> [SwarmListing] {
        try read { (work) throws(StoreError) -> [SwarmListing] in
            var listings = try Self.liveSwarms(where: "", [], work: work)
            if includeDeleted { listings += try Self.deletedSwarms(where: "", [], work: work) }
            return listings.sorted { $0.policy.id < $1.policy.id }
        }
    }

    public func swarmListing(_ id: SwarmID) throws(StoreError) -> SwarmListing {
        try read { (work) throws(StoreError) -> SwarmListing in
            let key: [SQLValue] = [.text(id.rawValue)]
            if let live = try Self.liveSwarms(where: " WHERE s.id = ?", key, work: work).first { return live }
            if let gone = try Self.deletedSwarms(where: " AND swarm_id = ?", key, work: work).first { return gone }
            throw StoreError(.unknownSwarm, "swarm \"\(id)\" does not exist")
        }
    }

    public func swarmTasks(_ id: SwarmID, queueLimit: Int) throws(StoreError) -> SwarmTaskSummary {
        try read { (work) throws(StoreError) -> SwarmTaskSummary in
            var summary = SwarmTaskSummary(counts: [:], queue: [], meanResponse: nil)
            var responseTotal: Duration = .zero
            var ended = 0
            // Scheduling order, so that the queue is the first queued tasks met.
            let rows = try work.query("SELECT record FROM tasks ORDER BY priority DESC, submitted_at, id")
            for row in rows {
                let task = try TaskRecordCodec.decode(try row.blob(0))
                guard task.spec.swarmID == id else { continue }
                summary.counts[task.state, default: 0] += 1
                if (task.state == .pending || task.state == .ready) && summary.queue.count < queueLimit {
                    summary.queue.append(task)
                }
                if let endedAt = task.endedAt {
                    responseTotal += endedAt - task.submittedAt
                    ended += 1
                }
            }
            if ended > 0 { summary.meanResponse = responseTotal / ended }
            return summary
        }
    }

    public func deleteSwarm(_ id: SwarmID, force: Bool, now: Instant) throws(StoreError) -> SwarmDeletion {
        var cancelled: [TaskID] = []
        var refunded: Int64 = 0
        if force {
            // First end the open tasks, settling them into the swarm's row; the deletion
            // below then records the swarm's final spending.
            (cancelled, refunded) = try write { (work) throws(StoreError) -> ([TaskID], Int64) in
                guard try work.swarm(id) != nil else {
                    throw StoreError(.unknownSwarm, "swarm \"\(id)\" does not exist")
                }
                var ended: [TaskID] = []
                var readied: [TaskID] = []
                let open = try Self.openTasks(in: id, work: work)
                // What the deletion refunded: how much each ended task's refund grew.
                var before: [TaskID: Int64] = [:]
                for task in open { before[task.id] = task.refundedMicros }
                for task in open {
                    guard let current = try work.task(task.id), !current.state.isTerminal else { continue }
                    try endTask(task.id, reason: .swarmDeleted, work: work, now: now, ended: &ended, readied: &readied)
                }
                var refunded: Int64 = 0
                for taskID in ended {
                    if let task = try work.task(taskID) { refunded += task.refundedMicros - (before[taskID] ?? 0) }
                }
                return (ended, refunded)
            }
        }
        let listing = try write { (work) throws(StoreError) -> SwarmListing in
            guard let swarm = try work.swarm(id) else {
                throw StoreError(.unknownSwarm, "swarm \"\(id)\" does not exist")
            }
            let open = try Self.openTasks(in: id, work: work)
            if let first = open.first {
                throw StoreError(
                    .swarmNotEmpty,
                    "swarm \"\(id)\" has \(open.count) task(s) that have not ended (e.g. \(first.id)); "
                        + "wait for them, cancel them, or delete with force to cancel and refund them")
            }
            _ = try work.query("DELETE FROM swarms WHERE id = ?", [.text(id.rawValue)])
            _ = try work.query(
                """
                INSERT INTO swarm_profiles (swarm_id, created_by, created_at_ms, deleted_at_ms, spent_micros, profile)
                VALUES (?, '', 0, ?, ?, ?)
                ON CONFLICT (swarm_id) DO UPDATE SET deleted_at_ms = excluded.deleted_at_ms,
                  spent_micros = excluded.spent_micros
                """,
                [
                    .text(id.rawValue), .integer(now.millisecondsSinceEpoch), .integer(swarm.spentMicros),
                    .blob([]),
                ])
            guard let gone = try Self.deletedSwarms(where: " AND swarm_id = ?", [.text(id.rawValue)], work: work).first
            else { throw StoreError(.database, "swarm \(id) vanished while being deleted") }
            return gone
        }
        return SwarmDeletion(listing: listing, cancelled: cancelled, refundedMicros: refunded)
    }

    /// Tasks of the swarm that have not ended. The state column narrows the scan; the
    /// swarm is in the record.
    static func openTasks(in id: SwarmID, work: UnitOfWork) throws(StoreError) -> [StoredTask] {
        let open: [TaskState] = [.pending, .ready, .leased, .running]
        let rows = try work.query(
            "SELECT record FROM tasks WHERE state IN (?, ?, ?, ?) ORDER BY id",
            open.map { .text(StoredEnums.name($0)) })
        var tasks: [StoredTask] = []
        for row in rows {
            let task = try TaskRecordCodec.decode(try row.blob(0))
            if task.spec.swarmID == id { tasks.append(task) }
        }
        return tasks
    }

    private static func liveSwarms(where filter: String, _ parameters: [SQLValue], work: UnitOfWork)
        throws(StoreError) -> [SwarmListing]
    {
        try work.query(
            """
            SELECT s.id, s.min_reputation, s.allowed_regions, s.token_budget_micros, s.spent_micros,
              s.escrowed_micros, p.created_by, p.created_at_ms, p.profile
            FROM swarms s LEFT JOIN swarm_profiles p ON p.swarm_id = s.id
            """ + filter + " ORDER BY s.id", parameters
        ).map { (row) throws(StoreError) in
            let regions = try row.text(2).split(separator: "\n").map(String.init)
            let policy = SwarmPolicy(
                id: SwarmID(try row.text(0)), minReputation: try row.double(1), allowedRegions: Set(regions),
                tokenBudgetMicros: try row.int(3), spentMicros: try row.int(4), escrowedMicros: try row.int(5))
            var record: SwarmRecord?
            if let createdBy = try row.optionalText(6) {
                record = SwarmRecord(
                    createdBy: createdBy, createdAt: Instant(millisecondsSinceEpoch: try row.int(7)),
                    profile: try row.blob(8))
            }
            return SwarmListing(policy: policy, record: record)
        }
    }

    private static func deletedSwarms(where filter: String, _ parameters: [SQLValue], work: UnitOfWork)
        throws(StoreError) -> [SwarmListing]
    {
        try work.query(
            """
            SELECT swarm_id, created_by, created_at_ms, deleted_at_ms, spent_micros, profile
            FROM swarm_profiles WHERE deleted_at_ms IS NOT NULL
            """ + filter + " ORDER BY swarm_id", parameters
        ).map { (row) throws(StoreError) in
            SwarmListing(
                policy: SwarmPolicy(id: SwarmID(try row.text(0)), spentMicros: try row.int(4)),
                record: SwarmRecord(
                    createdBy: try row.text(1), createdAt: Instant(millisecondsSinceEpoch: try row.int(2)),
                    deletedAt: try row.optionalInt(3).map { Instant(millisecondsSinceEpoch: $0) },
                    profile: try row.blob(5)))
        }
    }
}

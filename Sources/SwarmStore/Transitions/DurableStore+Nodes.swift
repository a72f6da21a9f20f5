import SwarmCore

extension DurableStore {
    public func register(_ node: Node, identity: NodeIdentity) throws(StoreError) {
        guard identity.nodeID == node.id else {
            throw StoreError(.invalidArgument, "identity of \(identity.nodeID) given for node \(node.id)")
        }
        try write { (work) throws(StoreError) in
            var node = node
            if let existing = try work.node(node.id) {
                node.activeLeases = existing.activeLeases
                node.reputation = existing.reputation
                work.put(node)
            } else {
                node.activeLeases = 0
                _ = try work.query(
                    "INSERT INTO nodes (id, is_online, active_leases, record) VALUES (?, ?, 0, ?)",
                    [.text(node.id.rawValue), .flag(node.isOnline), .blob(NodeRecordCodec.encode(node))])
            }
            try work.ensureAccount(node.accountID, kind: "operator")
            _ = try work.query("DELETE FROM node_identities WHERE node_id = ?", [.text(node.id.rawValue)])
            if let requestID = identity.requestID {
                let taken = try work.query(
                    "SELECT node_id FROM node_identities WHERE request_id = ?", [.text(requestID)])
                guard taken.isEmpty else {
                    throw StoreError(.alreadyExists, "registration request \(requestID) belongs to another node")
                }
            }
            _ = try work.query(
                """
                INSERT INTO node_identities (node_id, credential_sha256, public_key, request_id, registered_at_ms, profile)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(node.id.rawValue), .blob(identity.credentialSHA256), .blob(identity.publicKey),
                    identity.requestID.map { .text($0) } ?? .null,
                    .integer(identity.registeredAt.millisecondsSinceEpoch),
                    .blob(identity.profile),
                ])
        }
    }

    public func nodeIdentity(_ id: NodeID) throws(StoreError) -> NodeIdentity {
        guard let identity = try identities(where: "node_id = ?", .text(id.rawValue)).first else {
            throw StoreError(.unknownNode, "node \(id) is not registered")
        }
        return identity
    }

    public func nodeIdentity(requestID: String) throws(StoreError) -> NodeIdentity? {
        try identities(where: "request_id = ?", .text(requestID)).first
    }

    public func nodes() throws(StoreError) -> [Node] {
        try read { (work) throws(StoreError) -> [Node] in
            try work.query("SELECT is_online, active_leases, record FROM nodes ORDER BY id").map {
                (row) throws(StoreError) in
                try NodeRecordCodec.decode(
                    try row.blob(2), isOnline: try row.int(0) != 0, activeLeases: Int(try row.int(1)))
            }
        }
    }

    public func tasks(_ query: TaskQuery) throws(StoreError) -> [StoredTask] {
        guard (1...1_000).contains(query.limit) else {
            throw StoreError(.invalidArgument, "a page holds 1 to 1000 tasks, not \(query.limit)")
        }
        var conditions: [String] = []
        var parameters: [SQLValue] = []
        if !query.states.isEmpty {
            let states = query.states.map(StoredEnums.name).sorted()
            conditions.append("state IN (" + states.map { _ in "?" }.joined(separator: ", ") + ")")
            parameters += states.map { .text($0) }
        }
        if let dag = query.dagID {
            conditions.append("dag_id = ?")
            parameters.append(.text(dag.rawValue))
        }
        if let submitter = query.submitter {
            conditions.append("submitter = ?")
            parameters.append(.text(submitter.rawValue))
        }
        if let after = query.after {
            conditions.append(
                "(submitted_at > (SELECT submitted_at FROM tasks WHERE id = ?) OR (submitted_at = (SELECT submitted_at FROM tasks WHERE id = ?) AND id > ?))"
            )
            parameters += [.text(after.rawValue), .text(after.rawValue), .text(after.rawValue)]
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        parameters.append(.integer(Int64(query.limit)))
        let sql = "SELECT record FROM tasks" + filter + " ORDER BY submitted_at, id LIMIT ?"
        return try read { (work) throws(StoreError) -> [StoredTask] in
            try work.query(sql, parameters).map { (row) throws(StoreError) in
                try TaskRecordCodec.decode(try row.blob(0))
            }
        }
    }

    private func identities(where condition: String, _ value: SQLValue) throws(StoreError) -> [NodeIdentity] {
        try read { (work) throws(StoreError) -> [NodeIdentity] in
            try work.query(
                "SELECT node_id, credential_sha256, public_key, request_id, registered_at_ms, profile FROM node_identities WHERE "
                    + condition, [value]
            ).map { (row) throws(StoreError) in
                NodeIdentity(
                    nodeID: NodeID(try row.text(0)), credentialSHA256: try row.blob(1), publicKey: try row.blob(2),
                    requestID: try row.optionalText(3),
                    registeredAt: Instant(millisecondsSinceEpoch: try row.int(4)), profile: try row.blob(5))
            }
        }
    }
}

import Testing

@testable import SwarmStore

/// What the store's PostgreSQL sessions set up for themselves, and what they leave to
/// the server's operator.
@Suite("PostgreSQL sessions")
struct PostgresSessionTests {
    @Test("Sessions plan with random_page_cost 1.1 unless the operator chose a value, and then keep it")
    func plannerCosts() throws {
        let url = try Engine.postgresURL()
        let untuned = try PostgresConnection(url: url)
        defer { untuned.close() }
        #expect(try untuned.query("SHOW random_page_cost", []).first?.text(0) == "1.1")

        // A value set by the operator (here for the session, at connection) stays.
        let separator = url.contains("?") ? "&" : "?"
        let tuned = try PostgresConnection(url: url + separator + "options=-c%20random_page_cost%3D2.5")
        defer { tuned.close() }
        #expect(try tuned.query("SHOW random_page_cost", []).first?.text(0) == "2.5")
    }

    @Test(
        "A pipelined batch answers each statement in order; an error aborts the rest and leaves the connection usable")
    func pipelinedBatches() throws {
        let connection = try PostgresConnection(url: try Engine.postgresURL())
        defer { connection.close() }
        try connection.execute("CREATE TEMP TABLE pipeline_probe (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
        try connection.execute("BEGIN")
        let answers = try connection.runAll([
            SQLStatement(
                sql: "INSERT INTO pipeline_probe (id, n) VALUES (?, ?)", parameters: [.text("a"), .integer(1)]),
            SQLStatement(
                sql: "INSERT INTO pipeline_probe (id, n) VALUES (?, ?) RETURNING n * 10",
                parameters: [.text("b"), .integer(2)]),
            SQLStatement(
                sql: "SELECT id FROM pipeline_probe WHERE id IN (?, ?) ORDER BY id",
                parameters: [.text("a"), .text("b")],
                plannedEachTime: true),
        ])
        #expect(answers.count == 3)
        #expect(answers[0].isEmpty)
        #expect(try answers[1].first?.int(0) == 20)
        #expect(try answers[2].map { (row) throws(StoreError) in try row.text(0) } == ["a", "b"])
        try connection.execute("COMMIT")

        // The second statement breaks the primary key: the third never runs.
        try connection.execute("BEGIN")
        #expect(throws: StoreError.self) {
            try connection.runAll([
                SQLStatement(sql: "UPDATE pipeline_probe SET n = n + 1 WHERE id = ?", parameters: [.text("a")]),
                SQLStatement(
                    sql: "INSERT INTO pipeline_probe (id, n) VALUES (?, ?)", parameters: [.text("a"), .integer(9)]),
                SQLStatement(
                    sql: "INSERT INTO pipeline_probe (id, n) VALUES (?, ?)", parameters: [.text("c"), .integer(3)]),
            ])
        }
        try connection.execute("ROLLBACK")
        // Out of pipeline mode, with nothing of the failed batch kept.
        let rows = try connection.query("SELECT id, n FROM pipeline_probe ORDER BY id", [])
        #expect(try rows.map { (row) throws(StoreError) in "\(try row.text(0))=\(try row.int(1))" } == ["a=1", "b=2"])
    }

    @Test("A batch of lease lookups in a table grown since its last ANALYZE uses the primary key")
    func keyLookupsUseTheIndex() throws {
        let store = try Engine.postgres.makeStore()
        defer { store.close() }
        let plan = try store.write { (work) throws(StoreError) -> String in
            _ = try work.query(
                """
                INSERT INTO leases (id, task_id, attempt, node_id, deadline_at, active)
                SELECT 'lease-' || g, 'task-' || g, 1, 'n1', 0, 1 FROM generate_series(1, 20000) g
                """)
            let ids = (1...100).map { "'lease-\($0 * 7)'" }.joined(separator: ", ")
            return try work.query("EXPLAIN SELECT id, task_id FROM leases WHERE id IN (\(ids))")
                .map { (row) throws(StoreError) in try row.text(0) }.joined(separator: "\n")
        }
        #expect(plan.contains("leases_pkey"), "\(plan)")
        #expect(!plan.contains("Seq Scan"), "\(plan)")
    }
}

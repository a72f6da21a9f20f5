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

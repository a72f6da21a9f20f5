/// The tentative node assignments of an `ExecutionPlan` (proto
/// `PlannedTask.assigned_node_ids`): for each task, the best nodes by `NodeRanking` that
/// could run it now, R of them on distinct operators.
///
/// Tentative, because nodes lease work themselves; the plan tells the submitter whether
/// anything can run at all. Tasks with equal requirements share one ranking, so a
/// 10,000-task DAG of a few task shapes costs a few rankings, not 10,000.
public enum TentativeAssignment {
    public static func assign(
        _ plan: ExecutionPlan, nodes: [Node], swarm: SwarmPolicy? = nil, ranking: NodeRanking = NodeRanking()
    ) -> [[NodeID]] {
        var cache: [ResourceRequirements: [Node]] = [:]
        return plan.tasks.map { task in
            let requirements = task.spec.requirements
            let ranked: [Node]
            if let hit = cache[requirements] {
                ranked = hit
            } else {
                ranked = ranking.rank(nodes, for: requirements, in: swarm)
                cache[requirements] = ranked
            }
            var operators = Set<OperatorID>()
            var chosen: [NodeID] = []
            for node in ranked where chosen.count < task.spec.redundancy.replicas {
                if operators.insert(node.operatorID).inserted { chosen.append(node.id) }
            }
            return chosen
        }
    }
}

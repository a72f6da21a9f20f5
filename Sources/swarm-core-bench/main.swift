// `make bench`: time to validate and plan a 10,000-task DAG (target < 50 ms).
//
// The DAG is 100 layers of 100 tasks; each task depends on up to three tasks of the
// layer before and quotes two of their outputs in its prompt, so planning exercises
// validation, cycle detection, template parsing and the critical path together.
import SwarmCore

#if canImport(Glibc)
    import Glibc
#endif

func layeredDag(layers: Int, width: Int) -> DagSubmission {
    var tasks: [DagTaskSpec] = []
    tasks.reserveCapacity(layers * width)
    for layer in 0..<layers {
        for column in 0..<width {
            let name = "t\(layer)_\(column)"
            var parents: [String] = []
            if layer > 0 {
                for offset in 0..<3 where column + offset < width {
                    parents.append("t\(layer - 1)_\(column + offset)")
                }
            }
            var prompt = "Summarise part \(column) of layer \(layer)."
            for parent in parents.prefix(2) { prompt += " Context: {{ tasks.\(parent).output }}" }
            tasks.append(DagTaskSpec(name: name, dependsOn: parents, spec: TaskSpec(prompt: prompt)))
        }
    }
    return DagSubmission(name: "bench", tasks: tasks)
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e3 + Double(attoseconds) / 1e15
}

let runs = 11
let submission = layeredDag(layers: 100, width: 100)
let planner = DagPlanner()
let clock = ContinuousClock()
var times: [Double] = []
var planned = 0
for _ in 0..<runs {
    let start = clock.now
    do {
        let plan = try planner.plan(submission)
        planned = plan.tasks.count
    } catch {
        print("swarm-core-bench: the benchmark DAG was rejected: \(error)")
        exit(1)
    }
    times.append(milliseconds(clock.now - start))
}
times.sort()
let median = times[runs / 2]
print("")
print("swarm-core-bench: planning a \(planned)-task DAG (100 layers x 100, 3 parents, 2 placeholders per prompt)")
let rounded = (median * 10).rounded() / 10
let fastest = (times[0] * 10).rounded() / 10
print("  median of \(runs) runs: \(rounded) ms (min \(fastest) ms), target < 50 ms")
print(median < 50 ? "  within target" : "  ABOVE TARGET")

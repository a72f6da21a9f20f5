import Testing

@testable import SwarmCore

private func task(_ name: String, _ deps: [String] = [], prompt: String = "", inputFrom: String? = nil) -> DagTaskSpec {
    DagTaskSpec(name: name, dependsOn: deps, spec: TaskSpec(prompt: prompt), inputFrom: inputFrom)
}

private func planError(_ tasks: [DagTaskSpec], limits: DagLimits = DagLimits()) -> DagValidationError? {
    do {
        _ = try DagPlanner(limits: limits).plan(DagSubmission(tasks: tasks))
        return nil
    } catch {
        return error
    }
}

@Suite("DAG planning")
struct DagPlannerTests {
    @Test("a valid DAG is ordered parents first, roots ready and the rest pending")
    func validPlan() throws {
        let plan = try DagPlanner().plan(
            DagSubmission(tasks: [
                task("reduce", ["m1", "m2"]), task("m1", ["split"]), task("m2", ["split"]), task("split"),
            ]))
        let position = Dictionary(uniqueKeysWithValues: plan.topologicalOrder.enumerated().map { ($1, $0) })
        for planned in plan.tasks {
            for parent in planned.parents {
                #expect(position[parent, default: 0] < position[planned.index, default: 0])
            }
        }
        #expect(plan.tasks[3].initialState == .ready)
        #expect(plan.tasks[0].initialState == .pending)
        #expect(plan.tasks[3].children.sorted() == [1, 2])  // fan-out
        #expect(plan.tasks[0].parents.sorted() == [1, 2])  // fan-in
        #expect(plan.estimatedCostMicros == plan.tasks.map(\.maxCostMicros).reduce(0, +))
    }

    @Test("the cycle error names one cycle, e.g. a -> b -> c -> a")
    func cycleIsNamed() {
        let error = planError([task("a", ["b"]), task("b", ["c"]), task("c", ["a"]), task("d", ["a"])])
        #expect(error?.code == .cycle)
        #expect(error?.cycle == ["a", "b", "c", "a"])
        #expect(error?.message.contains("a -> b -> c -> a") == true)
    }

    @Test("duplicate names, unknown, self and repeated dependencies are refused with codes")
    func structuralErrors() {
        #expect(planError([task("a"), task("a")])?.code == .duplicateName)
        #expect(planError([task("a", ["ghost"])])?.code == .unknownDependency)
        #expect(planError([task("a", ["ghost"])])?.message.contains("ghost") == true)
        #expect(planError([task("a", ["a"])])?.code == .selfDependency)
        #expect(planError([task("a"), task("b", ["a", "a"])])?.code == .duplicateDependency)
        #expect(planError([])?.code == .emptySubmission)
        #expect(planError([task("has space")])?.code == .invalidName)
        #expect(planError([task(String(repeating: "x", count: 65))])?.code == .invalidName)
    }

    @Test("size limits are enforced")
    func sizeLimits() {
        let limits = DagLimits(maxTasks: 2, maxDependenciesPerTask: 1)
        #expect(planError([task("a"), task("b"), task("c")], limits: limits)?.code == .tooManyTasks)
        #expect(
            planError([task("a"), task("b"), task("c", ["a", "b"])], limits: DagLimits(maxDependenciesPerTask: 1))?.code
                == .tooManyDependencies)
    }

    @Test("invalid specs are refused naming the task")
    func invalidSpec() {
        var spec = TaskSpec()
        spec.redundancy = Redundancy(replicas: 2, quorum: 3)
        let error = planError([DagTaskSpec(name: "x", spec: spec)])
        #expect(error?.code == .invalidSpec)
        #expect(error?.taskName == "x")
    }

    @Test("placeholders must name a direct parent and use a known field")
    func placeholders() {
        #expect(planError([task("a"), task("b", ["a"], prompt: "use {{ tasks.a.output }}")]) == nil)
        #expect(
            planError([task("a"), task("b", [], prompt: "use {{tasks.a.output}}")])?.code == .placeholderNotAParent)
        #expect(planError([task("a"), task("b", ["a"], prompt: "{{ tasks.a.nope }}")])?.code == .invalidPlaceholder)
        #expect(planError([task("a"), task("b", ["a"], prompt: "{{ tasks.a.output")])?.code == .invalidPlaceholder)
        #expect(planError([task("a"), task("b", ["a"], inputFrom: "c")])?.code == .inputFromNotAParent)
    }

    @Test("templates render parent output as text, base64 and task id, and a literal {{")
    func templateRendering() throws {
        let template = try PromptTemplate(
            parsing: "A={{ tasks.p.output }} B={{tasks.p.output_base64}} C={{ tasks.p.task_id }} D={{ \"{{\" }}")
        let rendered = template.render { name in name == "p" ? (Array("hi!".utf8), TaskID("t-1")) : nil }
        #expect(rendered == .success("A=hi! B=aGkh C=t-1 D={{"))
        let binary = template.render { _ in ([0xFF, 0xFE], TaskID("t")) }
        #expect(throws: TemplateRenderError.self) { try binary.get() }
        #expect(Base64.encode(Array("ab".utf8)) == "YWI=")
        #expect(Base64.encode(Array("a".utf8)) == "YQ==")
    }

    @Test("readiness: a child is ready when its last parent succeeds")
    func readiness() {
        var graph = DependencyGraph()
        graph.add("a", parents: [])
        graph.add("b", parents: [])
        graph.add("c", parents: ["a", "b"])
        #expect(!graph.isReady("c"))
        #expect(graph.succeeded("a") == [])
        #expect(graph.succeeded("b") == ["c"])
        #expect(graph.isReady("c"))
    }

    @Test("a failed parent dooms every open descendant, transitively, once each")
    func descendants() {
        var graph = DependencyGraph()
        graph.add("a", parents: [])
        graph.add("b", parents: ["a"])
        graph.add("c", parents: ["a", "b"])
        graph.add("d", parents: ["c"])
        graph.add("x", parents: [])
        #expect(graph.descendants(of: "a") { _ in true }.sorted() == ["b", "c", "d"])
        #expect(graph.descendants(of: "a") { $0 != "c" }.sorted() == ["b", "d"])
    }

    @Test("planning a 10,000-task layered DAG is linear and correct")
    func largePlan() throws {
        let submission = Self.layeredDag(tasks: 10_000, width: 100)
        let plan = try DagPlanner().plan(submission)
        #expect(plan.topologicalOrder.count == 10_000)
        #expect(Set(plan.topologicalOrder).count == 10_000)
    }

    /// Layers of `width` tasks, each depending on up to 3 tasks of the layer before.
    static func layeredDag(tasks count: Int, width: Int) -> DagSubmission {
        var tasks: [DagTaskSpec] = []
        tasks.reserveCapacity(count)
        for i in 0..<count {
            let layer = i / width
            var deps: [String] = []
            if layer > 0 {
                for k in 0..<3 { deps.append("t\((layer - 1) * width + (i + k * 7) % width)") }
            }
            tasks.append(DagTaskSpec(name: "t\(i)", dependsOn: Array(Set(deps)).sorted()))
        }
        return DagSubmission(tasks: tasks)
    }
}

import SwarmCoordinator
import SwarmProto
import SwarmRPC
import Testing

/// SwarmService listing, status and deletion.
@Suite("Swarm administration", .serialized)
struct SwarmAdministrationTests {
    @Test func swarmsAreListedWithTheirCreatorAndInspectedWithTheirQueue() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(10, to: "alice", key: TestKeys.admin)
        let created = try await harness.createSwarm("batch", key: TestKeys.alice)
        #expect(created.createdBy == "alice")
        #expect(created.status == .ready)
        let id = try await harness.submit(prompt: "queued", swarm: "batch", key: TestKeys.alice)

        let list = try await harness.call(
            Openswarm_V1_SwarmService.Method.listSwarms, Openswarm_V1_ListSwarmsRequest(), key: TestKeys.bob)
        #expect(list.swarms.map(\.id) == ["batch", "default"])
        #expect(list.totalCount == 2)
        #expect(list.swarms.first?.labels == ["team": "tests"])
        var mine = Openswarm_V1_ListSwarmsRequest()
        mine.createdBy = "alice"
        #expect(
            try await harness.call(Openswarm_V1_SwarmService.Method.listSwarms, mine, key: TestKeys.bob).swarms.map(
                \.id) == ["batch"])

        var status = Openswarm_V1_GetSwarmStatusRequest()
        status.swarmID = "batch"
        let own = try await harness.call(Openswarm_V1_SwarmService.Method.getSwarmStatus, status, key: TestKeys.alice)
        #expect(own.queueDepth == 1)
        #expect(own.taskQueue.map(\.id) == [id])
        #expect(own.swarm?.state?.queuedTaskCount == 1)
        #expect(own.swarm?.resources?.tokenEscrowedMicros ?? 0 > 0)
        let other = try await harness.call(Openswarm_V1_SwarmService.Method.getSwarmStatus, status, key: TestKeys.bob)
        #expect(other.queueDepth == 1)
        #expect(other.taskQueue.isEmpty, "another submitter's tasks are not shown")

        status.swarmID = "nowhere"
        #expect(
            await harness.refusal(Openswarm_V1_SwarmService.Method.getSwarmStatus, status, key: TestKeys.bob)?.code
                == .notFound)
        #expect(
            await harness.refusal(Openswarm_V1_SwarmService.Method.listSwarms, Openswarm_V1_ListSwarmsRequest())?.code
                == .unauthenticated)
        await harness.stop()
    }

    @Test func aSwarmWithOpenTasksIsNotDeletedUnlessForced() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(10, to: "alice", key: TestKeys.admin)
        _ = try await harness.createSwarm("batch", key: TestKeys.alice)
        let id = try await harness.submit(prompt: "busy", swarm: "batch", key: TestKeys.alice)
        var delete = Openswarm_V1_DeleteSwarmRequest()
        delete.swarmID = "batch"
        delete.reason = "done with it"
        let method = Openswarm_V1_SwarmService.Method.deleteSwarm

        let busy = await harness.refusal(method, delete, key: TestKeys.alice)
        #expect(busy?.code == .failedPrecondition)
        #expect(busy?.message.contains("have not ended") == true)
        #expect(busy?.message.contains("force") == true, "the message says how to proceed")
        #expect(busy?.metadata.first("x-openswarm-error-code") == "swarm_not_empty")
        #expect(await harness.refusal(method, delete, key: TestKeys.bob)?.code == .permissionDenied)

        delete.force = true
        let deleted = try await harness.call(method, delete, key: TestKeys.alice)
        #expect(deleted.swarm?.status == .deleted)
        #expect(deleted.cancelledTaskCount == 1)
        #expect(deleted.refundedMicros > 0)
        var get = Openswarm_V1_GetTaskRequest()
        get.taskID = id
        let task = try await harness.call(Openswarm_V1_TaskService.Method.getTask, get, key: TestKeys.alice).task
        #expect(task?.state == .cancelled)
        #expect(task?.endReason == .swarmDeleted)

        // Kept for history, gone for new work.
        let live = try await harness.call(
            Openswarm_V1_SwarmService.Method.listSwarms, Openswarm_V1_ListSwarmsRequest(), key: TestKeys.alice)
        #expect(live.swarms.map(\.id) == ["default"])
        var history = Openswarm_V1_ListSwarmsRequest()
        history.statuses = [.deleted]
        #expect(
            try await harness.call(Openswarm_V1_SwarmService.Method.listSwarms, history, key: TestKeys.alice).swarms
                .map(\.id) == ["batch"])
        do {
            _ = try await harness.submit(prompt: "too late", swarm: "batch", key: TestKeys.alice)
            Issue.record("a deleted swarm takes no tasks")
        } catch let error as RPCError {
            #expect(error.code == .notFound)
        }
        #expect(await harness.refusal(method, delete, key: TestKeys.alice)?.code == .notFound)
        await harness.stop()
    }

    @Test func anIdleSwarmIsDeletedAndTheDefaultSwarmNever() async throws {
        let harness = try await CoordinatorHarness()
        _ = try await harness.createSwarm("idle")
        var delete = Openswarm_V1_DeleteSwarmRequest()
        delete.swarmID = "idle"
        let deleted = try await harness.call(Openswarm_V1_SwarmService.Method.deleteSwarm, delete)
        #expect(deleted.swarm?.status == .deleted)
        #expect(deleted.cancelledTaskCount == 0)
        delete.swarmID = "default"
        let refusal = await harness.refusal(Openswarm_V1_SwarmService.Method.deleteSwarm, delete)
        #expect(refusal?.code == .failedPrecondition)
        // The name is free again.
        #expect(try await harness.createSwarm("idle").status == .ready)
        await harness.stop()
    }
}

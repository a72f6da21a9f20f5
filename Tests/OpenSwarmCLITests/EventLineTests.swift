import SwarmProto
import Testing

@testable import openswarm

/// How `openswarm events` and `openswarm swarms` print one line per thing.
@Suite("Event and swarm lines")
struct EventLineTests {
    @Test("A state change names both states and the node; a new task says new")
    func stateChange() {
        var change = Openswarm_V1_TaskStateChangedEvent()
        change.taskID = "t1"
        change.previousState = .leased
        change.state = .succeeded
        change.nodeID = "n1"
        var event = Openswarm_V1_Event()
        event.sequence = 7
        event.payload = .taskStateChanged(change)
        #expect(EventsCommand.line(event) == "#7 task t1 leased -> succeeded on n1")
        change.previousState = .unspecified
        change.state = .ready
        change.nodeID = ""
        event.payload = .taskStateChanged(change)
        #expect(EventsCommand.line(event) == "#7 task t1 new -> ready")
    }

    @Test("A swarm line gives its status, creator and spending")
    func swarmLine() {
        var swarm = Openswarm_V1_Swarm()
        swarm.id = "batch"
        swarm.status = .deleted
        swarm.createdBy = "alice"
        var resources = Openswarm_V1_SwarmResources()
        resources.tokenSpentMicros = 1_500_000
        swarm.resources = resources
        #expect(SwarmsCommand.line(swarm) == "batch  deleted  by alice  spent 1.5 tokens")
    }
}

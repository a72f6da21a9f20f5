import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.EventService`: a server stream of the events in `EventLog` that the
/// caller's filters admit and it may see, until the client cancels.
struct EventDesk: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        router.serverStreaming(Openswarm_V1_EventService.Method.watch) { request, responses, call in
            let principal = try context.callers.principal(call)
            guard request.taskIDs.count <= 1_000 else {
                throw RPCError(.invalidArgument, "at most 1000 task_ids per watch")
            }
            let filter = EventFilter(request, principal: principal)
            let log = context.events
            log.watcherStarted()
            defer { log.watcherEnded() }
            var cursor = request.afterSequence ?? log.latestSequence
            while !Task.isCancelled {
                let seen = log.signal.generation
                guard let entries = log.entries(after: cursor) else {
                    throw RPCError(
                        .outOfRange,
                        "events after sequence \(cursor) are no longer retained; watch again without after_sequence")
                }
                for entry in entries {
                    cursor = entry.event.sequence
                    guard filter.admits(entry) else { continue }
                    var response = Openswarm_V1_WatchResponse()
                    response.event = filter.shaped(entry.event)
                    try await responses.write(response)
                }
                await log.signal.wait(after: seen, timeout: .seconds(5))
            }
        }
    }
}

import SwarmCore
import SwarmProto

/// The filters of a WatchRequest and the caller's right to see an event: every given
/// filter must hold, and a caller sees only events about its own tasks and accounts
/// (moderators and admins see all; node events are for every authenticated caller).
struct EventFilter: Sendable {
    let kinds: Set<Openswarm_V1_EventKind>
    let swarmID: String?
    let dagID: String?
    let taskIDs: Set<String>
    let nodeID: String?
    let minAlertLevel: Openswarm_V1_AlertLevel
    let includeOutputs: Bool
    let principal: Principal

    init(_ request: Openswarm_V1_WatchRequest, principal: Principal) {
        kinds = Set(request.kinds.filter { $0 != .unspecified })
        swarmID = request.swarmID
        dagID = request.dagID
        taskIDs = Set(request.taskIDs)
        nodeID = request.nodeID
        minAlertLevel = request.minAlertLevel
        includeOutputs = request.includeOutputs
        self.principal = principal
    }

    func admits(_ entry: EventLog.Entry) -> Bool {
        if !kinds.isEmpty && !kinds.contains(entry.kind) { return false }
        if let swarmID, entry.event.swarmID != swarmID { return false }
        if let dagID, entry.event.dagID != dagID { return false }
        if !taskIDs.isEmpty && !(entry.taskID.map(taskIDs.contains) ?? false) { return false }
        if let nodeID, entry.nodeID != nodeID { return false }
        if case .systemAlert(let alert) = entry.event.payload, alert.level.protoValue < minAlertLevel.protoValue {
            return false
        }
        if let submitter = entry.submitter, !principal.mayAccess(submitter: submitter) { return false }
        if !entry.accounts.isEmpty && !entry.accounts.contains(where: principal.mayRead(account:)) { return false }
        return true
    }

    /// The event as this watcher gets it: output bytes only when asked for.
    func shaped(_ event: Openswarm_V1_Event) -> Openswarm_V1_Event {
        guard !includeOutputs else { return event }
        var event = event
        switch event.payload {
        case .taskCompleted(var completed):
            completed.results = completed.results.map { result in
                var result = result
                result.output = []
                return result
            }
            event.payload = .taskCompleted(completed)
        case .taskProgress(var progress):
            progress.partialOutput = []
            event.payload = .taskProgress(progress)
        default: break
        }
        return event
    }
}

import Foundation
import NIOCore
import SwarmProto
import SwarmRPC
import Synchronization
import XCTest

/// An in-process coordinator for agent tests: serves NodeService.RegisterNode and the
/// five WorkerService methods, records every call, checks the node's metadata, hands
/// out queued leases and delivers queued cancellations with the next heartbeat.
final class FakeCoordinator: Sendable {
    struct State {
        var registrations: [Openswarm_V1_RegisterNodeRequest] = []
        var nodeID = "node-1"
        var credential = "secret-1"
        var queuedLeases: [Openswarm_V1_Lease] = []
        var results: [Openswarm_V1_TaskResult] = []
        /// Each ReportResults call's results with its batch signature.
        var batches: [(results: [Openswarm_V1_TaskResult], signature: [UInt8])] = []
        var failures: [Openswarm_V1_ReportFailureRequest] = []
        var heartbeats: [Openswarm_V1_HeartbeatRequest] = []
        var progress: [Openswarm_V1_LeaseProgress] = []
        var leaseCalls = 0
        var cancellations: [Openswarm_V1_LeaseCancellation] = []
        var unauthenticatedCalls = 0
        /// Leases handed out only to ReportResults calls that ask for some.
        var leasesForReports: [Openswarm_V1_Lease] = []
        /// Each ReportResults call's lease_max_tasks.
        var reportLeaseRequests: [UInt32] = []
        /// Leases handed out and not yet reported on, and the most there ever were.
        var outstanding = 0
        var mostOutstanding = 0

        mutating func handOut(_ count: Int) {
            outstanding += count
            mostOutstanding = max(mostOutstanding, outstanding)
        }
    }

    let state = Mutex(State())
    private let server = Mutex<RPCServer?>(nil)

    /// Starts serving on `port` (0: any); returns the port bound.
    func start(port: Int = 0) async throws -> Int {
        let server = RPCServer(router: router(), configuration: RPCServer.Configuration(host: "127.0.0.1", port: port))
        let address = try await server.start()
        self.server.withLock { $0 = server }
        return address.port ?? 0
    }

    func stop() async {
        let server = self.server.withLock { server in
            defer { server = nil }
            return server
        }
        await server?.shutdown(gracePeriod: .milliseconds(100))
    }

    func enqueue(_ lease: Openswarm_V1_Lease) {
        state.withLock { $0.queuedLeases.append(lease) }
    }

    func cancel(leaseID: String, taskID: String) {
        var cancellation = Openswarm_V1_LeaseCancellation()
        cancellation.leaseID = leaseID
        cancellation.taskID = taskID
        cancellation.reason = "cancelled by user"
        state.withLock { $0.cancellations.append(cancellation) }
    }

    var snapshot: State { state.withLock { $0 } }

    private func authenticate(_ context: ServerContext) throws {
        let (nodeID, credential) = state.withLock { ($0.nodeID, $0.credential) }
        guard context.metadata.first("x-openswarm-node-id") == nodeID,
            context.metadata.first("authorization") == "Bearer \(credential)"
        else {
            state.withLock { $0.unauthenticatedCalls += 1 }
            throw RPCError(.unauthenticated, "unknown node or credential")
        }
    }

    private func router() -> RPCRouter {
        var router = RPCRouter()
        router.unary(Openswarm_V1_NodeService.Method.registerNode) { request, _ in
            var response = Openswarm_V1_RegisterNodeResponse()
            self.state.withLock { state in
                state.registrations.append(request)
                response.nodeID = state.nodeID
                response.nodeCredential = state.credential
            }
            response.status = .approved
            response.heartbeatInterval = Self.duration(milliseconds: 100)
            return response
        }
        router.unary(Openswarm_V1_WorkerService.Method.heartbeat) { request, context in
            try self.authenticate(context)
            var response = Openswarm_V1_HeartbeatResponse()
            self.state.withLock { state in
                state.heartbeats.append(request)
                let held = Set(request.leases.map(\.leaseID))
                response.cancellations = state.cancellations.filter { held.contains($0.leaseID) }
                state.cancellations.removeAll { held.contains($0.leaseID) }
            }
            response.heartbeatInterval = Self.duration(milliseconds: 100)
            response.nodeStatus = request.status
            return response
        }
        router.unary(Openswarm_V1_WorkerService.Method.leaseTasks) { request, context in
            try self.authenticate(context)
            let wait = Double(request.maxWait?.seconds ?? 0) + Double(request.maxWait?.nanos ?? 0) / 1e9
            let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(wait * 1000)))
            var response = Openswarm_V1_LeaseTasksResponse()
            repeat {
                let leases = self.state.withLock { state -> [Openswarm_V1_Lease] in
                    state.leaseCalls += 1
                    let count = min(Int(request.maxTasks), state.queuedLeases.count)
                    state.handOut(count)
                    defer { state.queuedLeases.removeFirst(count) }
                    return Array(state.queuedLeases.prefix(count))
                }
                if !leases.isEmpty {
                    response.leases = leases
                    return response
                }
                try await Task.sleep(for: .milliseconds(20))
            } while ContinuousClock.now < deadline
            return response
        }
        router.unary(Openswarm_V1_WorkerService.Method.reportProgress) { request, context in
            try self.authenticate(context)
            self.state.withLock { $0.progress += request.updates }
            return Openswarm_V1_ReportProgressResponse()
        }
        router.unary(Openswarm_V1_WorkerService.Method.reportResults) { request, context in
            try self.authenticate(context)
            var response = Openswarm_V1_ReportResultsResponse()
            self.state.withLock { state in
                state.batches.append((request.results, request.batchSignature))
                for result in request.results {
                    let duplicate = state.results.contains {
                        $0.leaseID == result.leaseID && $0.attemptNumber == result.attemptNumber
                    }
                    if !duplicate {
                        state.results.append(result)
                        state.outstanding -= 1
                    }
                    var ack = Openswarm_V1_ReportAck()
                    ack.leaseID = result.leaseID
                    ack.taskID = result.taskID
                    ack.attemptNumber = result.attemptNumber
                    ack.status = duplicate ? .duplicate : .accepted
                    response.acks.append(ack)
                }
                state.reportLeaseRequests.append(request.leaseMaxTasks)
                let count = min(Int(request.leaseMaxTasks), state.leasesForReports.count)
                state.handOut(count)
                response.leases = Array(state.leasesForReports.prefix(count))
                state.leasesForReports.removeFirst(count)
            }
            return response
        }
        router.unary(Openswarm_V1_WorkerService.Method.reportFailure) { request, context in
            try self.authenticate(context)
            self.state.withLock { state in
                state.failures.append(request)
                state.outstanding -= 1
            }
            var response = Openswarm_V1_ReportFailureResponse()
            var ack = Openswarm_V1_ReportAck()
            ack.leaseID = request.leaseID
            ack.taskID = request.taskID
            ack.attemptNumber = request.attemptNumber
            ack.status = .accepted
            response.ack = ack
            response.willRetry = true
            return response
        }
        return router
    }

    static func duration(milliseconds: Int64) -> Google_Protobuf_Duration {
        var duration = Google_Protobuf_Duration()
        duration.seconds = milliseconds / 1000
        duration.nanos = Int32((milliseconds % 1000) * 1_000_000)
        return duration
    }

    /// A lease of a command task on `capability` with `input`.
    static func lease(
        _ id: String, capability: String, input: String, attempt: UInt32 = 1, timeoutSeconds: Int64 = 60
    ) -> Openswarm_V1_Lease {
        var lease = Openswarm_V1_Lease()
        lease.leaseID = id
        lease.taskID = "task-\(id)"
        lease.attemptNumber = attempt
        var timeout = Google_Protobuf_Duration()
        timeout.seconds = timeoutSeconds
        lease.startToCloseTimeout = timeout
        var definition = Openswarm_V1_TaskDefinition()
        definition.type = .command
        definition.input = Array(input.utf8)
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.capabilities = [capability]
        definition.requirements = requirements
        lease.definition = definition
        return lease
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(
    timeout: Duration = .seconds(5), _ condition: () throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

extension XCTestCase {
    /// A fresh empty directory under the system's temporary directory, removed when
    /// the test ends.
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "swarm-worker-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// Fails the test unless `condition` holds within `timeout`.
func assertEventually(
    timeout: Duration = .seconds(5), file: StaticString = #filePath, line: UInt = #line,
    _ condition: () throws -> Bool
) async rethrows {
    if !(try await eventually(timeout: timeout, condition)) {
        XCTFail("the condition did not hold within \(timeout)", file: file, line: line)
    }
}

import Foundation
import SwarmProto
import XCTest

@testable import SwarmWorker

/// The state directory and the result spool.
final class StateTests: XCTestCase {
    func mode(_ path: String) -> Int {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0, path)
        return Int(info.st_mode & 0o777)
    }

    func testStateRoundTripWithPrivateModes() throws {
        let directory = temporaryDirectory() + "/state"
        var state = try WorkerState.open(directory: directory)
        XCTAssertNil(state.identity)
        XCTAssertEqual(mode(directory), 0o700)
        XCTAssertEqual(mode(directory + "/signing_key"), 0o600)
        try state.saveIdentity(NodeIdentity(nodeID: "n-1", credential: "c-1"))
        XCTAssertEqual(mode(directory + "/node_credential"), 0o600)
        XCTAssertEqual(mode(directory + "/node_id"), 0o600)

        let reopened = try WorkerState.open(directory: directory)
        XCTAssertEqual(reopened.identity, NodeIdentity(nodeID: "n-1", credential: "c-1"))
        XCTAssertEqual(reopened.signingKey.rawRepresentation, state.signingKey.rawRepresentation)
        XCTAssertEqual(reopened.registrationRequestID, state.registrationRequestID)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/node_id.tmp"))

        var cleared = reopened
        cleared.clearIdentity()
        XCTAssertNil(try WorkerState.open(directory: directory).identity)
        XCTAssertEqual(
            try WorkerState.open(directory: directory).signingKey.rawRepresentation, state.signingKey.rawRepresentation)
    }

    func testACorruptKeyIsAnError() throws {
        let directory = temporaryDirectory()
        try AtomicFile.write([1, 2, 3], to: directory + "/signing_key")
        XCTAssertThrowsError(try WorkerState.open(directory: directory)) { error in
            XCTAssertEqual((error as? WorkerStateError)?.code, .corrupt)
        }
    }

    func testSpoolWriteListRemove() throws {
        let spool = try ResultSpool(directory: temporaryDirectory() + "/spool")
        XCTAssertTrue(spool.list().isEmpty)
        var result = Openswarm_V1_TaskResult()
        result.leaseID = "l-1"
        result.taskID = "t-1"
        result.attemptNumber = 2
        result.output = Array("out".utf8)
        var failure = Openswarm_V1_ReportFailureRequest()
        failure.leaseID = "l-2"
        failure.taskID = "t-2"
        var error = Openswarm_V1_TaskError()
        error.kind = .nodeShuttingDown
        failure.error = error
        let first = try spool.write(.result(result))
        try spool.write(.failure(failure))
        XCTAssertEqual(mode(spool.directory + "/" + first), 0o600)
        let listed = spool.list()
        XCTAssertEqual(listed.map(\.entry), [.result(result), .failure(failure)])
        spool.remove(first)
        XCTAssertEqual(spool.list().map(\.entry), [.failure(failure)])
        // A file that does not decode is set aside, not reported.
        try AtomicFile.write([0xff, 0xff, 0xff], to: spool.directory + "/00000000000000000001-x.result")
        XCTAssertEqual(spool.list().count, 1)
        spool.removeAll(leaseID: "l-2")
        XCTAssertTrue(spool.list().isEmpty)
    }
}

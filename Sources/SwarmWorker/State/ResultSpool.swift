import Foundation
import SwarmCrypto
import SwarmProto

/// A finished attempt waiting for the coordinator's acknowledgement: a signed result,
/// or a failure report (including hand-backs when draining).
enum SpoolEntry: Sendable, Equatable {
    case result(Openswarm_V1_TaskResult)
    case failure(Openswarm_V1_ReportFailureRequest)

    var leaseID: String {
        switch self {
        case .result(let result): return result.leaseID
        case .failure(let failure): return failure.leaseID
        }
    }

    var taskID: String {
        switch self {
        case .result(let result): return result.taskID
        case .failure(let failure): return failure.taskID
        }
    }

    var attemptNumber: UInt32 {
        switch self {
        case .result(let result): return result.attemptNumber
        case .failure(let failure): return failure.attemptNumber
        }
    }
}

/// One entry on disk, by file name.
struct SpooledReport: Sendable, Equatable {
    var name: String
    var entry: SpoolEntry
}

/// The outbox of finished work: `<state>/spool/`. A result is written here (atomically,
/// fsynced) before it is reported and removed only when the coordinator has answered
/// it with a final status, so a crash or a lost coordinator never loses finished work.
/// On start-up and after reconnecting the agent reports what is here first.
///
/// File names sort in write order: `<nanoseconds since 1970>-<hash of lease and attempt>.result`
/// (or `.failure`), the body is the encoded protobuf message.
struct ResultSpool: Sendable {
    let directory: String

    init(directory: String) throws(WorkerStateError) {
        self.directory = directory
        try AtomicFile.makePrivateDirectory(directory)
    }

    /// Writes an entry durably; returns its file name.
    @discardableResult
    func write(_ entry: SpoolEntry) throws(WorkerStateError) -> String {
        let stamp = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        let digest = SHA256Digest.hash(Array("\(entry.leaseID)\u{0}\(entry.attemptNumber)".utf8))
        let name: String
        let bytes: [UInt8]
        switch entry {
        case .result(let result):
            name = "\(Self.padded(stamp))-\(SHA256Digest.hex(Array(digest.prefix(8)))).result"
            bytes = result.serializedBytes()
        case .failure(let failure):
            name = "\(Self.padded(stamp))-\(SHA256Digest.hex(Array(digest.prefix(8)))).failure"
            bytes = failure.serializedBytes()
        }
        try AtomicFile.write(bytes, to: "\(directory)/\(name)")
        return name
    }

    /// Every entry, oldest first. Files that do not decode are renamed `*.corrupt`
    /// (kept for a person to look at) and skipped.
    func list() -> [SpooledReport] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        var reports: [SpooledReport] = []
        for name in names where name.hasSuffix(".result") || name.hasSuffix(".failure") {
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let bytes = [UInt8](data)
            do {
                if name.hasSuffix(".result") {
                    reports.append(
                        SpooledReport(name: name, entry: .result(try Openswarm_V1_TaskResult(serializedBytes: bytes))))
                } else {
                    reports.append(
                        SpooledReport(
                            name: name, entry: .failure(try Openswarm_V1_ReportFailureRequest(serializedBytes: bytes))))
                }
            } catch {
                rename(path, "\(path).corrupt")
            }
        }
        return reports
    }

    /// Forgets an acknowledged entry.
    func remove(_ name: String) {
        unlink("\(directory)/\(name)")
    }

    /// Forgets every entry of a lease (the coordinator says the node does not hold it).
    func removeAll(leaseID: String) {
        for report in list() where report.entry.leaseID == leaseID { remove(report.name) }
    }

    var isEmpty: Bool { list().isEmpty }

    private static func padded(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }
}

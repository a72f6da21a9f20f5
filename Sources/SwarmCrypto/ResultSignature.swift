/// The bytes a worker signs for a result (`TaskResult.signature` in task.proto):
///
///     "openswarm.v1.result" 0x00 task_id (UTF-8) 0x00 attempt_number (4 bytes, big-endian) output_sha256 (32 bytes)
///
/// Binding the task and attempt stops a node from replaying one signed output for
/// another task or attempt.
public enum ResultSignature {
    public static let domain = Array("openswarm.v1.result".utf8)

    public static func payload(taskID: String, attemptNumber: UInt32, outputSHA256: [UInt8]) -> [UInt8] {
        var bytes = domain
        bytes.append(0)
        bytes += taskID.utf8
        bytes.append(0)
        bytes += bigEndian(attemptNumber)
        bytes += outputSHA256
        return bytes
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }

    /// Signs a result's fields with the node's key.
    public static func sign(
        taskID: String, attemptNumber: UInt32, outputSHA256: [UInt8], key: Ed25519PrivateKey
    ) throws(CryptoError) -> [UInt8] {
        try key.signature(for: payload(taskID: taskID, attemptNumber: attemptNumber, outputSHA256: outputSHA256))
    }

    /// Whether `signature` is the node's signature of the result's fields.
    public static func verify(
        _ signature: [UInt8], taskID: String, attemptNumber: UInt32, outputSHA256: [UInt8], key: Ed25519PublicKey
    ) -> Bool {
        key.isValidSignature(
            signature, for: payload(taskID: taskID, attemptNumber: attemptNumber, outputSHA256: outputSHA256))
    }

    /// One entry of a signed batch: what a result's own signature would bind.
    public struct BatchEntry: Sendable {
        public var taskID: String
        public var attemptNumber: UInt32
        public var outputSHA256: [UInt8]

        public init(taskID: String, attemptNumber: UInt32, outputSHA256: [UInt8]) {
            self.taskID = taskID
            self.attemptNumber = attemptNumber
            self.outputSHA256 = outputSHA256
        }
    }

    public static let batchDomain = Array("openswarm.v1.results".utf8)

    /// The bytes of a batch signature (worker_service.proto, ReportResultsRequest):
    /// "openswarm.v1.results" 0x00, then per result task_id 0x00 attempt (4 bytes,
    /// big-endian) output_sha256. One verification covers every result of the batch.
    public static func batchPayload(_ entries: [BatchEntry]) -> [UInt8] {
        var bytes = batchDomain
        bytes.reserveCapacity(bytes.count + 1 + entries.count * 80)
        bytes.append(0)
        for entry in entries {
            bytes += entry.taskID.utf8
            bytes.append(0)
            bytes += bigEndian(entry.attemptNumber)
            bytes += entry.outputSHA256
        }
        return bytes
    }

    public static func signBatch(_ entries: [BatchEntry], key: Ed25519PrivateKey) throws(CryptoError) -> [UInt8] {
        try key.signature(for: batchPayload(entries))
    }

    public static func verifyBatch(_ signature: [UInt8], _ entries: [BatchEntry], key: Ed25519PublicKey) -> Bool {
        key.isValidSignature(signature, for: batchPayload(entries))
    }
}

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
        bytes += [
            UInt8(truncatingIfNeeded: attemptNumber >> 24), UInt8(truncatingIfNeeded: attemptNumber >> 16),
            UInt8(truncatingIfNeeded: attemptNumber >> 8), UInt8(truncatingIfNeeded: attemptNumber),
        ]
        bytes += outputSHA256
        return bytes
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
}

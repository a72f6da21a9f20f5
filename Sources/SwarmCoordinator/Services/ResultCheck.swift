import SwarmCore
import SwarmCrypto
import SwarmProto

/// The checks on a reported result that need no store: its size, its hash, and the
/// node's signature over it (task.proto, TaskResult.signature).
enum ResultCheck: Sendable {
    case accepted
    /// Refused before settlement: the attempt fails with `kind`.
    case refused(Openswarm_V1_ReportStatus, ErrorKind, String)

    /// `signatureChecked`: the batch signature already verified (and covers the hash).
    static func check(
        _ result: Openswarm_V1_TaskResult, publicKey: Ed25519PublicKey?, maxOutputBytes: Int,
        signatureChecked: Bool = false
    ) -> Self {
        if result.output.count > maxOutputBytes {
            return .refused(.tooLarge, .outputTooLarge, "the output exceeds \(maxOutputBytes) bytes")
        }
        guard SHA256Digest.hash(result.output) == result.outputSha256 else {
            return .refused(.hashMismatch, .invalidResult, "output_sha256 is not the SHA-256 of output")
        }
        if signatureChecked { return .accepted }
        guard let publicKey else {
            return .refused(.badSignature, .invalidResult, "the node registered no valid Ed25519 public key")
        }
        guard
            ResultSignature.verify(
                result.signature, taskID: result.taskID, attemptNumber: result.attemptNumber,
                outputSHA256: result.outputSha256, key: publicKey)
        else {
            return .refused(
                .badSignature, .invalidResult, "the signature does not verify with the node's registered key")
        }
        return .accepted
    }

    /// Checks batches on the global executor (not on a connection's event loop, where
    /// RPC handlers run: an Ed25519 verification costs 65 µs here, twice that on a busy
    /// host), spreading large ones over the cores. A single result is checked where the
    /// call runs: one verification holds up the loop less than the two thread hops to
    /// the pool and back cost the call.
    static func run(
        _ results: [Openswarm_V1_TaskResult], batchSignature: [UInt8], publicKey: Ed25519PublicKey?,
        maxOutputBytes: Int
    ) async -> [ResultCheck] {
        if results.count == 1 {
            return batchSignature.isEmpty
                ? [check(results[0], publicKey: publicKey, maxOutputBytes: maxOutputBytes)]
                : batch(results, signature: batchSignature, publicKey: publicKey, maxOutputBytes: maxOutputBytes)
        }
        if !batchSignature.isEmpty {
            return await Task(executorPreference: globalConcurrentExecutor) {
                batch(results, signature: batchSignature, publicKey: publicKey, maxOutputBytes: maxOutputBytes)
            }.value
        }
        let chunk = 16
        return await withTaskGroup(of: (Int, [ResultCheck]).self) { group in
            for start in stride(from: 0, to: results.count, by: chunk) {
                let slice = Array(results[start..<min(start + chunk, results.count)])
                group.addTask(executorPreference: globalConcurrentExecutor) {
                    (start, slice.map { check($0, publicKey: publicKey, maxOutputBytes: maxOutputBytes) })
                }
            }
            var checks = [ResultCheck](repeating: .accepted, count: results.count)
            for await (start, part) in group {
                for (offset, value) in part.enumerated() { checks[start + offset] = value }
            }
            return checks
        }
    }

    /// One verification for the whole batch; each result's hash is still recomputed.
    static func batch(
        _ results: [Openswarm_V1_TaskResult], signature: [UInt8], publicKey: Ed25519PublicKey?, maxOutputBytes: Int
    ) -> [ResultCheck] {
        let entries = results.map {
            ResultSignature.BatchEntry(
                taskID: $0.taskID, attemptNumber: $0.attemptNumber, outputSHA256: $0.outputSha256)
        }
        guard let publicKey, ResultSignature.verifyBatch(signature, entries, key: publicKey) else {
            let refusal = ResultCheck.refused(
                .badSignature, .invalidResult, "the batch signature does not verify with the node's registered key")
            return results.map { _ in refusal }
        }
        return results.map { check($0, publicKey: publicKey, maxOutputBytes: maxOutputBytes, signatureChecked: true) }
    }
}

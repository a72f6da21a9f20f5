import SwarmCore
import SwarmCrypto
import SwarmRPC
import SwarmStore
import Synchronization

/// Checks the node metadata on every WorkerService call (`x-openswarm-node-id` and
/// `authorization: Bearer <credential>`) against the stored credential hash, and keeps
/// the node's public key for verifying result signatures. Identities are cached after
/// the first lookup; a re-registration replaces the cached entry.
final class NodeAuthenticator: Sendable {
    struct Verified: Sendable {
        var nodeID: NodeID
        var publicKey: Ed25519PublicKey?
    }

    private struct Entry: Sendable {
        var credentialSHA256: [UInt8]
        var publicKey: Ed25519PublicKey?
    }

    private let executor: StoreExecutor
    private let cache = Mutex<[NodeID: Entry]>([:])

    init(executor: StoreExecutor) {
        self.executor = executor
    }

    func authenticate(_ context: ServerContext) async throws(RPCError) -> Verified {
        guard let rawID = context.metadata.first("x-openswarm-node-id"), !rawID.isEmpty else {
            throw RPCError(.unauthenticated, "worker calls need `x-openswarm-node-id` metadata (register first)")
        }
        guard let credential = BearerToken.parse(context.metadata.first("authorization")) else {
            throw RPCError(.unauthenticated, "worker calls need `authorization: Bearer <node credential>`")
        }
        let id = NodeID(rawID)
        let entry: Entry
        if let cached = cache.withLock({ $0[id] }) {
            entry = cached
        } else {
            let identity: NodeIdentity
            do {
                identity = try await executor.run { (store) throws(StoreError) in try store.nodeIdentity(id) }
            } catch  where error.code == .notFound {
                throw RPCError(.unauthenticated, "node \(id) is not registered here; register again")
            }
            entry = Entry(
                credentialSHA256: identity.credentialSHA256,
                publicKey: try? Ed25519PublicKey(rawRepresentation: identity.publicKey))
            cache.withLock { $0[id] = entry }
        }
        guard constantTimeEquals(SHA256Digest.hash(Array(credential.utf8)), entry.credentialSHA256) else {
            throw RPCError(.unauthenticated, "the node credential of \(id) is not valid")
        }
        return Verified(nodeID: id, publicKey: entry.publicKey)
    }

    /// Called after a (re-)registration committed.
    func remember(_ identity: NodeIdentity) {
        let entry = Entry(
            credentialSHA256: identity.credentialSHA256,
            publicKey: try? Ed25519PublicKey(rawRepresentation: identity.publicKey))
        cache.withLock { $0[identity.nodeID] = entry }
    }
}

import Foundation
import SwarmCrypto

/// The node's identity as the coordinator knows it.
struct NodeIdentity: Hashable, Sendable {
    var nodeID: String
    var credential: String
}

/// The agent's state directory: who the node is and how it signs.
///
/// ```text
/// <state>/                  mode 0700
///   signing_key             32-byte Ed25519 seed, mode 0600 (created on first start)
///   registration_request_id RegisterNode idempotency key (created on first start)
///   node_id                 from RegisterNodeResponse (absent until registered)
///   node_credential         from RegisterNodeResponse, mode 0600
///   spool/                  results not yet acknowledged (ResultSpool)
/// ```
///
/// Every file is written atomically (AtomicFile), so a crash never leaves a node with
/// an id but no credential. Registration happens only while `identity` is nil; a
/// coordinator that no longer knows the node (UNAUTHENTICATED) makes the agent clear
/// it and register again with the same key and request id.
struct WorkerState: Sendable {
    let directory: String
    let signingKey: Ed25519PrivateKey
    let registrationRequestID: String
    private(set) var identity: NodeIdentity?

    var spoolDirectory: String { "\(directory)/spool" }

    private static let keyFile = "signing_key"
    private static let requestIDFile = "registration_request_id"
    private static let nodeIDFile = "node_id"
    private static let credentialFile = "node_credential"

    /// Opens the directory, creating it and a new signing key on first use.
    static func open(directory: String) throws(WorkerStateError) -> WorkerState {
        try AtomicFile.makePrivateDirectory(directory)
        let key: Ed25519PrivateKey
        if let seed = try AtomicFile.read("\(directory)/\(keyFile)") {
            do {
                key = try Ed25519PrivateKey(rawRepresentation: seed)
            } catch {
                throw WorkerStateError(
                    .corrupt,
                    "\(directory)/\(keyFile) is not a 32-byte Ed25519 seed (\(error)); restore it from a backup, "
                        + "or delete the state directory to register as a new node")
            }
        } else {
            do {
                key = try Ed25519PrivateKey()
            } catch {
                throw WorkerStateError(.write, "cannot create a signing key: \(error)")
            }
            try AtomicFile.write(key.rawRepresentation, to: "\(directory)/\(keyFile)")
        }
        let requestID: String
        if let bytes = try AtomicFile.read("\(directory)/\(requestIDFile)"), !bytes.isEmpty {
            requestID = String(decoding: bytes, as: UTF8.self)
        } else {
            requestID =
                "reg-" + SHA256Digest.hex(Array(SHA256Digest.hash(key.publicKey.rawRepresentation).prefix(8)))
                + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            try AtomicFile.write(Array(requestID.utf8), to: "\(directory)/\(requestIDFile)")
        }
        var state = WorkerState(directory: directory, signingKey: key, registrationRequestID: requestID)
        let nodeID = try AtomicFile.read("\(directory)/\(nodeIDFile)").map { String(decoding: $0, as: UTF8.self) }
        let credential = try AtomicFile.read("\(directory)/\(credentialFile)").map {
            String(decoding: $0, as: UTF8.self)
        }
        if let nodeID, let credential, !nodeID.isEmpty, !credential.isEmpty {
            state.identity = NodeIdentity(nodeID: nodeID, credential: credential)
        }
        return state
    }

    private init(directory: String, signingKey: Ed25519PrivateKey, registrationRequestID: String) {
        self.directory = directory
        self.signingKey = signingKey
        self.registrationRequestID = registrationRequestID
    }

    /// Keeps what RegisterNode returned. The credential is written before the id, so
    /// an id on disk always has its credential.
    mutating func saveIdentity(_ identity: NodeIdentity) throws(WorkerStateError) {
        try AtomicFile.write(Array(identity.credential.utf8), to: "\(directory)/\(Self.credentialFile)")
        try AtomicFile.write(Array(identity.nodeID.utf8), to: "\(directory)/\(Self.nodeIDFile)")
        self.identity = identity
    }

    /// Forgets the registration (the coordinator no longer knows the node).
    mutating func clearIdentity() {
        unlink("\(directory)/\(Self.nodeIDFile)")
        unlink("\(directory)/\(Self.credentialFile)")
        AtomicFile.syncDirectory(of: "\(directory)/\(Self.nodeIDFile)")
        identity = nil
    }
}

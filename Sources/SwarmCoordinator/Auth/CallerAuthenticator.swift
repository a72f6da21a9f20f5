import SwarmCrypto
import SwarmRPC

/// Identifies the caller of a user-facing service from `authorization: Bearer <key>`.
struct CallerAuthenticator: Sendable {
    /// Keys by the SHA-256 of the key, compared in constant time.
    private let keys: [(hash: [UInt8], principal: Principal)]
    let openMode: Bool

    init(apiKeys: [String: Principal]) {
        keys = apiKeys.map { (SHA256Digest.hash(Array($0.key.utf8)), $0.value) }
        openMode = apiKeys.isEmpty
    }

    func principal(_ context: ServerContext, requiring role: Principal.Role? = nil) throws(RPCError) -> Principal {
        let principal: Principal
        if openMode {
            principal = .local
        } else {
            guard let token = BearerToken.parse(context.metadata.first("authorization")) else {
                throw RPCError(.unauthenticated, "send an API key as `authorization: Bearer <key>`")
            }
            let hash = SHA256Digest.hash(Array(token.utf8))
            var found: Principal?
            for entry in keys where constantTimeEquals(entry.hash, hash) { found = entry.principal }
            guard let found else { throw RPCError(.unauthenticated, "the API key is not valid") }
            principal = found
        }
        if let role, !principal.roles.contains(role), !principal.roles.contains(.admin) {
            throw RPCError(.permissionDenied, "this call needs the \(role.rawValue) role")
        }
        return principal
    }
}

enum BearerToken {
    static func parse(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingPrefix(while: { $0 == " " })
        guard trimmed.lowercased().hasPrefix("bearer ") else { return nil }
        let token = trimmed.dropFirst("bearer ".count).trimmingPrefix(while: { $0 == " " })
        return token.isEmpty ? nil : String(token)
    }
}

extension Substring {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        var copy = self
        while let first = copy.first, predicate(first) { copy = copy.dropFirst() }
        return copy
    }
}

extension String {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        Substring(self).trimmingPrefix(while: predicate)
    }
}

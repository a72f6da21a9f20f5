import Foundation
import SwarmCore
import SwarmRPC

/// Everything `openswarm server` can be told (flags, `OPENSWARM_*` variables or a
/// config file fill it). The defaults serve a newcomer on one machine.
public struct CoordinatorConfiguration: Sendable {
    /// Where to listen; 127.0.0.1:7443 (h2c) by default. Port 0 picks a free port.
    public var host: String = "127.0.0.1"
    public var port: Int = 7443
    /// `sqlite:PATH` (the embedded default) or a `postgres://` / `postgresql://` URL.
    public var store: String = "sqlite:./data/openswarm.db"
    /// PostgreSQL connections, and the store calls that run at once (SQLite uses one
    /// writer whatever this says). The default is the machine's cores, at least 2: on
    /// two cores, 8 connections settled less than 2 (e2e 7,166 against 8,502 tasks/s,
    /// medians of 7 A/B pairs), their transactions contending for the CPU and for the
    /// same balance and swarm rows. A PostgreSQL far away (each call waiting on the
    /// network) wants more.
    public var storePoolSize: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// TLS for every connection (mutual TLS when it has client trust roots); nil: h2c.
    public var tls: TLSConfiguration?
    /// How often workers heartbeat, and how many missed heartbeats mark a node offline
    /// (its leases are released for retry at once).
    public var heartbeatInterval: Duration = .seconds(2)
    public var missedHeartbeats: Int = 3
    /// Longest a LeaseTasks long poll may wait.
    public var maxLeaseWait: Duration = .seconds(30)
    /// Most leases one LeaseTasks call grants.
    public var maxLeasesPerCall: Int = 256
    /// Largest task output accepted; larger results fail with OUTPUT_TOO_LARGE.
    public var maxOutputBytes: Int = 4 * 1024 * 1024
    /// API keys of people and services; empty means *open mode*: every caller is the
    /// principal `local` with every role (for a single machine, never for a network).
    public var apiKeys: [String: Principal] = [:]
    /// Created at start-up when missing; tasks without a swarm run here.
    public var defaultSwarm: String = "default"
    /// In-flight calls get this long to finish on SIGTERM before connections close.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Seeds the store's generator (retry jitter, ids) for reproducible tests.
    public var seed: UInt64?

    public init() {}

    /// The failure-detection window: a node silent this long is offline.
    public var failureWindow: Duration { heartbeatInterval * missedHeartbeats }

    public var isOpenMode: Bool { apiKeys.isEmpty }
}

/// Who is calling a user-facing service (API key), with the spec's RBAC roles.
public struct Principal: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable, CaseIterable {
        case user
        case nodeOperator = "node_operator"
        case reviewer, moderator, admin
    }

    public var id: PrincipalID
    /// The account that pays for this principal's tasks.
    public var account: AccountID
    public var roles: Set<Role>

    public init(id: PrincipalID, account: AccountID? = nil, roles: Set<Role>) {
        self.id = id
        self.account = account ?? AccountID(id.rawValue)
        self.roles = roles
    }

    /// The caller of open mode.
    public static let local = Principal(id: "local", roles: Set(Role.allCases))

    /// Moderators and admins read every submitter's tasks and every account; others
    /// only their own.
    public var seesEverything: Bool { roles.contains(.admin) || roles.contains(.moderator) }

    /// Whether this caller may read or act on a task submitted by `submitter`.
    public func mayAccess(submitter: PrincipalID) -> Bool { seesEverything || submitter == id }

    /// Whether this caller may read `account`.
    public func mayRead(account other: AccountID) -> Bool { seesEverything || other == account }

    /// Parses `KEY=PRINCIPAL[:ROLE,ROLE...]` (roles default to `user`), as given to
    /// `--api-key` or in OPENSWARM_API_KEYS (separated by whitespace or `;`).
    public static func parseAPIKey(_ text: String) throws(CoordinatorError) -> (key: String, principal: Principal) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].count >= 16 else {
            throw CoordinatorError(
                .invalidConfiguration, "an API key is KEY=PRINCIPAL[:ROLE,...] with a key of 16 characters or more")
        }
        let principalParts = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = principalParts.first, !name.isEmpty else {
            throw CoordinatorError(.invalidConfiguration, "the API key \(parts[0].prefix(4))… names no principal")
        }
        var roles: Set<Role> = [.user]
        if principalParts.count == 2 {
            roles = []
            for roleName in principalParts[1].split(separator: ",") {
                guard let role = Role(rawValue: String(roleName)) else {
                    throw CoordinatorError(
                        .invalidConfiguration,
                        "unknown role \"\(roleName)\"; roles are "
                            + Role.allCases.map(\.rawValue).joined(separator: ", "))
                }
                roles.insert(role)
            }
        }
        return (parts[0], Principal(id: PrincipalID(name), roles: roles))
    }
}

/// Why the coordinator could not start or refused a request outside the RPC layer.
public struct CoordinatorError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case invalidConfiguration = "invalid_configuration"
        case storeUnavailable = "store_unavailable"
        case listenFailed = "listen_failed"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

// swift-tools-version:6.1
//
// Open-Swarm: a distributed job scheduler for AI work. README.md describes the
// layout; the groups below follow the layers (C libraries, protocol, CLI).
import PackageDescription

// MARK: - C system libraries
//
// Module maps over libraries found with pkg-config; nothing else. Each has a
// `shim.h` that wraps the macros Swift cannot import (`<Module>_<MACRO>`).
// `make deps` installs the Debian packages named in `providers`.

let cSystemLibraries: [Target] = [
    // HTTP/2 framing, HPACK and flow control for SwarmRPC.
    .systemLibrary(
        name: "CNghttp2",
        pkgConfig: "libnghttp2",
        providers: [.apt(["libnghttp2-dev"])]
    ),
    // TLS 1.3 with ALPN (libssl) and Ed25519 signatures (libcrypto).
    .systemLibrary(
        name: "COpenSSL",
        pkgConfig: "openssl",
        providers: [.apt(["libssl-dev"])]
    ),
    // The PostgreSQL store engine.
    .systemLibrary(
        name: "CLibpq",
        pkgConfig: "libpq",
        providers: [.apt(["libpq-dev"])]
    ),
    // The embedded SQLite store engine.
    .systemLibrary(
        name: "CSQLite",
        pkgConfig: "sqlite3",
        providers: [.apt(["libsqlite3-dev"])]
    ),
    // The protobuf-c runtime: the C reference codec. Tests and benchmarks only.
    .systemLibrary(
        name: "CProtobufC",
        pkgConfig: "libprotobuf-c",
        providers: [.apt(["libprotobuf-c-dev"])]
    ),
    // The process allocator of `openswarm` and the benchmarks: linked, its malloc
    // replaces glibc's (about half the cost of a gRPC call's ~25 allocations).
    .systemLibrary(
        name: "CJemalloc",
        pkgConfig: "jemalloc",
        providers: [.apt(["libjemalloc-dev"])]
    ),
    // gzip message compression (`grpc-encoding: gzip`) for SwarmRPC.
    .systemLibrary(
        name: "CZlib",
        pkgConfig: "zlib",
        providers: [.apt(["zlib1g-dev"])]
    ),
]

// MARK: - Protocol

let protocolTargets: [Target] = [
    // Generated code (Sources/SwarmProto/Generated, `make proto`) and its small
    // hand-written runtime. No dependencies.
    .target(name: "SwarmProto"),
    // protoc-c output for Protos/ (generated/, `make proto`) and thin C wrappers over
    // it: the C reference codec for the conformance tests and `make bench`.
    .target(
        name: "CSwarmProtoC",
        dependencies: ["CProtobufC"],
        cSettings: [.headerSearchPath("generated")]
    ),
    .testTarget(
        name: "SwarmProtoTests",
        dependencies: ["SwarmProto", "CSwarmProtoC"]
    ),
    // `make bench`: Swift codec against protobuf-c on the same messages.
    .executableTarget(
        name: "swarm-proto-bench",
        dependencies: ["SwarmProto", "CSwarmProtoC"]
    ),
]

// MARK: - Command-line tool

let cliTargets: [Target] = [
    // The one binary: `openswarm version` today; `server`, `worker`, `submit`, ... later.
    .executableTarget(
        name: "openswarm",
        dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            "CNghttp2",
            "COpenSSL",
            "CLibpq",
            "CSQLite",
            "CJemalloc",
            "SwarmCoordinator",
            "SwarmWorker",
            "SwarmRPC",
            "SwarmStore",
            "SwarmCore",
            "SwarmProto",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]
    ),
    // Real processes on loopback: `openswarm server` and `openswarm worker`, killed
    // with real signals.
    .testTarget(
        name: "EndToEndTests",
        dependencies: ["openswarm", "SwarmProto", "SwarmRPC", "SwarmCrypto", "SwarmStore", "SwarmCore"]
    ),
    .testTarget(
        name: "OpenSwarmCLITests",
        dependencies: ["openswarm"]
    ),
]

// MARK: - Fuzzing (only with OPENSWARM_FUZZ=1)
//
// libFuzzer links only into an executable that calls `LLVMFuzzerRunDriver` and is
// built with `-sanitize=fuzzer,address`; a plain `swift build` must never see it.
// `make fuzz` sets OPENSWARM_FUZZ=1 and builds into its own scratch path (.build-fuzz).

let fuzzing = Context.environment["OPENSWARM_FUZZ"] == "1"
let fuzzTargets: [Target] =
    fuzzing
    ? [
        // The decoders on arbitrary bytes (`make fuzz`).
        .executableTarget(name: "swarm-proto-fuzz", dependencies: ["SwarmProto"]),
        // A server connection (HTTP/2, gRPC) on arbitrary bytes (`make fuzz`).
        .executableTarget(name: "swarm-rpc-fuzz", dependencies: ["SwarmRPC"]),
    ]
    : []

// MARK: - Scheduling core and durable state (issue 4)
//
// SwarmCore: the domain and its decisions, pure (no I/O, injected clock and randomness).
// SwarmStore: SQLite and PostgreSQL engines behind one Store API.

let coreTargets: [Target] = [
    .target(name: "SwarmCore"),
    .testTarget(name: "SwarmCoreTests", dependencies: ["SwarmCore"]),
    // `make bench`: planning a 10,000-task DAG.
    .executableTarget(name: "swarm-core-bench", dependencies: ["SwarmCore"]),
    // A SQLite VFS that writes a commit's WAL frames in one call (see its header).
    .target(name: "CSQLiteWALCoalescing", dependencies: ["CSQLite"]),
    .target(name: "SwarmStore", dependencies: ["SwarmCore", "CSQLite", "CSQLiteWALCoalescing", "CLibpq"]),
    .testTarget(name: "SwarmStoreTests", dependencies: ["SwarmStore", "SwarmCore", "swarm-store-crash-worker"]),
    // The process the crash-safety test kills with SIGKILL.
    .executableTarget(name: "swarm-store-crash-worker", dependencies: ["SwarmStore", "SwarmCore"]),
    // `make bench`: lease-and-complete cycles per second on SQLite and PostgreSQL.
    .executableTarget(name: "swarm-store-bench", dependencies: ["SwarmStore", "SwarmCore", "CJemalloc"]),
]

// MARK: - Transport (issue 3)
//
// SwarmRPC: gRPC over HTTP/2 on nghttp2, SwiftNIO and OpenSSL.

let rpcPackageDependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2")
]
let rpcTargets: [Target] = [
    // The gRPC wire protocol: nghttp2 sessions driven inside NIO channel handlers.
    .target(
        name: "SwarmRPC",
        dependencies: [
            "SwarmProto",
            "CNghttp2",
            "COpenSSL",
            "CZlib",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ] + (fuzzing ? [.product(name: "NIOEmbedded", package: "swift-nio")] : []),
        // `make fuzz` only: the server-connection fuzzing entry point. Release builds
        // skip the dynamic exclusivity checks (about 3% of a unary call's CPU, on class
        // properties touched per stream); debug builds, which every test runs, keep them.
        swiftSettings: (fuzzing ? [.define("OPENSWARM_FUZZ")] : []) + [
            .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
        ]
    ),
    // Interop with grpcio both ways (Tests/oracles/grpc_*.py), robustness on raw sockets.
    .testTarget(
        name: "SwarmRPCTests",
        dependencies: [
            "SwarmRPC",
            "SwarmProto",
            "CNghttp2",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]
    ),
    // `make bench`: our unary echo against nghttpd and grpcio under h2load, our
    // client's latency, memory per idle connection.
    .executableTarget(
        name: "swarm-rpc-bench",
        dependencies: [
            "SwarmRPC", "SwarmProto", "CJemalloc",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]
    ),
]

// MARK: - Coordinator and worker agent (issue 5)
//
// SwarmCrypto: SHA-256, Ed25519 and secure random bytes over OpenSSL's libcrypto.
// SwarmCoordinator: the services of Protos/ over SwarmCore and SwarmStore.
// SwarmWorker: the agent that registers, leases, runs model runtimes and reports.

let agentPackageDependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
]
let agentTargets: [Target] = [
    .target(name: "SwarmCrypto", dependencies: ["COpenSSL"]),
    .target(
        name: "SwarmCoordinator",
        dependencies: [
            "SwarmRPC", "SwarmStore", "SwarmCore", "SwarmProto", "SwarmCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]
    ),
    .target(
        name: "SwarmWorker",
        dependencies: [
            "SwarmRPC", "SwarmCore", "SwarmProto", "SwarmCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]
    ),
    .testTarget(name: "SwarmCryptoTests", dependencies: ["SwarmCrypto"]),
    // `make bench`: tasks/s end to end (coordinator + 2 worker processes) and latency.
    .executableTarget(
        name: "swarm-e2e-bench", dependencies: ["SwarmRPC", "SwarmProto", "SwarmStore", "SwarmCore", "CJemalloc"]),
    .testTarget(
        name: "SwarmCoordinatorTests",
        dependencies: [
            "SwarmCoordinator", "SwarmRPC", "SwarmStore", "SwarmCore", "SwarmProto", "SwarmCrypto",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        ]
    ),
    .testTarget(
        name: "SwarmWorkerTests",
        dependencies: [
            "SwarmWorker", "SwarmRPC", "SwarmProto", "SwarmCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]
    ),
]

let package = Package(
    name: "open-swarm",
    products: [
        .executable(name: "openswarm", targets: ["openswarm"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ] + rpcPackageDependencies + agentPackageDependencies,
    targets: cSystemLibraries + protocolTargets + coreTargets + rpcTargets + agentTargets + cliTargets
        + fuzzTargets,
    swiftLanguageModes: [.v6]
)

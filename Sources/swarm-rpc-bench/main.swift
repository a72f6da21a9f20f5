// `make bench` for SwarmRPC (issue 3, "Fast"):
//
// - requests/s of a unary echo (a 100-byte request, gRPC-framed) under h2load, with
//   1 connection × 100 streams and 10 connections × 100 streams, against our server,
//   against `nghttpd --no-tls` answering the same POST with a 100-byte file (the C
//   HTTP/2 ceiling on this machine) and against a grpcio echo server;
// - p50 and p99 latency of our own client with 64 calls in flight;
// - resident memory per idle connection, with 10,000 connections open.
//
// Each figure is the median of 5 runs (this machine is shared and noisy); the ratios are printed against the targets
// (ours/nghttpd ≥ 0.5, ours/grpcio ≥ 10, ≤ 64 KiB per idle connection).
//
//     swarm-rpc-bench              the whole benchmark (h2load, nghttpd, .venv needed)
//     swarm-rpc-bench serve FILE   our echo server alone; writes its port to FILE
//
// Everything is on loopback; every server runs as a child process, each loop is
// bounded in count and time, and every child is killed before the benchmark exits.
#if canImport(Glibc)
    import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "serve", arguments.count == 2 {
    await EchoServerProcess.run(portFile: arguments[1])
} else if arguments.isEmpty {
    exit(await Benchmark.run() ? 0 : 1)
} else {
    print("usage: swarm-rpc-bench [serve PORT_FILE]")
    exit(2)
}

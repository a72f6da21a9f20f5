/// Runs handlers as tasks of their own and reports how each ended.
enum ServerCallRunner {
    static func start(
        _ handler: ServerMethodHandler, requests: RawMessageStream, sink: ServerCallSink, context: ServerContext
    ) -> Task<Void, Never> {
        Task { await run(handler, requests: requests, sink: sink, context: context) }
    }

    /// Runs a handler to its end and reports its status.
    private static func run(
        _ handler: ServerMethodHandler, requests: RawMessageStream, sink: ServerCallSink, context: ServerContext
    ) async {
        do {
            try await handler.run(requests, sink, context)
            sink.finish(.ok, trailers: context.trailingMetadata)
        } catch let error as RPCError {
            var trailers = context.trailingMetadata
            for entry in error.metadata { trailers.add(entry) }
            sink.finish(error.status, trailers: trailers)
        } catch is CancellationError {
            sink.finish(RPCStatus(code: .cancelled, message: "the call was cancelled"), trailers: Metadata())
        } catch {
            // The error may hold what only the server's log should see.
            sink.finish(RPCStatus(code: .unknown, message: "the handler failed"), trailers: Metadata())
        }
    }
}

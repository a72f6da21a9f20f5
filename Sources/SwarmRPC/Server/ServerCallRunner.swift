/// Runs handlers as tasks of their own and reports how each ended.
///
/// Tasks prefer `executor` (the connection's event loop, see `EventLoopTaskExecutor`):
/// a handler that does not suspend runs from its request to its response without
/// leaving the loop, and its sink reaches the connection without a hop.
enum ServerCallRunner {
    static func start(
        _ run: @escaping ServerMethodHandler.Run, requests: RawMessageStream, sink: ServerCallSink,
        context: ServerContext, executor: (any TaskExecutor)?
    ) -> Task<Void, Never> {
        Task(executorPreference: executor) {
            do {
                try await run(requests, sink, context)
                sink.finish(.ok, trailers: context.trailingMetadata)
            } catch {
                let (status, trailers) = outcome(of: error, context: context)
                sink.finish(status, trailers: trailers)
            }
        }
    }

    /// A unary call: the request is decoded, the response goes out with the status.
    ///
    /// On the event loop the task starts at once (`Task.immediate`), inside the read
    /// that completed the request: a handler that does not suspend has answered
    /// before the read ends, with no job queued for it, and its response leaves
    /// with the read burst's flush. After a suspension it resumes on `executor`.
    static func startUnary(
        _ run: @escaping ServerMethodHandler.UnaryRun, sink: ServerCallSink, context: ServerContext,
        executor: (any TaskExecutor)?
    ) -> Task<Void, Never> {
        let operation: @Sendable () async -> Void = {
            do {
                let framed = try await run(context)
                sink.respond(framed: framed, trailers: context.trailingMetadata)
            } catch {
                let (status, trailers) = outcome(of: error, context: context)
                sink.finish(status, trailers: trailers)
            }
        }
        if let executor, #available(macOS 26.0, iOS 26.0, watchOS 26.0, tvOS 26.0, visionOS 26.0, *) {
            return Task.immediate(executorPreference: executor, operation: operation)
        }
        return Task(executorPreference: executor, operation: operation)
    }

    /// The status and trailers a handler's error ends its call with.
    private static func outcome(of error: any Error, context: ServerContext) -> (RPCStatus, Metadata) {
        switch error {
        case let error as RPCError:
            var trailers = context.trailingMetadata
            for entry in error.metadata { trailers.add(entry) }
            return (error.status, trailers)
        case is CancellationError:
            return (RPCStatus(code: .cancelled, message: "the call was cancelled"), Metadata())
        default:
            // The error may hold what only the server's log should see.
            return (RPCStatus(code: .unknown, message: "the handler failed"), Metadata())
        }
    }
}

import NIOCore

/// A NIO event loop as a Swift `TaskExecutor`, so tasks can prefer a connection's
/// loop (the server's call handlers; a client's session, as the worker agent's): a
/// task runs there until it awaits something that lives elsewhere (an actor, a
/// lock-free wait on another loop), and what it sends or receives reaches the
/// connection without hopping threads.
///
/// swift-nio 2.101 has no such executor of its own (only `EventLoop.executor`, a
/// `SerialExecutor`, which cannot be a task's preference).
///
/// ```swift
/// Task(executorPreference: EventLoopTaskExecutor(channel.eventLoop)) { await handle() }
/// ```
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

import NIOCore

/// A NIO event loop as a Swift `TaskExecutor`, so handler tasks can prefer their
/// connection's loop: a handler runs there until it awaits something that lives
/// elsewhere (an actor, a lock-free wait on another loop), and its responses reach
/// the connection without hopping threads.
///
/// swift-nio 2.101 has no such executor of its own (only `EventLoop.executor`, a
/// `SerialExecutor`, which cannot be a task's preference).
///
/// ```swift
/// Task(executorPreference: EventLoopTaskExecutor(channel.eventLoop)) { await handle() }
/// ```
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

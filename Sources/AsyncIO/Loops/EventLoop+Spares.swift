import Synchronization

/// Loops a finished group gave back, for the next group (decision 0008).
///
/// A group's loop is never freed: a task that outlived its loop's run (a
/// `Task` suspended on something that never completed) may still be resumed
/// later, and the runtime then enqueues it on that loop's executor. Like the
/// main loop's leftovers between two `run`s, it stays queued and runs when
/// the loop next runs. Reusing the loops bounds what this keeps to the most
/// loops that ever ran at once.
private let spareLoops = PThreadLock<[EventLoop]>([])

extension EventLoop {
    /// A loop that runs nothing now: a spare, or a new one.
    static func spare() -> EventLoop {
        spareLoops.withLock { $0.popLast() } ?? EventLoop()
    }

    /// Gives back a loop whose thread has ended.
    static func returnSpare(_ loop: EventLoop) {
        spareLoops.withLock { $0.append(loop) }
    }

    /// What `run` does after its main task finished, before it returns:
    /// cancels the `createTask` tasks still alive and runs the loop until they
    /// have finished, then cancels and reaps operations nobody awaits.
    /// The caller holds the loop thread.
    func finishRun() {
        if !core.pointee.tasks.isEmpty {
            cancelAllTasks()
            // Leftovers get to run their cleanup; a stop() during it is not obeyed
            // twice in a row, so a task that keeps stopping cannot strand the others.
            if !drive(until: { core.pointee.tasks.isEmpty }) {
                drive(until: { core.pointee.tasks.isEmpty })
            }
        }
        // Operations nobody awaits (a server's accept, a stream's last send or
        // close) are cancelled and reaped, so nothing of this run is left in the kernel.
        cancelDetachedOperations()
    }
}

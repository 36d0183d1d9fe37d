// How cancelling a `createTask` task reaches the place where it waits.
//
// Swift's per-wait route, `withTaskCancellationHandler`, pushes and pops a
// status record (each under the task's status lock) and costs two executor
// hops; around every primitive wait and every I/O operation that was most of
// their cost (docs/benchmarks.md, "Synchronisation primitives"). Tasks made by
// `createTask` instead install one handler for their whole life
// (`TaskHandle.execute`), and each wait records itself in the handle's
// `parkedIn` slot while the task is suspended. The handler forwards
// cancellation to the loop thread, which cancels whatever the slot names.
//
// Why this is race-free: the slot is read and written only on the loop thread.
// A task checks `Task.isCancelled` and fills the slot without suspending in
// between, so a cancellation either is seen by that check (the flag is set
// before handlers run) or reaches the loop thread later, when the slot is
// filled or the task runs again (cancellation is sticky: the next wait checks
// the flag first). Tasks the loop did not make (task-group children, `async
// let`, bare `Task`s) have no slot and keep Swift's per-wait handler.

/// What a suspended `createTask` task waits in, for its cancellation handler.
enum ParkedWait {
    /// Not suspended in a wait that uses the slot.
    case nothing
    /// A primitive's waiter (`Event.wait`, `Lock.acquire`, `Queue.get`, ...).
    case waiter(any CancellableWaiter)
    /// An I/O operation, by `user_data`: cancelling submits `ASYNC_CANCEL` and
    /// the task still waits for the final completion.
    case operation(UInt64)
    /// A timer of `sleep`.
    case timer(TimerID)
}

/// A primitive's parked waiter that cancellation can wake.
@Loop
protocol CancellableWaiter: AnyObject {
    /// Removes the waiter from its primitive and wakes it with `CancellationError`
    /// (or, if it was already granted, leaves the grant to be handed on).
    func cancelWait()
}

extension AnyTaskHandle {
    /// The handle of the task running now, if `createTask` (or `run`) made
    /// it: nil in task-group children, `async let` bodies and other tasks.
    /// Loop thread only.
    @usableFromInline nonisolated static func runningHere() -> AnyTaskHandle? {
        // `UnsafeCurrentTask` is one reference to the same object a `Task` holds.
        let current = withUnsafeCurrentTask { unsafeBitCast($0, to: UnsafeRawPointer?.self) }
        guard let current else { return nil }
        return EventLoop.shared.core.pointee.tasks.handle(for: current)
    }

    /// Runs on the loop thread when the task is cancelled: cancels what it waits in.
    func cancelParkedWait() {
        switch parkedIn {
        case .nothing:
            break
        case .waiter(let waiter):
            parkedIn = .nothing
            waiter.cancelWait()
        case .operation(let userData):
            // The slot stays until the final completion resumes the task.
            EventLoop.shared.cancelOperation(userData)
        case .timer(let id):
            parkedIn = .nothing
            EventLoop.shared.cancelTimer(id)
        }
    }
}

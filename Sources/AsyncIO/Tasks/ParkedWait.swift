// How cancelling a `createTask` task reaches the place where it waits, and why
// it is delivered once (docs/decisions/0007-micropython-cancellation.md).
//
// A `createTask` task is cancelled the way MicroPython and CPython cancel one:
// `cancel()` throws one `CancellationError` into the task at the await where it
// is suspended (or at its next await), and a task that catches it may go on
// awaiting, so `finally`-style cleanup can await. The request is the handle's
// `cancelRequested` flag; the library's waits (primitives, I/O, `sleep`, a
// task's `value`) take it when they start and when they resume.
//
// While suspended, a wait records itself in the handle's `parkedIn` slot, so
// `cancel()` (always on the loop thread) can wake it: a primitive's waiter is
// taken out of its queue, a timer disarmed, an I/O operation cancelled in the
// kernel (the task still waits for its final completion). The slot is cleared by
// the task itself when it runs again, so a wait that was already granted or
// completed, but has not resumed yet, still names its wait; each wait can tell
// that it no longer waits, and the flag alone then makes it throw as it resumes.
//
// Tasks the loop did not make (task-group children, `async let`, bare `Task`s)
// have no handle. Their waits keep Swift's own cancellation (sticky, through
// `withTaskCancellationHandler`). A `createTask` task suspended in an await
// outside this library (a task group, `Task.sleep`, another actor) is cancelled
// the Swift way too, since only Swift's machinery can reach it there.

/// What a suspended `createTask` task waits in, for ``AnyTaskHandle/cancel()``.
enum ParkedWait {
    /// Running, not started, or suspended in an await outside this library.
    case nothing
    /// A primitive's waiter (`Event.wait`, `Lock.acquire`, `Queue.get`, ...).
    case waiter(any CancellableWaiter)
    /// An I/O operation, by `user_data`: cancelling submits `ASYNC_CANCEL` and
    /// the task still waits for the final completion.
    case operation(UInt64)
    /// A timer of `sleep`.
    case timer(TimerID)
    /// `sleep(0)`: queued behind the tasks that were ready when it yielded.
    case yielded
    /// Awaiting another task's `value`: cancelling is forwarded to that task,
    /// and this one gets its outcome (MicroPython's `Task.cancel`).
    case task(AnyTaskHandle)
}

/// A primitive's parked waiter that cancellation can wake.
protocol CancellableWaiter: AnyObject {
    /// Removes the waiter from its primitive and wakes it with `CancellationError`
    /// (or, if it was already granted, leaves the grant to be handed on).
    func cancelWait()
}

extension AnyTaskHandle {
    /// The handle of the task running now, if `createTask` (or `run`) made
    /// it: nil in task-group children, `async let` bodies and other tasks.
    /// Loop thread only.
    @usableFromInline nonisolated static func runningHere(on loop: EventLoop) -> AnyTaskHandle? {
        // `UnsafeCurrentTask` is one reference to the same object a `Task` holds.
        let current = withUnsafeCurrentTask { unsafeBitCast($0, to: UnsafeRawPointer?.self) }
        guard let current else { return nil }
        return loop.core.pointee.tasks.handle(for: current)
    }

    /// ``runningHere(on:)`` for the loop of the calling thread (nil off any loop).
    @usableFromInline nonisolated static func runningHere() -> AnyTaskHandle? {
        guard let loop = EventLoop.current else { return nil }
        return runningHere(on: loop)
    }

    /// Takes a pending cancellation request: true once per `cancel()` that was
    /// not yet delivered. Waits call it as they start and as they resume.
    @inline(__always) @usableFromInline nonisolated func takeCancellation() -> Bool {
        guard cancelRequested else { return false }
        cancelRequested = false
        return true
    }

    /// The handle a cancellation of this task reaches: the innermost task of a
    /// chain of tasks awaiting one another's `value` (MicroPython forwards it).
    func cancellationTarget() -> AnyTaskHandle {
        var target = self
        while case .task(let awaited) = target.parkedIn, !awaited.hasFinished { target = awaited }
        return target
    }

    /// Records a cancellation request and wakes the wait the task is parked in,
    /// so it resumes (behind the tasks ready now) and throws. Loop thread only.
    func requestCancellation() {
        if cancelRequested { return }  // one delivery for several requests
        cancelRequested = true
        switch parkedIn {
        case .waiter(let waiter):
            waiter.cancelWait()
        case .operation(let userData):
            loop.cancelOperation(userData)
        case .timer(let id):
            loop.cancelTimer(id)
        case .yielded, .task:
            break  // already queued to run (a running awaited task was forwarded to)
        case .nothing:
            // Not started: the body never runs. Running: the next await throws.
            // Otherwise it waits outside this library, where only Swift's
            // cancellation reaches it; that await delivers it, so the flag
            // must not make a later one throw again.
            if hasStarted && AnyTaskHandle.runningHere(on: loop) !== self {
                cancelRequested = false
                cancelUnderlying()
            }
        }
    }
}

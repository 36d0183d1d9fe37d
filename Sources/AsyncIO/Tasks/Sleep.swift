/// Suspends the current task for `seconds` (MicroPython's `asyncio.sleep`).
///
/// Other tasks run meanwhile. Zero or negative values yield once: the task
/// runs again right after the tasks that are ready now. Unlike MicroPython,
/// sub-millisecond values are honoured, not truncated, and a value too large
/// for the clock (up to `.infinity`) sleeps until the task is cancelled.
///
/// - Throws: `CancellationError` if the task is cancelled while it sleeps;
///   ``LoopError/invalidArgument(api:argument:reason:)`` for NaN;
///   ``LoopError/notOnLoopThread(api:)`` if not called on the loop.
public func sleep(_ seconds: Double) async throws {
    try await sleep(nanoseconds: try nanoseconds(seconds: seconds, api: "sleep"))
}

/// Suspends the current task for `milliseconds` (MicroPython's `asyncio.sleep_ms`).
/// Zero or negative values yield once; `Int.max` sleeps until cancelled.
///
/// - Throws: `CancellationError` if cancelled; ``LoopError/notOnLoopThread(api:)`` off the loop.
public func sleepMs(_ milliseconds: Int) async throws {
    let (nanoseconds, overflow) = Int64(milliseconds).multipliedReportingOverflow(by: 1_000_000)
    try await sleep(nanoseconds: overflow ? (milliseconds < 0 ? 0 : Int64.max) : nanoseconds)
}

/// Suspends the current task for `duration`, on the loop's timer heap. Zero or
/// negative durations yield once; one too long for the clock sleeps until cancelled.
///
/// - Throws: `CancellationError` if cancelled; ``LoopError/notOnLoopThread(api:)`` off the loop.
public func sleep(for duration: Duration) async throws {
    try await sleep(nanoseconds: duration.nanosecondsClamped)
}

/// `seconds` in whole nanoseconds, saturating: ∞ and values beyond the clock's
/// range give `Int64.max` (never), negative values and -∞ give 0.
///
/// - Throws: ``LoopError/invalidArgument(api:argument:reason:)`` for NaN.
func nanoseconds(seconds: Double, api: String) throws(LoopError) -> Int64 {
    if seconds.isNaN {
        throw .invalidArgument(api: api, argument: "seconds: nan", reason: "not a number of seconds")
    }
    let nanoseconds = (seconds * 1e9).rounded()
    if nanoseconds <= 0 { return 0 }
    // Int64.max is 9.22e18; the Double nearest below it converts exactly.
    return nanoseconds >= 9.2e18 ? Int64.max : Int64(nanoseconds)
}

/// The one implementation of every sleep.
private func sleep(nanoseconds: Int64) async throws {
    let loop = try EventLoop.running("sleep")
    if nanoseconds <= 0 {
        guard let handle = AnyTaskHandle.runningHere(on: loop) else {
            await loop.yieldOnce()
            try Task.checkCancellation()
            return
        }
        // The task runs again right after the tasks that are ready now, and
        // before any that become ready later (MicroPython's run queue).
        if handle.takeCancellation() { throw CancellationError() }
        handle.parkedIn = .yielded
        await loop.yieldOnce()
        handle.parkedIn = .nothing
        if handle.takeCancellation() { throw CancellationError() }
        return
    }
    try await loop.sleep(until: MonotonicClock.deadline(afterNanoseconds: nanoseconds))
}

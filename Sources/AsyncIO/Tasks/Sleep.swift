/// Suspends the current task for `seconds` (MicroPython's `asyncio.sleep`).
///
/// Other tasks run meanwhile. Zero or negative values yield once. Unlike
/// MicroPython, sub-millisecond values are honoured, not truncated.
///
/// - Throws: `CancellationError` if the task is cancelled while it sleeps;
///   ``LoopError/notOnLoopThread(api:)`` if not called on the loop.
public func sleep(_ seconds: Double) async throws {
    try await sleep(for: .nanoseconds(Int64((max(0, seconds) * 1e9).rounded())))
}

/// Suspends the current task for `milliseconds` (MicroPython's `asyncio.sleep_ms`).
///
/// - Throws: `CancellationError` if cancelled; ``LoopError/notOnLoopThread(api:)`` off the loop.
public func sleepMs(_ milliseconds: Int) async throws {
    try await sleep(for: .milliseconds(milliseconds))
}

/// Suspends the current task for `duration`, on the loop's timer heap.
///
/// - Throws: `CancellationError` if cancelled; ``LoopError/notOnLoopThread(api:)`` off the loop.
public func sleep(for duration: Duration) async throws {
    let loop = EventLoop.shared
    let nanoseconds = duration.nanosecondsClamped
    if nanoseconds <= 0 {
        try loop.checkOnLoop("sleep")
        await Task.yield()
        try Task.checkCancellation()
        return
    }
    try await loop.sleep(until: MonotonicClock.now() &+ nanoseconds)
}

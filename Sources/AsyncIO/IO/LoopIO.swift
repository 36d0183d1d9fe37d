/// The loop's operations for other modules of this package (the camera): the
/// same machinery the streams use, without exposing it to applications.
package enum LoopIO {
    /// Watches `fd` for `events` with one multishot poll (io_uring) or a
    /// persistent readiness registration (epoll). `handler` runs on the loop
    /// thread with each event mask; `isFinal` is true for the last call (after
    /// cancellation, an error or hang-up). Loop thread only.
    ///
    /// - Returns: an id for ``cancel(_:)``.
    package static func watch(fd: Int32, events: Int16, handler: @escaping (_ revents: Int32, _ isFinal: Bool) -> Void) -> UInt64 {
        EventLoop.requireRunning("LoopIO.watch").submitDetached(.pollMultishot(fd: fd, events: UInt32(UInt16(bitPattern: events)))) { completion in
            handler(completion.result, !completion.hasMore)
        }
    }

    /// Cancels a watch (its handler still gets a final call). Loop thread only.
    package static func cancel(_ id: UInt64) {
        EventLoop.requireRunning("LoopIO.cancel").cancelOperation(id)
    }

    /// Calls `body` on the loop after `delay`; returns a cancel function. Loop thread only.
    package static func call(after delay: Duration, _ body: @escaping () -> Void) -> () -> Void {
        let loop = EventLoop.requireRunning("LoopIO.call")
        let id = loop.call(at: MonotonicClock.deadline(after: delay), body)
        return { loop.cancelTimer(id) }
    }

    /// `CLOCK_MONOTONIC` now, in nanoseconds (the clock V4L2 timestamps use).
    package static func monotonicNanoseconds() -> Int64 { MonotonicClock.now() }
}

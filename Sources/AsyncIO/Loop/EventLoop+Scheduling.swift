@_spi(ExperimentalScheduling) import _Concurrency

// `Task.sleep` asks the current scheduling executor (the loop, for tasks on
// it) to run its wake-up job later; these conformances put that job in the
// loop's timer heap instead of Dispatch's, so a sleeping task wakes on the
// loop thread with no cross-thread hop. The protocol is SPI in Swift 6.3.

@_spi(ExperimentalScheduling) extension EventLoop: SchedulingExecutor {
    @usableFromInline func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration, tolerance: C.Duration?, clock: C) {
        schedule(UnownedJob(job), at: deadline(after: delay))
    }

    @usableFromInline func enqueue<C: Clock>(_ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C) {
        schedule(UnownedJob(job), at: deadline(after: clock.now.duration(to: instant)))
    }
}

@_spi(ExperimentalScheduling) extension LoopTaskExecutor: SchedulingExecutor {
    @usableFromInline func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration, tolerance: C.Duration?, clock: C) {
        loop.schedule(UnownedJob(job), at: deadline(after: delay))
    }

    @usableFromInline func enqueue<C: Clock>(_ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C) {
        loop.schedule(UnownedJob(job), at: deadline(after: clock.now.duration(to: instant)))
    }
}

/// The monotonic deadline `delay` from now. Clocks whose durations are not
/// `Swift.Duration` (none in the standard library) are treated as "now".
private func deadline<D: DurationProtocol>(after delay: D) -> Int64 {
    guard let duration = delay as? Duration else { return MonotonicClock.now() }
    return MonotonicClock.deadline(after: duration)
}

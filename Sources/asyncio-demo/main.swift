// The demo: cooperative scheduling on one thread.
//
// Three "blinkers" tick at different periods, a slow job is cancelled, and a
// job that takes too long is cut off by waitFor. Everything runs on the loop
// thread; each task has the loop to itself until it awaits.

import AsyncIO

/// Milliseconds since the demo started, on the loop's monotonic clock.
@Loop enum Clock {
    static let start = ContinuousClock.now
    static func stamp() -> String {
        let ms = Int((ContinuousClock.now - start) / .milliseconds(1))
        let text = String(ms)
        return String(repeating: " ", count: max(0, 5 - text.count)) + text + " ms"
    }
}

@Loop func say(_ text: String) { print("\(Clock.stamp())  \(text)") }

/// Ticks `count` times, `periodMs` apart, and returns how many ticks it made.
@Loop func blinker(_ name: String, periodMs: Int, count: Int) async throws -> Int {
    for tick in 1...count {
        say("\(name) tick \(tick)/\(count)")
        try await sleepMs(periodMs)
    }
    return count
}

let total = try AsyncIO.run { () async throws -> Int in
    say("loop running on \(Loop.backendDescription)")
    let fast = createTask(name: "fast") { try await blinker("fast", periodMs: 100, count: 8) }
    let medium = createTask(name: "medium") { try await blinker("medium", periodMs: 250, count: 4) }
    let slow = createTask(name: "slow") { try await blinker("slow", periodMs: 400, count: 3) }

    let doomed = createTask(name: "doomed") { () async throws -> Int in
        do {
            try await sleep(60)
        } catch {
            say("doomed: cancelled while sleeping, cleaning up")
            throw error
        }
        return 0
    }

    try await sleepMs(350)
    say("main: cancelling 'doomed' -> \(doomed.cancel())")

    do {
        _ = try await waitForMs({ () async throws -> Int in
            say("stubborn: starting a 5 s job")
            try await sleep(5)
            return 1
        }, 300)
    } catch is TimeoutError {
        say("main: 'stubborn' timed out after 300 ms and was cancelled")
    }

    let ticks = try await fast.value + medium.value + slow.value
    do { _ = try await doomed.value } catch is CancellationError {
        say("main: 'doomed' ended cancelled (isCancelled = \(doomed.isCancelled))")
    }
    let stats = try Loop.statistics()
    say("main: \(ticks) ticks done; loop holds \(stats.tasks) task(s), \(stats.timers) timer(s), \(stats.operationsInFlight) I/O op(s)")
    return ticks
}
print("demo finished: \(total) ticks")

// Chapter 1: cooperative scheduling (docs/01-cooperative-scheduling.md).
//
// One thread runs every task. The running task keeps the loop until it awaits,
// so state isolated to `@Loop` needs no locks, and a task that never awaits
// (a blocking call, a long computation) stops everyone else.
import AsyncIO
#if canImport(Glibc)
import Glibc  // usleep: a blocking syscall, the thing never to call on the loop
#endif

// Shared state of all tasks: isolated to the loop, so no lock is needed.
// (Top-level variables cannot be `@Loop`; static members can.)
enum State {
    @Loop static var trace: [String] = []
    @Loop static var counter = 0
}

// MARK: 1. Tasks take turns at `await`, and only there.

try AsyncIO.run {
    let a = createTask(name: "A") {
        for i in 1...3 { State.trace.append("A\(i)"); try await sleepMs(0) }
    }
    let b = createTask(name: "B") {
        for i in 1...3 { State.trace.append("B\(i)"); try await sleepMs(0) }
    }
    let c = createTask(name: "C") {
        for i in 1...3 { State.trace.append("C\(i)") }  // never awaits: runs to the end in one go
    }
    try await a.value
    try await b.value
    try await c.value
    print("1. turns:", State.trace.joined(separator: " "))
}

// MARK: 2. No locks for @Loop state; but an `await` is where others get in.

try AsyncIO.run {
    @Loop func increment(_ times: Int) async throws {
        for _ in 0..<times {
            State.counter += 1        // nothing can run between the read and the write
            try await sleepMs(0)      // let the others run
        }
    }
    State.counter = 0
    let workers = (0..<3).map { _ in createTask { try await increment(1000) } }
    for worker in workers { try await worker.value }
    print("2. three tasks x 1000 increments, no lock:", State.counter)

    @Loop func incrementAcrossAwait(_ times: Int) async throws {
        for _ in 0..<times {
            let seen = State.counter  // read...
            try await sleepMs(0)      // ...other tasks run here and write too...
            State.counter = seen + 1  // ...and this write loses their updates
        }
    }
    State.counter = 0
    let racers = (0..<3).map { _ in createTask { try await incrementAcrossAwait(1000) } }
    for racer in racers { try await racer.value }
    print("   the same with the read and the write split by an await:", State.counter)
}

// MARK: 3. What blocks the loop, and debug mode naming the culprit.

/// Runs `culprit` beside a task that wants to tick every 10 ms, and returns
/// the longest the ticker had to wait between two ticks, in milliseconds.
@Loop func longestTickGap(culprit name: String, _ culprit: @escaping @Loop () async throws -> Void) async throws -> Int {
    let clock = ContinuousClock()
    let ticker = createTask(name: "ticker") { () async throws -> Duration in
        var longest = Duration.zero
        var last = clock.now
        while true {
            do { try await sleepMs(10) } catch { return longest }
            let now = clock.now
            longest = max(longest, now - last)
            last = now
        }
    }
    try await sleepMs(25)
    try await createTask(name: name, culprit).value
    try await sleepMs(25)
    ticker.cancel()
    let longest = try await ticker.value
    return Int((Double(longest.components.attoseconds) / 1e15 + Double(longest.components.seconds) * 1000).rounded())
}

// Same as running with ASYNCIO_DEBUG=1: report any task that holds the loop > 100 ms.
try Loop.setDebug(true)

try AsyncIO.run {
    let blocked = try await longestTickGap(culprit: "blocker") {
        usleep(150_000)                        // a blocking syscall: the whole loop sleeps
        try await sleepMs(1)
    }
    print("3. ticker's longest gap beside a blocking usleep(150 ms):", blocked, "ms")

    let spun = try await longestTickGap(culprit: "spinner") {
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(150)
        while clock.now < end {}               // a tight loop without an await
        try await sleepMs(1)
    }
    print("   beside a 150 ms tight loop:", spun, "ms")

    let polite = try await longestTickGap(culprit: "polite-spinner") {
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(150)
        var slice = clock.now + .milliseconds(5)
        while clock.now < end {
            if clock.now >= slice {            // the same work, pausing every 5 ms
                try await sleepMs(0)
                slice = clock.now + .milliseconds(5)
            }
        }
    }
    print("   beside the same loop pausing every 5 ms:", polite, "ms")
}

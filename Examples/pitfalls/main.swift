// Chapter 8: pitfalls (docs/08-pitfalls.md).
import AsyncIO
#if canImport(Glibc)
import Glibc  // usleep: a blocking call, on purpose
#endif

struct SensorError: Error {}

/// Milliseconds since `start`, rounded to 10 ms so the output is stable.
func elapsedMs(since start: ContinuousClock.Instant) -> Int {
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return Int((ms / 10).rounded()) * 10
}

/// A gap between ticks, in words that stay the same from run to run.
func gap(_ d: Duration) -> String {
    if d < .milliseconds(20) { return "under 20 ms" }
    if d >= .milliseconds(60) { return "60 ms or more" }
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return "\(Int(ms / 10) * 10) ms"
}

enum Bank {
    @Loop static var balance = 100
}

/// Pretends to ask an audit service: an await between check and act.
@Loop func audit() async throws { try await sleepMs(5) }

/// Withdraws if the balance allows it. Wrong: the check and the act straddle an await.
@Loop func withdrawRacy(_ amount: Int) async throws -> Bool {
    guard Bank.balance >= amount else { return false }
    try await audit()  // another task can withdraw here
    Bank.balance -= amount
    return true
}

/// Starts a task that ticks every 5 ms and records the longest gap between ticks.
@Loop func startTicker() -> TaskHandle<Duration> {
    createTask(name: "ticker") { () async throws -> Duration in
        var last = ContinuousClock.now
        var longest = Duration.zero
        do {
            while true {
                try await sleepMs(5)
                let now = ContinuousClock.now
                longest = max(longest, now - last)
                last = now
            }
        } catch {
            return longest
        }
    }
}

/// Spins for `ms` milliseconds, like a computation; with `yieldEveryMs`, lets others run that often.
@Loop func compute(ms: Int, yieldEveryMs: Int? = nil) async throws {
    let start = ContinuousClock.now
    var lastYield = start
    while ContinuousClock.now - start < .milliseconds(ms) {
        if let every = yieldEveryMs, ContinuousClock.now - lastYield >= .milliseconds(every) {
            try await sleepMs(0)
            lastYield = ContinuousClock.now
        }
    }
}

try AsyncIO.run {
    // MARK: 1. A task nobody awaits: its error goes to the exception handler.
    Loop.setExceptionHandler { context in print("1. handler:", context) }
    createTask(name: "forgotten") { () async throws -> Void in
        try await sleepMs(1)
        throw SensorError()
    }
    try await sleepMs(10)
    Loop.setExceptionHandler(nil)
    createTask(name: "left-running") { () async throws -> Void in
        do { try await sleep(60) } catch { print("   left-running: \(error) when main returned"); throw error }
    }

    // MARK: 2. Blocking calls and loops without awaits stop every other task.
    var ticker = startTicker()
    try await sleepMs(20)
    usleep(60_000)  // a blocking call: nobody runs for 60 ms
    try await sleepMs(20)
    ticker.cancel()
    print("2. usleep(60 ms) in a task: the 5 ms ticker's longest gap was \(gap(try await ticker.value))")
    ticker = startTicker()
    try await sleepMs(20)
    try await compute(ms: 60)
    try await sleepMs(20)
    ticker.cancel()
    print("   60 ms of computing without an await: longest gap \(gap(try await ticker.value))")
    ticker = startTicker()
    try await sleepMs(20)
    try await compute(ms: 60, yieldEveryMs: 5)
    try await sleepMs(20)
    ticker.cancel()
    print("   the same with sleepMs(0) every 5 ms: longest gap \(gap(try await ticker.value))")
    try Loop.setDebug(true, slowTaskThreshold: .milliseconds(50))
    try await createTask(name: "hog") { _ = usleep(60_000) }.value
    try Loop.setDebug(false)
    print("   debug mode named the hog on standard error")

    // MARK: 3. Swallowed cancellation.
    let swallower = createTask(name: "swallower") { () async throws -> String in
        do { try await sleepMs(1000) } catch { /* a catch-all: it catches CancellationError too */ }
        return "finished normally"
    }
    try await sleepMs(1)
    swallower.cancel()
    print("3. catch-all: value \"\(try await swallower.value)\", isCancelled \(swallower.isCancelled)")

    let spinner = createTask(name: "spinner") { () async -> Int in
        try? await sleepMs(1000)  // cancelled here; the error is dropped, and with it the cancel
        var rounds = 0
        while rounds < 5 {  // `while true` here would never end
            try? await sleepMs(10)
            rounds += 1
        }
        return rounds
    }
    try await sleepMs(1)
    spinner.cancel()
    print("   try? in a loop: the cancel was dropped once; the loop went on for \(try await spinner.value) more rounds")

    let cleaner = createTask(name: "cleaner") { () async throws -> Void in
        do { try await sleepMs(1000) } catch {
            // Cancellation is delivered once: the cleanup may await (MicroPython's `finally: await`).
            let start = ContinuousClock.now
            try await sleepMs(5)  // flush, close gracefully, say goodbye to a peer...
            print("   cleanup: an await in the cleanup slept \(elapsedMs(since: start) >= 5 ? "5 ms" : "less") after the cancel")
            throw error  // rethrow: the task ends as cancelled
        }
    }
    try await sleepMs(1)
    cleaner.cancel()
    _ = try? await cleaner.value
    print("   cleaner rethrew: isCancelled \(cleaner.isCancelled)")

    // MARK: 4. Shared state across an await: check-then-act.
    let racers = [createTask { try await withdrawRacy(80) }, createTask { try await withdrawRacy(80) }]
    print("4. racy: both withdrawals \(try await gather(racers)), balance \(Bank.balance)")
    Bank.balance = 100
    let lock = Lock()
    let careful = (1...2).map { _ in
        createTask { () async throws -> Bool in
            try await lock.withLock {
                guard Bank.balance >= 80 else { return false }
                try await audit()
                Bank.balance -= 80
                return true
            }
        }
    }
    print("   with a Lock around check and act: \(try await gather(careful)), balance \(Bank.balance)")

    // MARK: 5. A bare Task {} is not a loop task.
    let bare = Task { () -> String in
        do { _ = try currentTask(); return "a loop task" } catch { return "\(error)" }
    }
    print("5. currentTask() in a bare Task {}: \(await bare.value)")
}
print("run returned")

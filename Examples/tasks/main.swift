// Chapter 2: coroutines and tasks (docs/02-coroutines-and-tasks.md).
import AsyncIO

struct SensorError: Error {}

/// A plain async function (a "coroutine"): it runs inside whichever task awaits it.
func fetch(_ what: String, ms: Int) async throws -> String {
    try await sleepMs(ms)
    return what
}

/// Milliseconds since `start`, rounded to 10 ms so the output is stable.
func elapsedMs(since start: ContinuousClock.Instant) -> Int {
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return Int((ms / 10).rounded()) * 10
}

let answer = try AsyncIO.run { () async throws -> Int in
    // MARK: 1. Awaiting a function runs it now, in this task; a task runs beside us.
    var start = ContinuousClock.now
    _ = try await fetch("a", ms: 100)
    _ = try await fetch("b", ms: 100)
    print("1. two awaited calls:", elapsedMs(since: start), "ms")

    start = ContinuousClock.now
    let a = createTask(name: "fetch-a") { try await fetch("a", ms: 100) }
    let b = createTask(name: "fetch-b") { try await fetch("b", ms: 100) }
    print("   two tasks:", try await a.value + b.value, "in", elapsedMs(since: start), "ms")

    // A new task first runs when the creating task next awaits.
    let early = createTask { print("   (the new task runs at main's next await)") }
    print("   main created a task and goes on; it awaits now")
    try await early.value

    // MARK: 2. A task handle: many awaiters, its value as often as you like.
    let shared = createTask(name: "shared") { () async throws -> Int in
        try await sleepMs(20)
        return 42
    }
    let readers = (1...3).map { i in
        createTask(name: "reader-\(i)") { "\(try currentTask().name) got \(try await shared.value)" }
    }
    for reader in readers { print("2.", try await reader.value) }
    print("   main got \(try await shared.value), and again \(try await shared.value); isDone: \(shared.isDone)")
    print("   currentTask() in main: \(try currentTask().name); an unnamed task: \(createTask { }.name)")

    // MARK: 3. Cancellation.
    let never = createTask(name: "never") { print("   never printed: the body does not run") }
    print("3. cancel before its first run:", never.cancel())
    do { try await never.value } catch { print("   its value throws \(error); isCancelled: \(never.isCancelled)") }
    print("   cancel() on a finished task:", never.cancel())

    // Cancelling a task that awaits another task cancels that one too.
    let slow = createTask(name: "slow") { () async throws -> Int in
        do { try await sleepMs(1000); return 1 } catch {
            // Cancellation sticks: any later suspension in this task throws at once.
            // Cancellation is delivered once: cleanup may await (MicroPython's `finally: await ...`).
            let cleanupSlept = (try? await sleepMs(1)) != nil
            print("   slow: \(error) while sleeping; the cleanup's own sleep worked: \(cleanupSlept)")
            throw error
        }
    }
    let waiter = createTask(name: "waiter") { try await slow.value }
    try await sleepMs(10)
    waiter.cancel()
    _ = await waiter.valueOr(-1)
    print("   after waiter.cancel(): waiter.isCancelled \(waiter.isCancelled), slow.isCancelled \(slow.isCancelled)")

    // A task may cancel itself: its next suspension point throws.
    let quitter = createTask(name: "quitter") { () async throws -> String in
        _ = try currentTask().cancel()
        try await sleepMs(10)
        return "not reached"
    }
    print("   a task that cancelled itself:", await quitter.valueOr("cancelled"))

    // MARK: 4. Errors nobody retrieved go to the exception handler, once.
    Loop.setExceptionHandler { context in print("4. handler:", context) }
    createTask(name: "sensor") { () async throws -> Void in throw SensorError() }
    let checked = createTask(name: "checked") { () async throws -> Void in throw SensorError() }
    do { try await checked.value } catch { print("   main caught checked's error itself:", error) }
    try await sleepMs(10)
    Loop.setExceptionHandler(nil)

    // MARK: 5. waitFor / waitForMs.
    let quick = try await waitForMs({ try await fetch("quick", ms: 10) }, 100)
    print("5. waitForMs(100) on a 10 ms job:", quick)
    do {
        _ = try await waitFor({ () async throws -> String in
            do { return try await fetch("too slow", ms: 1000) } catch {
                print("   inner: \(error); cleanup runs before waitFor throws")
                throw error
            }
        }, timeout: .milliseconds(50))
    } catch let error as TimeoutError {
        print("   waitFor(50 ms) on a 1 s job threw TimeoutError:", error)
    }
    return 42
}
print("run returned", answer)

extension TaskHandle {
    /// The task's value, or `fallback` if it threw (a small helper for this example).
    @Loop func valueOr(_ fallback: Success) async -> Success {
        (try? await value) ?? fallback
    }
}

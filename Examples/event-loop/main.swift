// Chapter 3: the event loop (docs/03-event-loop.md).
import AsyncIO
#if canImport(Glibc)
import Glibc  // pthread_create, to poke the loop from another thread
#endif

enum State {
    @Loop static var ticks = 0
    /// The thread running the loop, recorded by a task (read from other threads only to compare).
    nonisolated(unsafe) static var loopThread = pthread_t()
}

/// True when called on the thread that runs the loop.
func onLoopThread() -> Bool { pthread_equal(pthread_self(), State.loopThread) != 0 }

/// Milliseconds since `start`, rounded to 10 ms so the output is stable.
func elapsedMs(since start: ContinuousClock.Instant) -> Int {
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return Int((ms / 10).rounded()) * 10
}

// MARK: 1. runUntilComplete leaves other tasks alone; runForever runs until stop().

let first = try Loop.runUntilComplete {
    State.loopThread = pthread_self()
    createTask(name: "ticker") {
        do {
            while true { State.ticks += 1; try await sleepMs(10) }
        } catch {
            print("   ticker: \(error)")
            throw error
        }
    }
    createTask(name: "stopper") {
        try await sleepMs(55)
        print("   stopper: Loop.stop()")
        Loop.stop()
    }
    try await sleepMs(35)
    return State.ticks
}
print("1. runUntilComplete returned after \(first) ticks; ticker and stopper stay queued")
print("   the loop runs on", Loop.backendDescription)

try Loop.runForever()
print("   runForever returned; the ticker resumed, ticks now", try Loop.runUntilComplete { State.ticks })

// AsyncIO.run, unlike runUntilComplete, cancels the tasks main leaves behind.
try AsyncIO.run { print("   AsyncIO.run's main returns with the ticker still alive") }

// MARK: 2. Another thread wakes the idle loop through the inbox's eventfd.

/// A plain thread's body: wait 50 ms, then stop the loop.
nonisolated func stopLoopSoon(_: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    usleep(50_000)
    Loop.stop()  // one of the few calls that are safe from any thread
    return nil
}

var thread = pthread_t()
pthread_create(&thread, nil, stopLoopSoon, nil)
let start = ContinuousClock.now
try Loop.runForever()   // no task, no timer: the loop waits in io_uring_enter
pthread_join(thread, nil)
print("2. stop() from another thread woke runForever after \(elapsedMs(since: start)) ms")

// MARK: 3. Timers live in a heap on the loop: no submission per timer.

try AsyncIO.run {
    let start = ContinuousClock.now
    let sleepers = (0..<10_000).map { i in createTask { try await sleepMs(50 + i % 50) } }
    try await sleepMs(10)
    let stats = try Loop.statistics()
    print("3. 10,000 sleeping tasks: \(stats.timers) timers, \(stats.operationsInFlight) kernel operations in flight")
    for sleeper in sleepers { try await sleeper.value }
    print("   the last (a 99 ms sleep) woke \(elapsedMs(since: start)) ms after the first was created")

    // Task.sleep lands in the same heap and wakes the task on the loop thread.
    let napper = createTask(name: "napper") { () async throws -> Bool in
        try await Task.sleep(for: .milliseconds(20))
        return onLoopThread()
    }
    try await sleepMs(5)
    print("   while one task is in Task.sleep:", try Loop.statistics())
    print("   Task.sleep woke it on the loop thread:", try await napper.value)
}

// MARK: 4. createTask keeps a task's children on the loop; a bare Task {} does not.

/// Reports where the caller runs; `async let` below makes it a child task.
func whereAmI() async -> String { onLoopThread() ? "the loop thread" : "another thread" }

try AsyncIO.run {
    let good = createTask(name: "good") { () async -> String in
        async let child = whereAmI()
        return await child
    }
    print("4. createTask: async let child ran on", await (try? good.value) ?? "?")

    let bare = Task { () async -> String in   // don't: no loop preference, not a loop task
        async let child = whereAmI()
        let known = (try? currentTask()) != nil
        return "\(await child) (currentTask() knows it: \(known))"
    }
    print("   bare Task {}: async let child ran on", await bare.value)
}

// MARK: 5. close() releases the ring; a later run opens a new one.

try Loop.close()
print("5. after Loop.close():", Loop.backendDescription)
try AsyncIO.run { print("   a new run:", Loop.backendDescription) }

// Chapter 4: coordinating tasks (docs/04-coordination.md).
import AsyncIO
#if canImport(Glibc)
import Glibc  // pthread_self, to show where task-group children run
#endif

struct SensorError: Error { var id: Int }

/// Returns `value` after `ms` milliseconds.
@Loop func delayed<T: Sendable>(_ ms: Int, _ value: T) async throws -> T {
    try await sleepMs(ms)
    return value
}

/// Throws `SensorError(id:)` after `ms` milliseconds.
@Loop func failing(_ ms: Int, id: Int) async throws -> Int {
    try await sleepMs(ms)
    throw SensorError(id: id)
}

/// Milliseconds since `start`, rounded to 10 ms so the output is stable.
func elapsedMs(since start: ContinuousClock.Instant) -> Int {
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return Int((ms / 10).rounded()) * 10
}

enum State {
    nonisolated(unsafe) static var loopThread = pthread_t()
}

try AsyncIO.run {
    State.loopThread = pthread_self()

    // MARK: 1. gather: a typed tuple, or an array in argument order.
    var start = ContinuousClock.now
    let (celsius, room, online) = try await gather(
        createTask { try await delayed(30, 21.5) },
        createTask { try await delayed(20, "kitchen") },
        createTask { true })
    print("1. gather of three tasks: (\(celsius), \(room), \(online)) in \(elapsedMs(since: start)) ms")
    let readings = try await gather([30, 10, 20].map { ms in createTask { try await delayed(ms, ms) } })
    print("   the array form keeps argument order:", readings)
    let shared = createTask(name: "shared") { try await delayed(10, 7) }
    let alsoWaiting = createTask { try await shared.value }
    print("   one task gathered twice:", try await gather(shared, shared), "and awaited elsewhere:", try await alsoWaiting.value)

    // MARK: 2. The first failure in time is thrown; nobody is cancelled.
    start = ContinuousClock.now
    let slowFailure = createTask(name: "slow-failure") { try await failing(30, id: 1) }
    let fastFailure = createTask(name: "fast-failure") { try await failing(10, id: 2) }
    let sibling = createTask(name: "sibling") { try await delayed(20, "sibling finished") }
    do {
        _ = try await gather(slowFailure, fastFailure, sibling)
    } catch {
        print("2. gather threw \(error) after \(elapsedMs(since: start)) ms; sibling still running: \(!sibling.isDone)")
    }
    print("   \(try await sibling.value); slow-failure:", await describe(slowFailure))

    // MARK: 3. Cancelling the gathering task cancels every child still running.
    let children = (1...3).map { i in createTask(name: "child-\(i)") { try await delayed(1000, i) } }
    let gatherer = createTask(name: "gatherer") { try await gather(children) }
    try await sleepMs(10)
    gatherer.cancel()
    for child in children { _ = try? await child.value }
    print("3. gatherer cancelled: \(gatherer.isCancelled); children cancelled: \(children.map { $0.isCancelled })")

    // MARK: 4. returnExceptions: every outcome as a Result.
    let good = createTask { try await delayed(10, 1) }
    let bad = createTask { try await failing(5, id: 9) }
    let stopped = createTask { try await delayed(1000, 0) }
    stopped.cancel()
    let (r1, r2, r3) = try await gather(good, bad, stopped, returnExceptions: true)
    print("4. returnExceptions:", show(r1), show(r2), show(r3))

    // MARK: 5. withTimeout: nestable, the body runs as a task of its own.
    let outcome = try await withTimeout(.milliseconds(200)) { () async throws -> String in
        do {
            return try await withTimeout(.milliseconds(20)) { try await delayed(1000, "inner finished") }
        } catch is TimeoutError {
            return "inner timed out; the outer body carries on"
        }
    }
    print("5.", outcome)
    do {
        _ = try await withTimeout(.milliseconds(20)) {
            try await withTimeout(.seconds(5)) { try await delayed(1000, 0) }
        }
    } catch {
        print("   outer 20 ms inside inner 5 s: \(type(of: error)): \(error)")
    }
    let bodyTask = try await withTimeout(.seconds(1)) { try currentTask().name }
    print("   the body's task: \(bodyTask) (not main)")

    // MARK: 6. shield: cancel the waiter, not the work.
    let save = createTask(name: "save-config") { try await delayed(40, "config saved") }
    let impatient = createTask(name: "impatient") { try await shield(save) }
    try await sleepMs(10)
    impatient.cancel()
    print("6. impatient: \(await describe(impatient)); save-config still running: \(!save.isDone)")
    do {
        _ = try await waitFor({ try await shield(save) }, timeout: .milliseconds(10))
    } catch {
        print("   waitFor(shield(save), 10 ms): \(error); still running: \(!save.isDone)")
    }
    print("   and then:", try await save.value)

    // MARK: 7. asCompleted: tasks in the order they finish.
    var order: [Int] = []
    for try await finished in asCompleted([30, 10, 20].map { ms in createTask { try await delayed(ms, ms) } }) {
        order.append(try await finished.value)
    }
    print("7. asCompleted:", order)

    // MARK: 8. wait(returnWhen:): a split into done and pending; nothing cancelled.
    let fast = createTask(name: "fast") { try await delayed(10, 1) }
    let broken = createTask(name: "broken") { try await failing(20, id: 3) }
    let slow = createTask(name: "slow") { try await delayed(60, 2) }
    let tasks = [fast, broken, slow]
    print("8. .firstCompleted:", names(try await wait(tasks, returnWhen: .firstCompleted)))
    let split = try await wait(tasks, returnWhen: .firstException)
    print("   .firstException: \(names(split)); broken.result: \(show(broken.result!))")
    print("   timeout 10 ms: \(names(try await wait(tasks, timeout: .milliseconds(10)))); slow cancelled: \(slow.isCancelled)")
    print("   .allCompleted:", names(try await wait(tasks)))

    // MARK: 9. Swift's own task groups run on the loop too.
    let (sum, finishOrder, onLoop) = try await withThrowingTaskGroup(of: Int.self) { group in
        for i in 1...4 { group.addTask { try await delayed(10 * (5 - i), i) } }
        var sum = 0
        var finishOrder: [Int] = []
        var onLoop = true
        for try await value in group {
            sum += value
            finishOrder.append(value)
            onLoop = onLoop && pthread_equal(pthread_self(), State.loopThread) != 0
        }
        return (sum, finishOrder, onLoop)
    }
    print("9. task group: sum \(sum), finished in order \(finishOrder), on the loop thread: \(onLoop)")

    // MARK: 10. withTaskScope: CPython's TaskGroup, with loop tasks.
    var cleanedUp = false
    do {
        try await withTaskScope { scope in
            try scope.createTask(name: "reader") { try await delayed(10, 1) }
            try scope.createTask(name: "broken") { try await failing(20, id: 4) }
            do { try await sleepMs(1000) } catch {
                try await sleepMs(5)  // the body's cleanup may await: the cancel came once
                cleanedUp = true
                throw error
            }
        }
    } catch {
        print("10. task scope threw \(error); the body was cancelled and cleaned up: \(cleanedUp)")
    }
}

/// The value or error of a finished task, as text (awaiting it retrieves the error).
@Loop func describe<T>(_ task: TaskHandle<T>) async -> String {
    do { return "\(try await task.value)" } catch { return "\(error)" }
}

/// A `wait` result as task names.
@Loop func names(_ split: (done: [TaskHandle<Int>], pending: [TaskHandle<Int>])) -> String {
    "done \(split.done.map { $0.name }), pending \(split.pending.map { $0.name })"
}

/// A `Result` as `success(value)` or `failure(error)`.
func show<T>(_ result: Result<T, any Error>) -> String {
    switch result {
    case .success(let value): return "success(\(value))"
    case .failure(let error): return "failure(\(error))"
    }
}

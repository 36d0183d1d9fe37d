import AsyncIO
import AsyncIOTestSupport
import Testing

struct Boom: Error, Equatable { var id: Int }

@Loop func delayed<T: Sendable>(_ ms: Int, _ value: T) async throws -> T {
    try await sleepMs(ms)
    return value
}

@Loop func failing(_ ms: Int, _ id: Int) async throws -> Int {
    try await sleepMs(ms)
    throw Boom(id: id)
}

@Suite("gather", .serialized, .timeLimit(.minutes(1)))
struct GatherTests {
    @Test func typedVariadicGatherReturnsATuple() throws {
        try runLoopTest {
            let (a, b, c) = try await gather(
                createTask { try await delayed(10, 1) }, createTask { try await delayed(5, "two") }, createTask { 3.0 })
            #expect(a == 1)
            #expect(b == "two")
            #expect(c == 3.0)
            let t1 = createTask { try await delayed(1, true) }
            let t2 = createTask { try await delayed(2, [1, 2]) }
            let (x, y) = try await gather(t1, t2)
            #expect(x)
            #expect(y == [1, 2])
        }
    }

    @Test func arrayGatherKeepsArgumentOrder() throws {
        try runLoopTest {
            let tasks = [30, 10, 20].map { ms in createTask { try await delayed(ms, ms) } }
            let values = try await gather(tasks)
            #expect(values == [30, 10, 20])
            let none: [TaskHandle<Int>] = []
            let empty = try await gather(none)
            #expect(empty.isEmpty)
        }
    }

    @Test func theFirstFailureInTimeIsThrownAndSiblingsKeepRunning() throws {
        try runLoopTest {
            let slowFailure = createTask { try await failing(30, 1) }
            let fastFailure = createTask { try await failing(5, 2) }
            let sibling = createTask { try await delayed(15, 7) }
            await #expect(throws: Boom(id: 2)) { _ = try await gather(slowFailure, fastFailure, sibling) }
            // Nobody was cancelled by the failure.
            let value = try await sibling.value
            #expect(value == 7)
            await #expect(throws: Boom(id: 1)) { _ = try await slowFailure.value }
        }
    }

    @Test func returnExceptionsCollectsEveryOutcome() throws {
        try runLoopTest {
            let ok = createTask { try await delayed(5, 1) }
            let bad = createTask { try await failing(1, 9) }
            let cancelled = createTask { try await delayed(1000, 0) }
            cancelled.cancel()
            let (r1, r2, r3) = try await gather(ok, bad, cancelled, returnExceptions: true)
            let first = try r1.get()
            #expect(first == 1)
            #expect(throws: Boom(id: 9)) { try r2.get() }
            #expect(throws: CancellationError.self) { try r3.get() }
            let results = try await gather([ok, bad], returnExceptions: true)
            #expect(results.count == 2)
        }
    }

    @Test func cancellingTheGatherCancelsEveryChild() throws {
        try runLoopTest {
            let children = (0..<3).map { _ in createTask { try await delayed(10_000, 0) } }
            let gatherer = createTask { try await gather(children) }
            try await sleepMs(2)
            gatherer.cancel()
            await #expect(throws: CancellationError.self) { _ = try await gatherer.value }
            try await sleepMs(1)
            let allCancelled = children.allSatisfy { $0.isCancelled }
            #expect(allCancelled)
        }
    }

    @Test func gatheredFailuresAreNotReportedAsUnretrieved() throws {
        let seen = Recorder<String>()
        try runLoopTest {
            Loop.setExceptionHandler { seen.append($0.message) }
            defer { Loop.setExceptionHandler(nil) }
            let a = createTask { try await failing(1, 1) }
            let b = createTask { try await failing(3, 2) }
            await #expect(throws: Boom(id: 1)) { _ = try await gather(a, b) }
            try await sleepMs(10)
        }
        #expect(seen.values.isEmpty)
    }
}

@Suite("withTimeout, shield, asCompleted, wait", .serialized, .timeLimit(.minutes(1)))
struct CoordinationTests {
    @Test func withTimeoutNests() throws {
        try runLoopTest {
            let outcome = try await withTimeout(.milliseconds(200)) { () async throws -> String in
                do {
                    _ = try await withTimeout(.milliseconds(10)) { try await delayed(1000, 0) }
                    return "inner finished"
                } catch is TimeoutError {
                    return "inner timed out, outer still running"
                }
            }
            #expect(outcome == "inner timed out, outer still running")
            await #expect(throws: TimeoutError.self) {
                try await withTimeout(.milliseconds(10)) {
                    try await withTimeout(.seconds(5)) { try await delayed(1000, 0) }
                }
            }
            let unlimited = try await withTimeout(nil) { 5 }
            #expect(unlimited == 5)
        }
    }

    @Test func shieldKeepsTheTaskRunningWhenTheWaiterIsCancelled() throws {
        try runLoopTest {
            let precious = createTask { try await delayed(20, "saved") }
            let waiter = createTask { try await shield(precious) }
            try await sleepMs(2)
            waiter.cancel()
            await #expect(throws: CancellationError.self) { _ = try await waiter.value }
            #expect(!precious.isDone)
            let value = try await precious.value
            #expect(value == "saved")
            let again = try await shield(precious)
            #expect(again == "saved")
        }
    }

    @Test func asCompletedYieldsInFinishingOrder() throws {
        try runLoopTest {
            let tasks = [30, 10, 20].map { ms in createTask { try await delayed(ms, ms) } }
            var order: [Int] = []
            for try await finished in asCompleted(tasks) {
                order.append(try await finished.value)
            }
            #expect(order == [10, 20, 30])
        }
    }

    @Test func waitSplitsDoneAndPendingByMode() throws {
        let reported = Recorder<String>()
        try runLoopTest {
            // wait() does not retrieve failures (CPython): the handler sees Boom(3).
            Loop.setExceptionHandler { reported.append("\($0.error.map { "\($0)" } ?? "-")") }
            defer { Loop.setExceptionHandler(nil) }
            let fast = createTask { try await delayed(5, 1) }
            let broken = createTask { try await failing(10, 3) }
            let slow = createTask { try await delayed(60, 2) }
            let tasks = [fast, broken, slow]
            let first = try await wait(tasks, returnWhen: .firstCompleted)
            #expect(first.done.count == 1 && first.done[0] === fast)
            let exception = try await wait(tasks, returnWhen: .firstException)
            #expect(exception.done.count == 2 && exception.pending.count == 1)
            let timedOut = try await wait(tasks, timeout: .milliseconds(5))
            #expect(timedOut.pending.count == 1, "a timeout returns the split, cancelling nothing")
            #expect(!slow.isCancelled)
            let all = try await wait(tasks)
            #expect(all.done.count == 3 && all.pending.isEmpty)
        }
        #expect(reported.values == ["Boom(id: 3)"])
    }

    @Test func swiftTaskGroupsRunOnTheLoopWithTheSameGuarantees() throws {
        let caller = currentThreadID()
        try runLoopTest {
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 1...10 { group.addTask { try await delayed(10 - i, i) } }
                var sum = 0
                for try await v in group {
                    #expect(currentThreadID() == caller)
                    sum += v
                }
                return sum
            }
            #expect(sum == 55)
            // Cancelling the task cancels the group's children, which are awaited.
            let t = createTask { () async throws -> Int in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<3 { group.addTask { try await delayed(10_000, 0) } }
                    return try await group.next() ?? -1
                }
            }
            try await sleepMs(2)
            t.cancel()
            await #expect(throws: CancellationError.self) { _ = try await t.value }
        }
    }
}

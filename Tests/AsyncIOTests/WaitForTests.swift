import AsyncIO
import AsyncIOTestSupport
import Testing

@Loop final class CleanupLog {
    var events: [String] = []
}

@Suite("waitFor and waitForMs", .serialized, .timeLimit(.minutes(1)))
struct WaitForTests {
    @Test func returnsTheValueWhenTheTaskFinishesInTime() throws {
        try runLoopTest {
            let value = try await waitFor({ () async throws -> Int in try await sleepMs(5); return 3 }, timeout: .seconds(1))
            #expect(value == 3)
            let fast = try await waitForMs({ 4 }, 100)
            #expect(fast == 4)
            let unlimited = try await waitFor({ 5 }, timeout: nil)
            #expect(unlimited == 5)
        }
    }

    @Test func onTimeoutCancelsAndAwaitsTheTaskThenThrowsTimeoutError() throws {
        try runLoopTest {
            let log = CleanupLog()
            let start = ContinuousClock.now
            await #expect(throws: TimeoutError.self) {
                try await waitForMs({
                    do { try await sleep(10) } catch {
                        log.events.append("cleanup started")
                        try? await Task.sleep(for: .milliseconds(5))  // cleanup may await
                        log.events.append("cleanup done")
                        throw error
                    }
                }, 20)
            }
            // The inner task's cleanup ran to its end before TimeoutError was thrown.
            #expect(log.events == ["cleanup started", "cleanup done"])
            #expect(elapsed(since: start) < .seconds(2))
        }
    }

    @Test func timeoutWinsEvenIfTheTaskSwallowsTheCancellation() throws {
        try runLoopTest {
            await #expect(throws: TimeoutError.self) {
                try await waitForMs({ () async -> Int in
                    do { try await sleep(10) } catch { return -1 }  // swallows the cancel
                    return 1
                }, 10)
            }
        }
    }

    @Test func theTasksOwnErrorPassesThrough() throws {
        struct Bad: Error {}
        try runLoopTest {
            await #expect(throws: Bad.self) {
                try await waitFor({ () async throws -> Int in throw Bad() }, timeout: .seconds(1))
            }
        }
    }

    @Test func cancellingTheWaiterCancelsTheInnerTask() throws {
        try runLoopTest {
            let inner = createTask { try await sleep(10) }
            let waiter = createTask { try await waitFor(inner, timeout: .seconds(5)) }
            try await sleepMs(2)
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(inner.isCancelled)
        }
    }

    @Test func waitForAnExistingTaskThatTimesOutLeavesNoTimer() throws {
        try runLoopTest {
            let before = try Loop.statistics().timers
            let t = createTask { try await sleep(10) }
            await #expect(throws: TimeoutError.self) { try await waitFor(t, timeout: .milliseconds(5)) }
            #expect(t.isCancelled)
            let after = try Loop.statistics().timers
            #expect(after == before)
        }
    }

    @Test func aFailureWaitForRethrowsIsNotReportedAsUnretrieved() throws {
        struct Boom: Error {}
        let reported = Recorder<String>()
        try runLoopTest {
            Loop.setExceptionHandler { context in reported.append(context.message) }
            defer { Loop.setExceptionHandler(nil) }
            await #expect(throws: Boom.self) {
                try await waitFor({ try await sleepMs(1); throw Boom() }, timeout: .seconds(5))
            }
            for _ in 0..<5 { try await sleep(0) }
        }
        #expect(reported.values.isEmpty)
    }
}

import AsyncIO
import AsyncIOTestSupport
import Testing

enum Shared {
    @Loop static var log: [String] = []
}

@Suite("Tasks: run, createTask, cancel, value", .serialized, .timeLimit(.minutes(1)))
struct TaskTests {
    @Test func runReturnsMainsValue() throws {
        let value = try AsyncIO.run { 41 + 1 }
        #expect(value == 42)
    }

    @Test func runRethrowsMainsError() {
        struct Boom: Error {}
        #expect(throws: Boom.self) { try AsyncIO.run { throw Boom() } }
    }

    @Test func tasksInterleaveAtAwaitsInDeadlineOrder() throws {
        let log = try runLoopTest { () async throws -> [String] in
            Shared.log = []
            let a = createTask(name: "a") {
                for i in 0..<3 { Shared.log.append("a\(i)"); try await sleepMs(20) }
            }
            let b = createTask(name: "b") {
                for i in 0..<2 { Shared.log.append("b\(i)"); try await sleepMs(30) }
            }
            try await a.value
            try await b.value
            return Shared.log
        }
        // a at 0, 20, 40 ms; b at 0, 30 ms.
        #expect(log == ["a0", "b0", "a1", "b1", "a2"])
    }

    @Test func aTaskRunsOnlyWhenTheCreatorAwaits() throws {
        let order = try runLoopTest { () async throws -> [String] in
            var order: [String] = []
            let t = createTask { order.append("child") }
            order.append("parent before await")
            try await t.value
            order.append("parent after")
            return order
        }
        #expect(order == ["parent before await", "child", "parent after"])
    }

    @Test func cancelledBeforeFirstRunNeverRunsItsBody() throws {
        try runLoopTest {
            var ran = false
            let t = createTask { ran = true }
            #expect(t.cancel())
            await #expect(throws: CancellationError.self) { try await t.value }
            #expect(!ran)
            #expect(t.isDone)
            #expect(t.isCancelled)
        }
    }

    @Test func cancellingAFinishedTaskReturnsFalse() throws {
        try runLoopTest {
            let t = createTask { 5 }
            let observed1 = try await t.value
            #expect(observed1 == 5)
            #expect(t.isDone)
            #expect(!t.isCancelled)
            #expect(!t.cancel())
        }
    }

    @Test func cancellingASleepingTaskWakesItAndDisarmsTheTimer() throws {
        try runLoopTest {
            let before = try Loop.statistics().timers
            let t = createTask { try await sleep(30) }
            try await sleepMs(1)
            let during = try Loop.statistics().timers
            #expect(during == before + 1)
            let start = ContinuousClock.now
            t.cancel()
            await #expect(throws: CancellationError.self) { try await t.value }
            #expect(elapsed(since: start) < .seconds(1))
            let after = try Loop.statistics().timers
            #expect(after == before)
        }
    }

    @Test func cancellingATaskThatAwaitsAnotherCancelsTheAwaitedOne() throws {
        try runLoopTest {
            let inner = createTask(name: "inner") { try await sleep(30) }
            let outer = createTask(name: "outer") { try await inner.value }
            try await sleepMs(1)
            outer.cancel()
            await #expect(throws: CancellationError.self) { try await outer.value }
            await #expect(throws: CancellationError.self) { try await inner.value }
            #expect(inner.isCancelled)
        }
    }

    @Test func manyAwaitersAndRepeatedAwaitsGetTheSameValue() throws {
        try runLoopTest {
            let t = createTask { () async throws -> Int in try await sleepMs(5); return 7 }
            let waiters = (0..<5).map { _ in createTask { try await t.value } }
            var values: [Int] = []
            for w in waiters { values.append(try await w.value) }
            #expect(values == [7, 7, 7, 7, 7])
            let observed4 = try await t.value
            #expect(observed4 == 7)
            let observed5 = try await t.value
            #expect(observed5 == 7)
            if case .success(let v)? = t.result { #expect(v == 7) } else { Issue.record("no result") }
        }
    }

    @Test func aTaskAwaitingItselfGetsAClearError() throws {
        try runLoopTest {
            let box = HandleBox()
            let t = createTask { () async throws -> Int in
                try await sleepMs(1)
                return try await box.handle!.value
            }
            box.handle = t
            await #expect(throws: LoopError.awaitedItself(task: t.name)) { try await t.value }
        }
    }

    @Test func currentTaskIsTheRunningHandle() throws {
        try runLoopTest {
            let t = createTask(name: "me") { try currentTask().name }
            let observed6 = try await t.value
            #expect(observed6 == "me")
            let observed7 = try currentTask().name
            #expect(observed7 == "test-body")
        }
    }

    @Test func currentTaskOutsideAnyTaskThrows() throws {
        try runLoopTest {
            async let child: String = try currentTask().name
            do {
                _ = try await child
                Issue.record("currentTask() in an async let child should throw")
            } catch let error as LoopError {
                #expect(error == .noRunningTask)
            }
        }
    }

    @Test func namesDefaultToTaskN() throws {
        try runLoopTest {
            let t = createTask { }
            #expect(t.name.hasPrefix("Task-"))
            try await t.value
        }
    }

    @Test func runCancelsTasksLeftRunningWhenMainReturns() throws {
        let box = try AsyncIO.run { () -> LeftoverBox in
            let box = LeftoverBox()
            box.task = createTask {
                do { try await sleep(60) } catch { box.sawCancel = true; throw error }
            }
            try await sleepMs(1)
            return box
        }
        let (saw, done) = try AsyncIO.run { (box.sawCancel, box.task!.isDone) }
        #expect(saw)
        #expect(done)
    }
}

@Loop final class HandleBox {
    var handle: TaskHandle<Int>?
}

@Loop final class LeftoverBox {
    var task: TaskHandle<Void>?
    var sawCancel = false
}

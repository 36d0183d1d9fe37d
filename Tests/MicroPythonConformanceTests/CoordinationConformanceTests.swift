import AsyncIO
import AsyncIOTestSupport
import Testing

// MicroPython's tests/extmod/asyncio_{wait_for,wait_for_fwd,wait_for_linked_task,
// gather,gather_finished_early,gather_notimpl}.py.

@Suite("MicroPython conformance: wait_for and gather", .serialized, .timeLimit(.minutes(1)))
struct CoordinationConformanceTests {
    @Test("asyncio_wait_for.py") func waitForConformance() throws {
        try expectTranscript("""
            task start 1
            task end 1
            2
            ----------
            task start 2
            timeout
            ----------
            task_catch start
            ignore cancel
            task_catch done
            TimeoutError
            ----------
            task start
            ValueError
            ----------
            task start 3
            task end 3
            6
            ----------
            task start 4
            task_cancel_other start
            task_cancel_other cancel
            CancelledError()
            ----------
            task_wait_for_cancel start
            task start 4
            task_wait_for_cancel cancelled
            ----------
            task_wait_for_cancel_ignore start
            task_catch start
            task_wait_for_cancel_ignore cancelled
            ignore cancel
            task_catch done
            ----------
            task_wait_for_cancel start
            cancel wait_for
            task start 5
            task_wait_for_cancel cancelled
            CancelledError()
            ----------
            task_wait_for_cancel start
            task start 6
            cancel wait_for
            task end 6
            task_wait_for_cancel cancelled
            CancelledError()
            ----------
            task_wait_for_cancel start
            task start 7
            task end 7
            cancel wait_for
            task_wait_for_cancel cancelled
            CancelledError()
            ----------
            task_wait_for_cancel start
            task start 8
            task end 8
            cancel wait_for
            task_wait_for_cancel cancelled
            CancelledError()
            ----------
            finish
            """) { out in
            @Loop func task(_ id: Int, _ t: Double) async throws -> Int {
                out.print("task start", id)
                try await sleep(t)
                out.print("task end", id)
                return id * 2
            }
            @Loop func taskCatch() async {
                out.print("task_catch start")
                do { try await sleep(0.2) } catch { out.print("ignore cancel") }
                out.print("task_catch done")
            }
            @Loop func taskRaise() async throws {
                out.print("task start")
                throw ValueError()
            }
            @Loop func taskCancelOther(_ t: Double, _ other: AnyTaskHandle) async throws {
                out.print("task_cancel_other start")
                try await sleep(t)
                out.print("task_cancel_other cancel")
                other.cancel()
            }
            @Loop func taskWaitForCancel(_ id: Int, _ t: Double, _ tWait: Double) async throws {
                out.print("task_wait_for_cancel start")
                do {
                    _ = try await waitFor({ try await task(id, t) }, timeout: .seconds(tWait))
                } catch let error as CancellationError {
                    out.print("task_wait_for_cancel cancelled")
                    throw error
                }
            }
            @Loop func taskWaitForCancelIgnore(_ tWait: Double) async throws {
                out.print("task_wait_for_cancel_ignore start")
                do {
                    try await waitFor({ await taskCatch() }, timeout: .seconds(tWait))
                } catch let error as CancellationError {
                    out.print("task_wait_for_cancel_ignore cancelled")
                    throw error
                }
            }
            let sep = String(repeating: "-", count: 10)
            // The task finishes before the timeout.
            out.print(try await waitFor({ try await task(1, 0.01) }, timeout: .seconds(10)))
            out.print(sep)
            // The timeout passes and the task is cancelled.
            do { out.print(try await waitFor({ try await task(2, 10) }, timeout: .seconds(0.01))) } catch is TimeoutError { out.print("timeout") }
            out.print(sep)
            // The timeout passes and the task ignores the cancellation.
            do { try await waitFor({ await taskCatch() }, timeout: .seconds(0.1)) } catch is TimeoutError { out.print("TimeoutError") }
            out.print(sep)
            // The task throws.
            do { try await waitFor({ try await taskRaise() }, timeout: .seconds(1)) } catch is ValueError { out.print("ValueError") }
            out.print(sep)
            // A timeout of nil waits without limit.
            out.print(try await waitFor({ try await task(3, 0.1) }, timeout: nil))
            out.print(sep)
            // The task is cancelled by another task.
            let t4 = createTask { try await task(4, 10) }
            createTask { try await taskCancelOther(0.01, t4) }
            do { out.print(try await waitFor(t4, timeout: .seconds(1))) } catch let error as CancellationError { out.print(pyRepr(error)) }
            out.print(sep)
            // waitFor itself is cancelled.
            var t = createTask { try await taskWaitForCancel(4, 1, 2) }
            try await sleep(0.01)
            t.cancel()
            try await sleep(0.01)
            out.print(sep)
            // waitFor is cancelled and the awaited task ignores the cancellation.
            t = createTask { try await taskWaitForCancelIgnore(2) }
            try await sleep(0.01)
            t.cancel()
            try await sleep(0.01)
            out.print(sep)
            // waitFor is cancelled around the time its task finishes.
            for numSleep in 1..<5 {
                let waiting = createTask { try await taskWaitForCancel(4 + numSleep, 0, 2) }
                for _ in 0..<numSleep { try await sleep(0) }
                #expect(!waiting.isDone)
                out.print("cancel wait_for")
                waiting.cancel()
                do { try await waiting.value } catch let error as CancellationError { out.print(pyRepr(error)) }
                out.print(sep)
            }
            out.print("finish")
        }
    }

    @Test("asyncio_wait_for_fwd.py") func waitForForwardsCancellation() throws {
        let out = Transcript()
        @Loop func awaiting(_ t: Double, returnIfFail: Bool) async throws -> Bool {
            do {
                out.print("awaiting started")
                try await sleep(t)
            } catch let error as CancellationError {
                out.print("awaiting canceled")
                if returnIfFail { return false }
                throw error
            }
            return true
        }
        func testCancellationForwarded(catch catchOutside: Bool, catchInside: Bool) throws {
            out.print("----------")
            try AsyncIO.run {
                let t = createTask {
                    do {
                        _ = try await waitFor({ try await awaiting(2, returnIfFail: catchInside) }, timeout: .seconds(1))
                    } catch let error as TimeoutError {
                        out.print("Got timeout error")
                        throw error
                    } catch let error as CancellationError {
                        out.print("Got canceled")
                        if !catchOutside { throw error }
                    }
                }
                createTask {
                    out.print("cancel started")
                    try await sleep(0.01)
                    out.print("cancel wait()")
                    t.cancel()
                }
                do { try await t.value } catch is CancellationError { out.print("waiting got cancelled") }
            }
        }
        try testCancellationForwarded(catch: false, catchInside: false)
        try testCancellationForwarded(catch: false, catchInside: true)
        try testCancellationForwarded(catch: true, catchInside: true)
        try testCancellationForwarded(catch: true, catchInside: false)
        out.expect("""
            ----------
            cancel started
            awaiting started
            cancel wait()
            Got canceled
            awaiting canceled
            waiting got cancelled
            ----------
            cancel started
            awaiting started
            cancel wait()
            Got canceled
            awaiting canceled
            waiting got cancelled
            ----------
            cancel started
            awaiting started
            cancel wait()
            Got canceled
            awaiting canceled
            ----------
            cancel started
            awaiting started
            cancel wait()
            Got canceled
            awaiting canceled
            """)
    }

    @Test("asyncio_wait_for_linked_task.py") func waitForLinkedTask() throws {
        let out = Transcript()
        /// A chain of tasks, each awaiting the one before it.
        @Loop final class Worker {
            let out: Transcript
            var tasks: [TaskHandle<Void>] = []
            init(_ out: Transcript) { self.out = out }
            func job(_ prerequisite: TaskHandle<Void>?, _ name: String) async throws {
                if let prerequisite { try await prerequisite.value }
                try await sleep(0.1)
                out.print(name, "work completed")
            }
            func planTasks() {
                tasks.append(createTask { try await self.job(nil, "task0") })
                tasks.append(createTask { [tasks] in try await self.job(tasks[0], "task1") })
                tasks.append(createTask { [tasks] in try await self.job(tasks[1], "task2") })
            }
        }
        out.print("--- async test")
        try Loop.runUntilComplete {
            let worker = Worker(out)
            worker.planTasks()
            try await worker.tasks[0].value
            out.print("-> task0 done")
            try await worker.tasks[2].value
            out.print("-> task2 done")
        }
        out.print("--- sync test")
        // MicroPython's `run_until_complete(task)` for a task created outside
        // the loop: here the tasks are made by a first short run.
        let worker = try Loop.runUntilComplete { () -> Worker in
            let worker = Worker(out)
            worker.planTasks()
            return worker
        }
        try Loop.runUntilComplete { try await worker.tasks[0].value }
        out.print("-> task0 done")
        try Loop.runUntilComplete { try await worker.tasks[2].value }
        out.print("-> task2 done")
        out.expect("""
            --- async test
            task0 work completed
            -> task0 done
            task1 work completed
            task2 work completed
            -> task2 done
            --- sync test
            task0 work completed
            -> task0 done
            task1 work completed
            task2 work completed
            -> task2 done
            """)
    }

    @Test("asyncio_gather.py") func gatherConformance() throws {
        try expectTranscript("""
            Task A: Compute factorial(2)...
            Task B: Compute factorial(2)...
            Task C: Compute factorial(2)...
            Task A: factorial(2) = 2
            Task B: Compute factorial(3)...
            Task C: Compute factorial(3)...
            Task B: factorial(3) = 6
            Task C: Compute factorial(4)...
            Task C: factorial(4) = 24
            [2, 6, 24]
            ====
            []
            ====
            start 2
            end 2
            [CancelledError(), 2]
            ====
            start 1
            task_raise start 2
            end 1
            task_raise raise 2
            [1, ValueError(2,)]
            ====
            task_loop start 1
            task_raise start 2
            task_loop loop 1
            task_raise raise 2
            ValueError(2,)
            False True
            ====
            task_raise start 1
            task_raise start 2
            task_raise raise 1
            task_raise raise 2
            ValueError(1,)
            True True
            ====
            gather_task
            start 1
            start 2
            ====
            gather_task
            start 1
            start 2
            ====
            gather_task
            start 1
            start 2
            end 1
            end 2
            ====
            gather_task
            start 1
            start 2
            end 1
            end 2
            """) { out in
            @Loop func factorial(_ name: String, _ number: Int) async throws -> Int {
                var f = 1
                for i in stride(from: 2, through: number, by: 1) {
                    out.print("Task \(name): Compute factorial(\(i))...")
                    try await sleep(0.01)
                    f *= i
                }
                out.print("Task \(name): factorial(\(number)) = \(f)")
                return f
            }
            @Loop func task(_ id: Int, _ t: Double = 0.1) async throws -> Int {
                out.print("start", id)
                try await sleep(t)
                out.print("end", id)
                return id
            }
            @Loop func taskLoop(_ id: Int) async throws -> Int {
                out.print("task_loop start", id)
                while true {
                    try await sleep(0.1)
                    out.print("task_loop loop", id)
                }
            }
            @Loop func taskRaise(_ id: Int, _ t: Double = 0.1) async throws -> Int {
                out.print("task_raise start", id)
                try await sleep(t)
                out.print("task_raise raise", id)
                throw ValueError(args: "\(id),")
            }
            @Loop func gatherTask(_ t0: @escaping @Loop () async throws -> Int, _ t1: @escaping @Loop () async throws -> Int) async throws {
                out.print("gather_task")
                _ = try await gather(createTask(t0), createTask(t1))
                out.print("gather_task2")
            }
            func list(_ results: [Result<Int, any Error>]) -> String {
                "[" + results.map { result in
                    switch result {
                    case .success(let value): return "\(value)"
                    case .failure(let error): return pyRepr(error)
                    }
                }.joined(separator: ", ") + "]"
            }
            let values = try await gather([createTask { try await factorial("A", 2) }, createTask { try await factorial("B", 3) }, createTask { try await factorial("C", 4) }])
            out.print("[" + values.map(String.init).joined(separator: ", ") + "]")
            out.print("====")
            out.print(try await gather([TaskHandle<Int>]()))
            out.print("====")
            var tasks = [createTask { try await task(1) }, createTask { try await task(2) }]
            tasks[0].cancel()
            out.print(list(try await gather(tasks, returnExceptions: true)))
            out.print("====")
            tasks = [createTask { try await task(1) }, createTask { try await taskRaise(2) }]
            out.print(list(try await gather(tasks, returnExceptions: true)))
            out.print("====")
            tasks = [createTask { try await taskLoop(1) }, createTask { try await taskRaise(2) }]
            do { _ = try await gather(tasks) } catch { out.print(pyRepr(error)) }
            out.print(py(tasks[0].isDone), py(tasks[1].isDone))
            for t in tasks { t.cancel() }
            try await sleep(0.2)
            out.print("====")
            tasks = [createTask { try await taskRaise(1, 0) }, createTask { try await taskRaise(2, 0) }]
            do { _ = try await gather(tasks) } catch { out.print(pyRepr(error)) }
            out.print(py(tasks[0].isDone), py(tasks[1].isDone))
            out.print("====")
            var t = createTask { try await gatherTask({ try await task(1) }, { try await task(2) }) }
            try await sleep(0.05)
            t.cancel()
            try await sleep(0.2)
            for i in 1..<4 {
                out.print("====")
                t = createTask { try await gatherTask({ try await task(1, 0) }, { try await task(2, 0) }) }
                for _ in 0..<i { try await sleep(0) }
                t.cancel()
                try await sleep(0.2)
            }
        }
    }

    @Test("asyncio_gather_finished_early.py") func gatherFinishedEarly() throws {
        let out = Transcript()
        @Loop func taskThatFinishesEarly(_ id: String, _ event: Event, _ fail: Bool) throws {
            out.print("task_that_finishes_early", id)
            event.set()
            if fail { throw ValueError(args: "'intentional exception', '\(id)'") }
        }
        @Loop func taskThatRuns() async throws {
            for i in 0..<5 {
                out.print("task_that_runs", i)
                try await sleep(0)
            }
        }
        for i in 0..<8 {
            let (startTaskThatRuns, taskFail, returnExceptions) = (i & 4 != 0, i & 2 != 0, i & 1 != 0)
            try AsyncIO.run {
                out.print("== start", py(startTaskThatRuns), py(taskFail), py(returnExceptions))
                Loop.setExceptionHandler { _ in }
                defer { Loop.setExceptionHandler(nil) }
                let eventA = Event()
                let eventB = Event()
                var tasks: [TaskHandle<Void>] = []
                if startTaskThatRuns { tasks.append(createTask { try await taskThatRuns() }) }
                tasks.append(createTask { try taskThatFinishesEarly("a", eventA, taskFail) })
                tasks.append(createTask { try taskThatFinishesEarly("b", eventB, taskFail) })
                try await eventA.wait()
                try await eventB.wait()
                let result: String
                if returnExceptions {
                    let results = try await gather(tasks, returnExceptions: true)
                    result = "('complete', [" + results.map { r in
                        if case .failure(let error) = r { return pyRepr(error) } else { return "None" }
                    }.joined(separator: ", ") + "])"
                } else {
                    do {
                        let results = try await gather(tasks)
                        result = "('complete', [" + results.map { _ in "None" }.joined(separator: ", ") + "])"
                    } catch {
                        result = "('exception', \(pyRepr(error)), \(py(startTaskThatRuns && tasks[0].isDone)))"
                    }
                }
                if startTaskThatRuns { try await tasks[0].value }
                out.print(result)
            }
        }
        out.expect("""
            == start False False False
            task_that_finishes_early a
            task_that_finishes_early b
            ('complete', [None, None])
            == start False False True
            task_that_finishes_early a
            task_that_finishes_early b
            ('complete', [None, None])
            == start False True False
            task_that_finishes_early a
            task_that_finishes_early b
            ('exception', ValueError('intentional exception', 'a'), False)
            == start False True True
            task_that_finishes_early a
            task_that_finishes_early b
            ('complete', [ValueError('intentional exception', 'a'), ValueError('intentional exception', 'b')])
            == start True False False
            task_that_runs 0
            task_that_finishes_early a
            task_that_finishes_early b
            task_that_runs 1
            task_that_runs 2
            task_that_runs 3
            task_that_runs 4
            ('complete', [None, None, None])
            == start True False True
            task_that_runs 0
            task_that_finishes_early a
            task_that_finishes_early b
            task_that_runs 1
            task_that_runs 2
            task_that_runs 3
            task_that_runs 4
            ('complete', [None, None, None])
            == start True True False
            task_that_runs 0
            task_that_finishes_early a
            task_that_finishes_early b
            task_that_runs 1
            task_that_runs 2
            task_that_runs 3
            task_that_runs 4
            ('exception', ValueError('intentional exception', 'a'), False)
            == start True True True
            task_that_runs 0
            task_that_finishes_early a
            task_that_finishes_early b
            task_that_runs 1
            task_that_runs 2
            task_that_runs 3
            task_that_runs 4
            ('complete', [None, ValueError('intentional exception', 'a'), ValueError('intentional exception', 'b')])
            """)
    }

    /// MicroPython cannot await a task that is part of a gather ("can't wait")
    /// nor gather a task that is awaited ("can't gather"); here both work, as in
    /// CPython (docs/coming-from-micropython.md), so the transcript shows the
    /// tasks finishing instead of the two RuntimeErrors.
    @Test("asyncio_gather_notimpl.py") func gatherNotImplemented() throws {
        try expectTranscript("""
            task start 1
            task start 2
            gather_task start
            task end 1
            task end 2
            gather_task end
            ====
            task start 1
            task start 2
            gather_task start
            task end 1
            task end 2
            gather_task end
            """) { out in
            Loop.setExceptionHandler { context in out.print(context.error.map(pyRepr) ?? "") }
            defer { Loop.setExceptionHandler(nil) }
            @Loop func task(_ id: Int) async throws -> Int {
                out.print("task start", id)
                try await sleep(0.01)
                out.print("task end", id)
                return id
            }
            @Loop func gatherTask(_ t0: TaskHandle<Int>, _ t1: TaskHandle<Int>) async throws {
                out.print("gather_task start")
                _ = try await gather(t0, t1)
                out.print("gather_task end")
            }
            var tasks = [createTask { try await task(1) }, createTask { try await task(2) }]
            let gt = createTask { [tasks] in try await gatherTask(tasks[0], tasks[1]) }
            try await sleep(0)  // let the gather start
            _ = try await tasks[0].value  // allowed here: the task is part of the gather
            try await gt.value
            out.print("====")
            tasks = [createTask { try await task(1) }, createTask { try await task(2) }]
            createTask { [tasks] in try await gatherTask(tasks[0], tasks[1]) }
            _ = try await tasks[0].value  // awaited before the gather starts
            _ = try await tasks[1].value
        }
    }
}

import AsyncIO
import AsyncIOTestSupport
import Testing

// MicroPython's tests/extmod/asyncio_{basic,basic2,await_return,current_task,
// exception,task_done,wait_task}.py: creating, running and awaiting tasks.

@Suite("MicroPython conformance: tasks", .serialized, .timeLimit(.minutes(1)))
struct TaskConformanceTests {
    @Test("asyncio_basic.py") func basic() throws {
        try expectTranscript("""
            start
            after sleep
            short
            long
            negative
            took 200 400 0
            """) { out in
            @Loop func delayPrint(_ t: Double, _ s: String) async throws {
                try await sleep(t)
                out.print(s)
            }
            out.print("start")
            try await sleep(0.001)
            out.print("after sleep")
            let t0 = ContinuousClock.now
            try await delayPrint(0.2, "short")
            let t1 = ContinuousClock.now
            try await delayPrint(0.4, "long")
            let t2 = ContinuousClock.now
            try await delayPrint(-1, "negative")
            let t3 = ContinuousClock.now
            out.print("took", roundedMilliseconds(t0, t1), roundedMilliseconds(t1, t2), roundedMilliseconds(t2, t3))
        }
    }

    @Test("asyncio_basic2.py") func basic2() throws {
        let out = Transcript()
        let value = try AsyncIO.run { () async throws -> Int in
            out.print("main start")
            createTask {
                out.print("forever start")
                try await sleep(10)
            }
            try await sleep(0.001)
            out.print("main done")
            return 42
        }
        out.print(value)
        out.expect("""
            main start
            forever start
            main done
            42
            """)
    }

    @Test("asyncio_await_return.py") func awaitReturn() throws {
        try expectTranscript("""
            42
            42
            """) { out in
            @Loop func foo() async -> Int { 42 }
            out.print(await foo())
            let task = createTask { await foo() }
            out.print(try await task.value)
        }
    }

    @Test("asyncio_current_task.py") func currentTaskIsTheRunningTask() throws {
        // Outside a running loop `currentTask()` does not compile (it is `@Loop`);
        // on the loop outside any task it throws, as MicroPython's raises RuntimeError.
        @Loop func outsideAnyTask(_ out: Transcript) async {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { @Loop in
                    do { _ = try currentTask() } catch LoopError.noRunningTask { out.print("RuntimeError") } catch {}
                }
            }
        }
        try expectTranscript("""
            RuntimeError
            True
            RuntimeError
            """) { out in
            await outsideAnyTask(out)
            var result: AnyTaskHandle?
            let t = createTask { result = try currentTask() }
            try await sleep(0)
            try await sleep(0)
            out.print(py(t === result))
            await outsideAnyTask(out)
        }
    }

    @Test("asyncio_exception.py") func exception() throws {
        let out = Transcript()
        // The main task raising an error.
        do {
            try AsyncIO.run {
                out.print("main start")
                throw ValueError(args: "1")
            }
        } catch let error as ValueError {
            out.print("ValueError", error.args)
        }
        // A sub-task raising an error.
        do {
            try AsyncIO.run {
                out.print("main start")
                let t = createTask {
                    out.print("task start")
                    throw ValueError(args: "2")
                }
                try await t.value
                out.print("main done")
            }
        } catch let error as ValueError {
            out.print("ValueError", error.args)
        }
        // The main task raising an error with a sub-task not yet scheduled.
        do {
            try AsyncIO.run {
                out.print("main start")
                createTask {}
                throw ValueError(args: "3")
            }
        } catch let error as ValueError {
            out.print("ValueError", error.args)
        }
        out.expect("""
            main start
            ValueError 1
            main start
            task start
            ValueError 2
            main start
            ValueError 3
            """)
    }

    @Test("asyncio_task_done.py") func taskDone() throws {
        try expectTranscript("""
            ==========
            False
            task start
            task done
            True
            True
            ==========
            False
            task start
            False
            task done
            True
            ==========
            False
            task start
            True
            ValueError()
            True
            ==========
            False
            task start
            False
            ValueError()
            True
            """) { out in
            @Loop func task(_ t: Double, raising: Bool = false) async throws {
                out.print("task start")
                if t >= 0 { try await sleep(t) }
                if raising { throw ValueError() }
                out.print("task done")
            }
            for (t, raising) in [(-1.0, false), (0.01, false), (-1, true), (0.01, true)] {
                out.print(String(repeating: "=", count: 10))
                let handle = createTask { try await task(t, raising: raising) }
                out.print(py(handle.isDone))
                try await sleep(0)
                out.print(py(handle.isDone))
                do { try await handle.value } catch { out.print(pyRepr(error)) }
                out.print(py(handle.isDone))
            }
        }
    }

    @Test("asyncio_wait_task.py") func waitTask() throws {
        try expectTranscript("""
            start
            task 1
            task 2
            ----
            start
            hello
            world
            took 200 200
            task_raise
            ValueError
            task_raise
            ValueError
            """) { out in
            @Loop func delayPrint(_ t: Double, _ s: String) async throws {
                try await sleep(t)
                out.print(s)
            }
            @Loop func taskRaise() async throws {
                out.print("task_raise")
                throw ValueError()
            }
            out.print("start")
            // Wait on a task.
            var t = createTask { out.print("task", 1) }
            try await t.value
            // Wait on a task that's already done, then again on the same task.
            t = createTask { out.print("task", 2) }
            try await sleep(0.001)
            try await t.value
            try await t.value
            out.print("----")
            // Two tasks run in parallel.
            let ts1 = createTask { try await delayPrint(0.2, "hello") }
            let ts2 = createTask { try await delayPrint(0.4, "world") }
            out.print("start")
            let t0 = ContinuousClock.now
            try await ts1.value
            let t1 = ContinuousClock.now
            try await ts2.value
            let t2 = ContinuousClock.now
            out.print("took", roundedMilliseconds(t0, t1), roundedMilliseconds(t1, t2))
            // A task that raises.
            t = createTask { try await taskRaise() }
            do { try await t.value } catch is ValueError { out.print("ValueError") }
            // A task that raises, awaited some time later (the handler is silenced).
            Loop.setExceptionHandler { _ in }
            defer { Loop.setExceptionHandler(nil) }
            t = createTask { try await taskRaise() }
            for _ in 0..<5 { try await sleep(0) }
            do { try await t.value } catch is ValueError { out.print("ValueError") }
        }
    }
}

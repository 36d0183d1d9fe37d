import AsyncIO
import AsyncIOTestSupport
import Testing

// MicroPython's tests/extmod/asyncio_{cancel_fair,cancel_fair2,cancel_self,
// cancel_task,cancel_wait_on_finished,fair,event_fair}.py: scheduling order and
// cancellation delivered once at the await where a task is suspended.

@Suite("MicroPython conformance: scheduling and cancellation", .serialized, .timeLimit(.minutes(1)))
struct CancellationConformanceTests {
    @Test("asyncio_cancel_fair.py") func cancelFair() throws {
        try expectTranscript("""
            start 0
            start 1
            start 2
            done 0
            0 cancels 1
            start 0
            cancelled 1
            1 cancels 0
            start 1
            done 2
            start 2
            cancelled 0
            0 cancels 1
            start 0
            cancelled 1
            1 cancels 0
            start 1
            done 2
            start 2
            cancelled 0
            0 cancels 1
            cancelled 1
            1 cancels 0
            done 2
            """) { out in
            var tasks: [TaskHandle<Void>] = []
            @Loop func task(_ id: Int, _ other: Int?) async {
                for _ in 0..<3 {
                    do {
                        out.print("start", id)
                        try await sleep(0)
                        out.print("done", id)
                    } catch {
                        out.print("cancelled", id)
                    }
                    if let other {
                        out.print(id, "cancels", other)
                        tasks[other].cancel()
                    }
                }
            }
            tasks = [createTask { await task(0, 1) }, createTask { await task(1, 0) }, createTask { await task(2, nil) }]
            try await tasks[2].value
        }
    }

    @Test("asyncio_cancel_fair2.py") func cancelFair2() throws {
        try expectTranscript("""
            sleep a
            sleep b 0
            sleep b 1
            sleep b 2
            cancelled a
            done b 0
            done b 1
            done b 2
            """) { out in
            let t = createTask {
                do {
                    while true {
                        out.print("sleep a")
                        try await sleep(0)
                    }
                } catch {
                    out.print("cancelled a")
                }
            }
            for i in 0..<3 {
                createTask {
                    while t.cancel() {
                        out.print("sleep b", i)
                        try await sleep(0)
                    }
                    out.print("done b", i)
                }
            }
            try await t.value
        }
    }

    /// MicroPython refuses `cancel()` on the running task ("can't cancel self");
    /// here, as in CPython, the request is delivered at the task's next await,
    /// and a task that never awaits again finishes normally
    /// (docs/coming-from-micropython.md).
    @Test("asyncio_cancel_self.py") func cancelSelf() throws {
        try expectTranscript("""
            task start
            main done
            task start
            task cancelled at its next await
            main cancel
            main done
            """) { out in
            var globalTask: TaskHandle<Void>!
            globalTask = createTask {
                out.print("task start")
                globalTask.cancel()
            }
            do { try await globalTask.value } catch { out.print("main cancel") }
            out.print("main done")
            // The same with an await after the request.
            globalTask = createTask {
                out.print("task start")
                globalTask.cancel()
                do { try await sleep(0) } catch {
                    out.print("task cancelled at its next await")
                    throw error
                }
            }
            do { try await globalTask.value } catch { out.print("main cancel") }
            out.print("main done")
        }
    }

    @Test("asyncio_cancel_task.py") func cancelTask() throws {
        try expectTranscript("""
            True
            task start
            True
            main sleep
            task cancel
            task start
            True
            True
            True
            True
            main sleep
            task cancel
            main wait
            main got CancelledError
            task start
            task done
            False
            ----
            task 2
            task start
            main cancel
            main sleep
            task cancel
            task 2 cancel
            ----
            task 2
            task start
            main cancel
            main sleep
            task cancel
            task 2 done
            """) { out in
            @Loop func task(_ s: Double, allowCancel: Bool) async throws {
                do {
                    out.print("task start")
                    try await sleep(s)
                    out.print("task done")
                } catch is CancellationError {
                    out.print("task cancel")
                    if allowCancel { throw CancellationError() }
                }
            }
            @Loop func task2(allowCancel: Bool) async throws {
                out.print("task 2")
                do {
                    try await createTask { try await task(0.05, allowCancel: allowCancel) }.value
                } catch is CancellationError {
                    out.print("task 2 cancel")
                    throw CancellationError()
                }
                out.print("task 2 done")
            }
            // Cancel a task at once.
            var t = createTask { try await task(2, allowCancel: true) }
            out.print(py(t.cancel()))
            // Cancel a task after it has started.
            t = createTask { try await task(2, allowCancel: true) }
            try await sleep(0.01)
            out.print(py(t.cancel()))
            out.print("main sleep")
            try await sleep(0.01)
            // Cancel a task several times after it has started.
            t = createTask { try await task(2, allowCancel: true) }
            try await sleep(0.01)
            for _ in 0..<4 { out.print(py(t.cancel())) }
            out.print("main sleep")
            try await sleep(0.01)
            // Await a cancelled task.
            out.print("main wait")
            do { try await t.value } catch is CancellationError { out.print("main got CancelledError") }
            // Cancel a task after it has finished.
            t = createTask { try await task(0.01, allowCancel: false) }
            try await sleep(0.05)
            out.print(py(t.cancel()))
            // Nested: task2 waits on task, task2 is cancelled: task is cancelled, then task2.
            out.print("----")
            t = createTask { try await task2(allowCancel: true) }
            try await sleep(0.01)
            out.print("main cancel")
            t.cancel()
            out.print("main sleep")
            try await sleep(0.1)
            // Nested: task does not allow the cancel, so task2 goes on.
            out.print("----")
            t = createTask { try await task2(allowCancel: false) }
            try await sleep(0.01)
            out.print("main cancel")
            t.cancel()
            out.print("main sleep")
            try await sleep(0.1)
        }
    }

    @Test("asyncio_cancel_wait_on_finished.py") func cancelWaitOnFinished() throws {
        try expectTranscript("""
            main sleep
            sleep_task sleep
            wait_task wait
            main sleep
            sleep_task wake
            main wait
            CancelledError()
            """) { out in
            let sleeper = createTask {
                out.print("sleep_task sleep")
                try await sleep(0)
                out.print("sleep_task wake")
            }
            let waiting = createTask {
                out.print("wait_task wait")
                try await sleeper.value
                out.print("wait_task wake")
            }
            out.print("main sleep")
            try await sleep(0)
            out.print("main sleep")
            try await sleep(0)
            waiting.cancel()
            out.print("main wait")
            do { try await waiting.value } catch { out.print(pyRepr(error)) }
        }
    }

    @Test("asyncio_fair.py") func fair() throws {
        try expectTranscript("""
            task start 1
            task start 2
            task work 2
            task start 3
            task work 3
            task start 4
            task work 2
            task work 3
            task work 2
            task work 2
            task work 3
            task work 2
            finish
            """) { out in
            @Loop func task(_ id: Int, _ t: Double) async throws {
                out.print("task start", id)
                while true {
                    if t > 0 { out.print("task work", id) }
                    try await sleep(t)
                }
            }
            let tasks = [
                createTask { try await task(1, -0.01) },
                createTask { try await task(2, 0.1) },
                createTask { try await task(3, 0.18) },
                createTask { try await task(4, -100) },
            ]
            try await sleep(0.45)  // t2 prints 5 times, t3 prints 3 times
            for t in tasks { t.cancel() }
            out.print("finish")
        }
    }

    @Test("asyncio_event_fair.py") func eventFair() throws {
        try expectTranscript("""
            sleep 0
            wait 2
            sleep 1
            wait 3
            sleep 0
            sleep 1
            wait 2
            sleep 0
            sleep 1
            wait 3
            sleep 0
            sleep 1
            wait 2
            wait 3
            wait 2
            wait 3
            """) { out in
            @Loop func task1(_ id: Int) async throws {
                for _ in 0..<4 {
                    out.print("sleep", id)
                    try await sleep(0)
                }
            }
            @Loop func task2(_ id: Int, _ ev: Event) async throws {
                for _ in 0..<4 {
                    ev.set()
                    ev.clear()
                    out.print("wait", id)
                    try await ev.wait()
                }
            }
            let ev = Event()
            let tasks = [
                createTask { try await task1(0) },
                createTask { try await task2(2, ev) },
                createTask { try await task1(1) },
                createTask { try await task2(3, ev) },
            ]
            try await tasks[1].value
            ev.set()
        }
    }
}

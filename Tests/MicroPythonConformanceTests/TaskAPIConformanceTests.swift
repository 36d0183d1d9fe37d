import AsyncIO
import AsyncIOTestSupport
import Testing

// The tests of MicroPython's pull request that adds CPython's `Task` methods:
// tests/extmod/asyncio_task_{add_done_callback,remove_done_callback,cancelled,
// exception,result,hash}.py. (Its asyncio_task_get_coro.py has no counterpart:
// a task here runs a closure, not a coroutine object; docs/coming-from-micropython.md.)

/// CPython's `result()`/`exception()` outcomes as the `.exp` files print them:
/// `result` is nil while the task runs (CPython's InvalidStateError).
@Loop
private func describe<T>(_ result: Result<T, any Error>?) -> String {
    switch result {
    case nil: return "InvalidStateError()"
    case .success(let value)?: return value as Any? == nil || "\(value)" == "nil" ? "None" : "\(value)"
    case .failure(let error)?: return pyRepr(error)
    }
}

@Suite("MicroPython conformance: Task methods", .serialized, .timeLimit(.minutes(1)))
struct TaskAPIConformanceTests {
    /// MicroPython allows one done callback per task ("RuntimeError('>1
    /// callback unsupported',)"); here any number may be added, so the third
    /// part shows both callbacks running when the task ends.
    @Test("asyncio_task_add_done_callback.py") func addDoneCallback() throws {
        try expectTranscript("""
            ==========
            Waiting for task to complete
            done <Task> StopIteration()
            Task has completed
            ==========
            Task has completed
            done <Task> StopIteration()
            Callback Added
            ==========
            Second call to add_done_callback is allowed
            done <Task> StopIteration()
            done <Task> StopIteration()
            ==========
            done <Task> ValueError()
            """) { out in
            @Loop func task(_ t: Double, raising: Bool = false) async throws {
                if t >= 0 { try await sleep(t) }
                if raising { throw ValueError() }
            }
            @Loop func doneCallback(_ t: AnyTaskHandle) {
                out.print("done", "<Task>", t.exception.map(pyRepr) ?? "StopIteration()")
            }
            out.print(String(repeating: "=", count: 10))
            var t = createTask { try await task(-1) }
            t.addDoneCallback(doneCallback)
            out.print("Waiting for task to complete")
            try await sleep(0)
            out.print("Task has completed")
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(-1) }
            try await sleep(0)
            out.print("Task has completed")
            t.addDoneCallback(doneCallback)
            out.print("Callback Added")
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(0.01) }
            t.addDoneCallback(doneCallback)
            t.addDoneCallback(doneCallback)
            out.print("Second call to add_done_callback is allowed")
            try await t.value
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(-1, raising: true) }
            t.addDoneCallback(doneCallback)
            try await sleep(0)
        }
    }

    @Test("asyncio_task_remove_done_callback.py") func removeDoneCallback() throws {
        try expectTranscript("""
            ==========
            Returns 0 when no done callback has been set: 0
            ==========
            Returns 1 when a callback matches and is removed: 1
            Returns 0 on second attempt to remove the callback: 0
            ==========
            Returns 0 when done callbacks don't match: 0
            ==========
            Waiting for task to complete
            Task completed
            """) { out in
            @Loop func task(_ t: Double) async throws {
                if t >= 0 { try await sleep(t) }
            }
            func count(_ removed: Bool) -> Int { removed ? 1 : 0 }
            out.print(String(repeating: "=", count: 10))
            var t = createTask { try await task(1) }
            let never = t.addDoneCallback { _ in out.print("done 2") }
            t.removeDoneCallback(never)
            out.print("Returns 0 when no done callback has been set:", count(t.removeDoneCallback(never)))
            t.cancel()
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(1) }
            var id = t.addDoneCallback { _ in out.print("done") }
            out.print("Returns 1 when a callback matches and is removed:", count(t.removeDoneCallback(id)))
            out.print("Returns 0 on second attempt to remove the callback:", count(t.removeDoneCallback(id)))
            t.cancel()
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(0.01) }
            let tDone = t.addDoneCallback { _ in out.print("done") }
            let other = createTask { try await task(1) }
            id = other.addDoneCallback { _ in out.print("done 2") }
            out.print("Returns 0 when done callbacks don't match:", count(t.removeDoneCallback(id)))
            // MicroPython's run ends with these two still sleeping; here they are
            // stopped quietly (the test harness allows no task to outlive it).
            other.removeDoneCallback(id)
            other.cancel()
            t.removeDoneCallback(tDone)
            t.cancel()
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(-1) }
            id = t.addDoneCallback { _ in out.print("done") }
            t.removeDoneCallback(id)
            out.print("Waiting for task to complete")
            try await t.value
            out.print("Task completed")
        }
    }

    @Test("asyncio_task_cancelled.py") func cancelled() throws {
        try expectTranscript("""
            ==========
            Expecting task to not be cancelled because it is not done: False
            ==========
            Expecting Task to be Cancelled: True
            ==========
            Expecting Task to be Cancelled: True
            ==========
            Expecting Task to be Cancelled: True
            ==========
            Expecting task to not be Cancelled: False
            """) { out in
            @Loop func task(_ t: Double) async throws { try await sleep(t) }
            out.print(String(repeating: "=", count: 10))
            var t = createTask { try await task(2) }
            t.cancel()
            out.print("Expecting task to not be cancelled because it is not done:", py(t.isCancelled))
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(2) }
            t.cancel()
            try await sleep(0)
            out.print("Expecting Task to be Cancelled:", py(t.isCancelled))
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(2) }
            try await sleep(0.01)
            t.cancel()
            try await sleep(0)
            out.print("Expecting Task to be Cancelled:", py(t.isCancelled))
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(2) }
            try await sleep(0.01)
            for _ in 0..<4 { t.cancel() }
            try await sleep(0.01)
            out.print("Expecting Task to be Cancelled:", py(t.isCancelled))
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(0.01) }
            try await sleep(0.05)
            t.cancel()
            out.print("Expecting task to not be Cancelled:", py(t.isCancelled))
        }
    }

    /// `exception()` is the `exception` property here, and `result` tells a
    /// running task (nil: CPython's InvalidStateError) from a finished one.
    @Test("asyncio_task_exception.py") func exception() throws {
        try expectTranscript("""
            ==========
            Tasks that aren't done yet raise an InvalidStateError: InvalidStateError()
            ==========
            Cancelled tasks cannot retrieve exception: CancelledError()
            ==========
            None when no exception: None
            ==========
            Returned Exception: ValueError()
            ==========
            None
            """) { out in
            @Loop func task(_ t: Double, raising: Bool = false) async throws {
                if t >= 0 { try await sleep(t) }
                if raising { throw ValueError() }
            }
            out.print(String(repeating: "=", count: 10))
            var t = createTask { try await task(1) }
            try await sleep(0)
            out.print("Tasks that aren't done yet raise an InvalidStateError:", t.isDone ? "done" : describe(t.result))
            t.cancel()
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(1) }
            t.cancel()
            try await sleep(0)
            out.print("Cancelled tasks cannot retrieve exception:", t.exception.map(pyRepr) ?? "None")
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(0.01) }
            try await t.value
            out.print("None when no exception:", t.exception.map(pyRepr) ?? "None")
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(-1, raising: true) }
            do { try await t.value } catch is ValueError {}
            out.print("Returned Exception:", t.exception.map(pyRepr) ?? "None")
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(-1) }
            try await t.value
            out.print(t.exception.map(pyRepr) ?? "None")
        }
    }

    @Test("asyncio_task_result.py") func result() throws {
        try expectTranscript("""
            ==========
            InvalidStateError if still running: InvalidStateError()
            ==========
            CancelledError when retrieving result from cancelled task: CancelledError()
            ==========
            Error raised when result is attempted on task with error: ValueError()
            ==========
            Empty Result should be None: None
            ==========
            Happy path, result is returned: hello world
            """) { out in
            @Loop func task(_ t: Double, raising: Bool = false, returning value: String? = nil) async throws -> String? {
                if t >= 0 { try await sleep(t) }
                if raising { throw ValueError() }
                return value
            }
            out.print(String(repeating: "=", count: 10))
            var t = createTask { try await task(1) }
            try await sleep(0)
            out.print("InvalidStateError if still running:", describe(t.result))
            t.cancel()
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(1) }
            t.cancel()
            try await sleep(0)
            out.print("CancelledError when retrieving result from cancelled task:", describe(t.result))
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(-1, raising: true) }
            do { _ = try await t.value } catch is ValueError {}
            out.print("Error raised when result is attempted on task with error:", describe(t.result))
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(0.01) }
            _ = try await t.value
            out.print("Empty Result should be None:", describe(t.result))
            #expect(try t.result?.get() == .some(nil))
            out.print(String(repeating: "=", count: 10))
            t = createTask { try await task(0.01, returning: "hello world") }
            _ = try await t.value
            out.print("Happy path, result is returned:", try t.result?.get() ?? "None")
        }
    }

    @Test("asyncio_task_hash.py") func hash() throws {
        try expectTranscript("""
            ==========
            <class 'int'>
            <class 'int'>
            ==========
            True
            ==========
            True
            False
            """) { out in
            func typeName(_ value: some Any) -> String { value is Int ? "<class 'int'>" : "\(type(of: value))" }
            out.print(String(repeating: "=", count: 10))
            var t1: AnyTaskHandle = createTask {}
            var t2: AnyTaskHandle = createTask {}
            out.print(typeName(t2.hashValue))
            out.print(typeName(t1.hashValue))
            out.print(String(repeating: "=", count: 10))
            t1 = createTask {}
            t2 = createTask {}
            out.print(py(t1.hashValue != t2.hashValue))
            out.print(String(repeating: "=", count: 10))
            t1 = createTask {}
            t2 = createTask {}
            var tasks = Set<AnyTaskHandle>()
            tasks.insert(t1)
            out.print(py(tasks.contains(t1)))
            out.print(py(tasks.contains(t2)))
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import AsyncIO
import AsyncIOTestSupport
import Testing

// MicroPython's tests/extmod/asyncio_{event,lock,lock_cancel,threadsafeflag,
// event_queue,iterator_event}.py.

@Suite("MicroPython conformance: Event, Lock, ThreadSafeFlag", .serialized, .timeLimit(.minutes(1)))
struct PrimitivesConformanceTests {
    /// `Event.wait()` returns nothing here (MicroPython's returns True), so the
    /// port prints "True" after each wait, as `print(await ev.wait())` does.
    @Test("asyncio_event.py") func event() throws {
        try expectTranscript("""
            False
            True
            False
            ----
            yield
            start 1
            start 2
            set event
            yield
            True
            end 1
            True
            end 2
            ----
            yield
            start 3
            True
            end 3
            ----
            clear event
            start 4
            set event
            True
            end 4
            ----
            start 5
            ----
            start 6
            ----
            set event
            ----
            TimeoutError
            set event
            """) { out in
            @Loop func task(_ id: Int, _ ev: Event) async throws {
                out.print("start", id)
                try await ev.wait()
                out.print("True")
                out.print("end", id)
            }
            @Loop func taskDelaySet(_ t: Double, _ ev: Event) async throws {
                try await sleep(t)
                out.print("set event")
                ev.set()
            }
            var ev = Event()
            out.print(py(ev.isSet))
            ev.set()
            out.print(py(ev.isSet))
            ev.clear()
            out.print(py(ev.isSet))
            out.print("----")
            createTask { [ev] in try await task(1, ev) }
            createTask { [ev] in try await task(2, ev) }
            out.print("yield")
            try await sleep(0)
            out.print("set event")
            ev.set()
            out.print("yield")
            try await sleep(0)
            // A task waiting on a set event does not block.
            out.print("----")
            createTask { [ev] in try await task(3, ev) }
            out.print("yield")
            try await sleep(0)
            // Clear the event, start a task, then set it.
            out.print("----")
            out.print("clear event")
            ev.clear()
            createTask { [ev] in try await task(4, ev) }
            try await sleep(0)
            out.print("set event")
            ev.set()
            try await sleep(0)
            // Cancel a task waiting on an event, after the event is set.
            out.print("----")
            ev = Event()
            var t = createTask { [ev] in try await task(5, ev) }
            try await sleep(0)
            ev.set()
            t.cancel()
            try await sleep(0.1)
            // Cancel a task waiting on an event, before the event is set.
            out.print("----")
            ev = Event()
            t = createTask { [ev] in try await task(6, ev) }
            try await sleep(0)
            t.cancel()
            ev.set()
            try await sleep(0.1)
            // Wait for an event with a timeout.
            out.print("----")
            ev.clear()
            createTask { [ev] in try await taskDelaySet(0.01, ev) }
            try await waitFor({ [ev] in try await ev.wait() }, timeout: .seconds(0.1))
            try await sleep(0)
            // Wait for an event with a timeout that passes.
            out.print("----")
            ev.clear()
            createTask { [ev] in try await taskDelaySet(0.1, ev) }
            do {
                try await waitFor({ [ev] in try await ev.wait() }, timeout: .seconds(0.01))
            } catch is TimeoutError {
                out.print("TimeoutError")
            }
            try await ev.wait()
        }
    }

    /// `Lock.isLocked` stays true while a released lock is handed to the next
    /// waiter (MicroPython's `locked()` says False then), so the two "task
    /// release" lines of the third part read True here
    /// (docs/coming-from-micropython.md).
    @Test("asyncio_lock.py") func lock() throws {
        try expectTranscript("""
            False
            True
            False
            have lock
            ----
            task start 1
            task start 2
            task start 3
            task have 1 0
            task have 2 0
            task have 3 0
            task have 1 1
            task have 2 1
            task have 3 1
            task have 1 2
            task end 1
            task have 2 2
            task end 2
            task have 3 2
            task end 3
            ----
            task have True
            task release True
            task have True
            task release True
            task have again
            task have again
            ----
            task got 0
            task release 0
            task cancel 1
            task got 2
            task release 2
            False
            ----
            task got 0
            task cancel 1
            task release 0
            task got 2
            task cancel 2
            False
            """) { out in
            @Loop func taskLoop(_ id: Int, _ lock: Lock) async throws {
                out.print("task start", id)
                for i in 0..<3 {
                    try await lock.withLock { out.print("task have", id, i) }
                }
                out.print("task end", id)
            }
            @Loop func taskSleep(_ lock: Lock) async throws {
                try await lock.withLock {
                    out.print("task have", py(lock.isLocked))
                    try await sleep(0.2)
                }
                out.print("task release", py(lock.isLocked))
                try await lock.acquire()
                out.print("task have again")
                try lock.release()
            }
            @Loop func taskCancel(_ id: Int, _ lock: Lock, _ toCancel: @escaping @Loop () -> AnyTaskHandle? = { nil }) async {
                do {
                    try await lock.withLock {
                        out.print("task got", id)
                        try await sleep(0.1)
                    }
                    out.print("task release", id)
                    toCancel()?.cancel()
                } catch {
                    out.print("task cancel", id)
                }
            }
            let lock = Lock()
            // Basic acquire and release.
            out.print(py(lock.isLocked))
            try await lock.acquire()
            out.print(py(lock.isLocked))
            try await sleep(0)
            try lock.release()
            out.print(py(lock.isLocked))
            try await sleep(0)
            // `async with`.
            try await lock.withLock { out.print("have lock") }
            // Three tasks wanting the lock.
            out.print("----")
            createTask { try await taskLoop(1, lock) }
            createTask { try await taskLoop(2, lock) }
            let t3 = createTask { try await taskLoop(3, lock) }
            try await lock.acquire()
            try await sleep(0)
            try lock.release()
            try await t3.value
            // Two sleeping tasks both wanting the lock.
            out.print("----")
            createTask { try await taskSleep(lock) }
            try await sleep(0.1)
            try await taskSleep(lock)
            // Cancelling a task that was just given the lock.
            out.print("----")
            var ts: AnyTaskHandle?
            createTask { await taskCancel(0, lock, { ts }) }
            ts = createTask { await taskCancel(1, lock) }
            createTask { await taskCancel(2, lock) }
            try await sleep(0.3)
            out.print(py(lock.isLocked))
            // Cancelling a task waiting for the lock, then one holding it.
            out.print("----")
            createTask { await taskCancel(0, lock) }
            let t1 = createTask { await taskCancel(1, lock) }
            let t2 = createTask { await taskCancel(2, lock) }
            try await sleep(0.05)
            t1.cancel()
            try await sleep(0.1)
            t2.cancel()
            try await sleep(0.1)
            out.print(py(lock.isLocked))
        }
    }

    @Test("asyncio_lock_cancel.py") func lockCancel() throws {
        try expectTranscript("""
            task 0 start
            task 1 start
            task 2 start
            task 3 start
            task 1 cancel
            task 2 cancel
            task 0 lock_flag False
            task 0 done
            task 3 lock_flag False
            task 3 done
            False
            """) { out in
            var lockFlag = true
            @Loop func task(_ i: Int, _ lock: Lock) async throws {
                out.print("task", i, "start")
                do { try await lock.acquire() } catch is CancellationError {
                    out.print("task", i, "cancel")
                    return
                }
                out.print("task", i, "lock_flag", py(lockFlag))
                lockFlag = true
                try await sleep(0)
                try lock.release()
                lockFlag = false
                out.print("task", i, "done")
            }
            let lock = Lock()
            try await lock.acquire()
            let t0 = createTask { try await task(0, lock) }
            let t1 = createTask { try await task(1, lock) }
            let t2 = createTask { try await task(2, lock) }
            let t3 = createTask { try await task(3, lock) }
            try await sleep(0)
            t1.cancel()
            t2.cancel()
            try lock.release()
            lockFlag = false
            for _ in 0..<4 { try await sleep(0) }
            out.print(py(lock.isLocked))
            _ = (t0, t3)
        }
    }

    /// MicroPython's scheduler context (`micropython.schedule`) is another
    /// thread here: `set()` is safe from any thread.
    @Test("asyncio_threadsafeflag.py") func threadSafeFlag() throws {
        try expectTranscript("""
            yield
            task 1
            set event
            yield
            wait task
            task 1 done
            ----
            yield
            task 2
            set event
            yield
            wait task
            task 2 done
            ----
            set event
            yield
            task 3
            task 3 done
            wait task
            ----
            set event
            yield
            clear event
            yield
            yield
            task 4
            set event
            yield
            wait task
            task 4 done
            """) { out in
            @Loop func task(_ id: Int, _ flag: ThreadSafeFlag) async throws {
                out.print("task", id)
                try await flag.wait()
                out.print("task", id, "done")
            }
            let flag = ThreadSafeFlag()
            // Set the flag from within the loop.
            var t = createTask { try await task(1, flag) }
            out.print("yield")
            try await sleep(0)
            out.print("set event")
            flag.set()
            out.print("yield")
            try await sleep(0)
            out.print("wait task")
            try await t.value
            // Set the flag from another thread.
            out.print("----")
            t = createTask { try await task(2, flag) }
            out.print("yield")
            try await sleep(0)
            out.print("set event")
            let join = startThread { flag.set() }
            out.print("yield")
            try await sleep(0)
            out.print("wait task")
            try await t.value
            join()
            // The flag is already set.
            out.print("----")
            out.print("set event")
            flag.set()
            t = createTask { try await task(3, flag) }
            out.print("yield")
            try await sleep(0)
            out.print("wait task")
            try await t.value
            // The flag is set, cleared, and set again.
            out.print("----")
            out.print("set event")
            flag.set()
            out.print("yield")
            try await sleep(0)
            out.print("clear event")
            flag.clear()
            out.print("yield")
            try await sleep(0)
            t = createTask { try await task(4, flag) }
            out.print("yield")
            try await sleep(0)
            out.print("set event")
            flag.set()
            out.print("yield")
            try await sleep(0)
            out.print("wait task")
            try await t.value
        }
    }

    /// The watchdog that MicroPython re-schedules with `micropython.schedule`
    /// until 100 ms passed is a thread here, which sets the event through
    /// `Loop.callSoonThreadsafe`: the loop, with nothing but a waiting task,
    /// must stay alive and responsive.
    @Test("asyncio_event_queue.py") func eventQueue() throws {
        try expectTranscript("""
            main started
            foo waiting
            asyncio still pending, unlocking event
            foo done
            main done
            """) { out in
            // The event stays on the loop: the thread reaches it only through a
            // `@Loop` callback, by way of `@Loop` state (Event is not Sendable).
            let evt = LoopHeld(Event())
            var join: (@Sendable () -> Void)?
            @Loop func foo() async throws {
                out.print("foo waiting")
                join = startThread {
                    usleep(100_000)
                    Loop.callSoonThreadsafe {
                        out.print("asyncio still pending, unlocking event")
                        evt.value.set()
                    }
                }
                try await evt.value.wait()
                out.print("foo done")
            }
            out.print("main started")
            try await foo()
            out.print("main done")
            join?()
        }
    }

    @Test("asyncio_iterator_event.py") func iteratorEvent() throws {
        /// An async sequence fed by `fetchData`, ending when it gets nil.
        @Loop final class AsyncIterable: AsyncSequence, AsyncIteratorProtocol {
            var message: String?
            let evt = Event()
            nonisolated func makeAsyncIterator() -> AsyncIterable { self }
            func next() async throws -> String? {
                try await evt.wait()
                evt.clear()
                return message
            }
            func fetchData(_ message: String?) {
                self.message = message
                evt.set()
            }
        }
        try expectTranscript("""
            bar 0
            bar 1
            bar 2
            good: asyncio iterator is still pending, exiting
            end main
            """) { out in
            let ai = AsyncIterable()
            createTask {
                for x in 0..<3 {
                    try await sleep(0.1)
                    ai.fetchData("bar \(x)")
                }
            }
            let join = startThread {
                usleep(500_000)
                Loop.callSoonThreadsafe {
                    out.print("good: asyncio iterator is still pending, exiting")
                    ai.fetchData(nil)
                }
            }
            for try await message in ai { out.print(message) }
            out.print("end main")
            join()
        }
    }
}

// MicroPython's tests/extmod/asyncio_{queue,queue_cancel}.py (from the pull
// request that adds `asyncio.Queue`; no `.exp` file, so CPython 3.13's output).

@Suite("MicroPython conformance: Queue", .serialized, .timeLimit(.minutes(1)))
struct QueueConformanceTests {
    @Test("asyncio_queue.py") func queue() throws {
        try expectTranscript("""
            0 True False
            3 False False
            1 2 3
            0 True False
            QueueEmpty
            True
            QueueFull
            ----
            put 0
            put 1
            got 0
            got 1
            put 2
            put 3
            got 2
            got 3
            put 4
            got 4
            producer done
            ----
            getter 0 got a
            getter 1 got b
            getter 2 got c
            ----
            ValueError
            """) { out in
            @Loop func producer(_ q: Queue<Int>, _ n: Int) async throws {
                for i in 0..<n {
                    try await q.put(i)
                    out.print("put", i)
                }
                try await q.join()
                out.print("producer done")
            }
            @Loop func consumer(_ q: Queue<Int>, _ n: Int) async throws {
                for _ in 0..<n {
                    let v = try await q.get()
                    out.print("got", v)
                    try q.taskDone()
                }
            }
            var q = Queue<Int>()
            out.print(q.count, py(q.isEmpty), py(q.isFull))
            try q.putNowait(1)
            try q.putNowait(2)
            try q.putNowait(3)
            out.print(q.count, py(q.isEmpty), py(q.isFull))
            out.print(try q.getNowait(), try q.getNowait(), try q.getNowait())
            out.print(q.count, py(q.isEmpty), py(q.isFull))
            do { _ = try q.getNowait() } catch SynchronizationError.queueEmpty { out.print("QueueEmpty") }
            // A bounded queue.
            q = Queue(maxSize: 2)
            try q.putNowait(1)
            try q.putNowait(2)
            out.print(py(q.isFull))
            do { try q.putNowait(3) } catch SynchronizationError.queueFull { out.print("QueueFull") }
            // A producer may not run more than maxSize items ahead.
            out.print("----")
            q = Queue(maxSize: 2)
            createTask { [q] in try await producer(q, 5) }
            try await consumer(q, 5)
            try await sleep(0)
            // Getters are served in the order they waited.
            out.print("----")
            let letters = Queue<String>()
            for i in 0..<3 {
                createTask {
                    let v = try await letters.get()
                    out.print("getter", i, "got", v)
                }
            }
            try await sleep(0)
            try await letters.put("a")
            try await letters.put("b")
            try await letters.put("c")
            try await sleep(0)
            // taskDone() once too often.
            out.print("----")
            q = Queue()
            try q.putNowait(1)
            _ = try q.getNowait()
            try q.taskDone()
            do { try q.taskDone() } catch SynchronizationError.taskDoneTooOften { out.print("ValueError") }
        }
    }

    @Test("asyncio_queue_cancel.py") func queueCancel() throws {
        try expectTranscript("""
            getter 0 start
            getter 1 start
            getter 2 start
            getter 1 cancel
            getter 0 got x
            getter 2 got y
            ----
            putter 0 start
            putter 1 start
            putter 2 start
            putter 1 cancel
            putter 0 done
            putter 2 done
            ----
            joiner 0 start
            joiner 1 start
            joiner 0 cancel
            joiner 1 done
            ----
            still works
            """) { out in
            @Loop func getter(_ i: Int, _ q: Queue<String>) async {
                out.print("getter", i, "start")
                do {
                    let v = try await q.get()
                    out.print("getter", i, "got", v)
                } catch {
                    out.print("getter", i, "cancel")
                }
            }
            @Loop func putter(_ i: Int, _ q: Queue<String>) async {
                out.print("putter", i, "start")
                do {
                    try await q.put("\(i)")
                    out.print("putter", i, "done")
                } catch {
                    out.print("putter", i, "cancel")
                }
            }
            @Loop func joiner(_ i: Int, _ q: Queue<String>) async {
                out.print("joiner", i, "start")
                do {
                    try await q.join()
                    out.print("joiner", i, "done")
                } catch {
                    out.print("joiner", i, "cancel")
                }
            }
            // A cancelled getter gives up its place.
            var q = Queue<String>()
            var t = [createTask { [q] in await getter(0, q) }, createTask { [q] in await getter(1, q) }, createTask { [q] in await getter(2, q) }]
            try await sleep(0)
            t[1].cancel()
            try await sleep(0)
            try await q.put("x")
            try await q.put("y")
            try await sleep(0)
            // A cancelled putter gives up its place.
            out.print("----")
            q = Queue(maxSize: 1)
            try q.putNowait("full")
            t = [createTask { [q] in await putter(0, q) }, createTask { [q] in await putter(1, q) }, createTask { [q] in await putter(2, q) }]
            try await sleep(0)
            t[1].cancel()
            try await sleep(0)
            _ = try q.getNowait()  // frees a slot for one waiting putter
            try await sleep(0)
            _ = try q.getNowait()  // frees a slot for the other waiting putter
            try await sleep(0)
            // A cancelled joiner does not affect the others.
            out.print("----")
            q = Queue()
            try q.putNowait("1")
            try q.putNowait("2")
            t = [createTask { [q] in await joiner(0, q) }, createTask { [q] in await joiner(1, q) }]
            try await sleep(0)
            t[0].cancel()
            try await sleep(0)
            _ = try q.getNowait()
            try q.taskDone()
            _ = try q.getNowait()
            try q.taskDone()
            try await sleep(0)
            // The queue still works.
            out.print("----")
            q = Queue()
            try q.putNowait("still works")
            out.print(try await q.get())
        }
    }
}

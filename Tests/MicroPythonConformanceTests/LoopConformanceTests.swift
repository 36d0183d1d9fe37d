import AsyncIO
import AsyncIOTestSupport
import Testing

// MicroPython's tests/extmod/asyncio_{set_exception_handler,micropython,loop_stop,
// new_event_loop,get_event_loop,heaplock,as_uasyncio}.py.

@Suite("MicroPython conformance: the loop", .serialized, .timeLimit(.minutes(1)))
struct LoopConformanceTests {
    @Test("asyncio_set_exception_handler.py") func setExceptionHandler() throws {
        try expectTranscript("""
            None
            True
            sleep
            custom_handler ValueError(0, 1)
            sleep
            custom_handler ValueError(1, 2)
            custom_handler ValueError(2, 3)
            ValueError(3, 4)
            done
            """) { out in
            @Loop func task(_ i: Int) async throws {
                throw ValueError(args: "\(i), \(i + 1)")
            }
            // Swift closures have no identity to compare, so "== custom_handler" is "is set".
            out.print(Loop.getExceptionHandler() == nil ? "None" : "a handler")
            Loop.setExceptionHandler { context in out.print("custom_handler", context.error.map(pyRepr) ?? "") }
            defer { Loop.setExceptionHandler(nil) }
            out.print(py(Loop.getExceptionHandler() != nil))
            // A task that fails with nobody awaiting it.
            createTask { try await task(0) }
            out.print("sleep")
            for _ in 0..<2 { try await sleep(0) }
            // Two such tasks.
            createTask { try await task(1) }
            createTask { try await task(2) }
            out.print("sleep")
            for _ in 0..<2 { try await sleep(0) }
            // A failing task that is awaited: its error is not reported.
            let t = createTask { try await task(3) }
            try await sleep(0)
            do { try await t.value } catch { out.print(pyRepr(error)) }
            out.print("done")
        }
    }

    /// MicroPython's `sleep_ms` beyond half its ticks period raises
    /// OverflowError; here every duration is valid and a long one simply sleeps
    /// (until cancelled), so that line reads differently
    /// (docs/coming-from-micropython.md).
    @Test("asyncio_micropython.py") func microPythonExtensions() throws {
        try expectTranscript("""
            True
            still sleeping after 10 ms
            task start 1
            task end 1
            2
            task start 2
            timeout
            finish
            """) { out in
            @Loop func task(_ id: Int, _ t: Int) async throws -> Int {
                out.print("task start", id)
                try await sleepMs(t)
                out.print("task end", id)
                return id * 2
            }
            // sleep_ms sleeps for about the time asked.
            let t0 = ContinuousClock.now
            try await sleepMs(1)
            out.print(py(ContinuousClock.now - t0 < .milliseconds(100)))
            // MicroPython's ticks_add(0, -1) // 2 + 1 milliseconds.
            do {
                try await waitForMs({ try await sleepMs(536_870_912) }, 10)
            } catch is TimeoutError {
                out.print("still sleeping after 10 ms")
            }
            // wait_for_ms.
            out.print(try await waitForMs({ try await task(1, 5) }, 50))
            do { out.print(try await waitForMs({ try await task(2, 50) }, 5)) } catch is TimeoutError { out.print("timeout") }
            out.print("finish")
        }
    }

    /// `loop.create_task(main())` before the loop runs is a first, short
    /// `Loop.runUntilComplete` here (`createTask` is `@Loop`): it creates the
    /// task and returns before the task runs.
    @Test("asyncio_loop_stop.py") func loopStop() throws {
        let out = Transcript()
        try Loop.runUntilComplete {
            _ = createTask {
                out.print("start")
                // Stop twice: the loop stops once.
                Loop.stop()
                Loop.stop()
                out.print("sleep")
                try await sleep(0)
                // Stop, then create a task: the loop stops before it runs.
                Loop.stop()
                createTask { out.print("task") }
                try await sleep(0)
                out.print("end")
                Loop.stop()
            }
        }
        for i in 0..<3 {
            out.print("run", i)
            try Loop.runForever()
        }
        out.expect("""
            run 0
            start
            sleep
            run 1
            run 2
            task
            end
            """)
        // Nothing is left but the task that counts.
        #expect(try Loop.runUntilComplete { try Loop.statistics().tasks } == 1)
    }

    /// MicroPython's `new_event_loop()` drops the old loop's pending tasks;
    /// here `Loop.close()` cancels them and lets them finish, and the next run
    /// starts empty, which is the same for the program.
    @Test("asyncio_new_event_loop.py") func newEventLoop() throws {
        let out = Transcript()
        for _ in 0..<2 {
            try Loop.runUntilComplete {
                _ = createTask {
                    out.print("start")
                    createTask {
                        for i in 0..<4 {
                            out.print("task", i)
                            try await sleep(0)
                            try await sleep(0)
                        }
                    }
                    try await sleep(0)  // yields, so the new task runs once
                    out.print("stop")
                    Loop.stop()
                }
            }
            try Loop.runForever()
            try Loop.close()
        }
        out.expect("""
            start
            task 0
            stop
            start
            task 0
            stop
            """)
        // Nothing is left but the task that counts.
        #expect(try Loop.runUntilComplete { try Loop.statistics().tasks } == 1)
    }

    @Test("asyncio_get_event_loop.py") func getEventLoop() throws {
        let out = Transcript()
        try Loop.runUntilComplete {
            out.print("start")
            try await sleep(0.01)
            out.print("end")
        }
        out.expect("""
            start
            end
            """)
    }

    /// MicroPython's part of this test checks that scheduling, `sleep_ms` and
    /// `StreamWriter.write` allocate nothing while the heap is locked; Swift
    /// has no heap lock, and a stream here is a socket, not a Python object
    /// with a `write` method. The scheduling order is checked as it is; the
    /// writes, to a blocked and then to an open peer, arrive whole and in order.
    @Test("asyncio_heaplock.py") func heapLock() throws {
        try expectTranscript("""
            start
            1 0
            2 0
            sleep
            1 1
            1 2
            2 1
            1 3
            finish
            received b'123456'
            """) { out in
            @Loop func task(_ id: Int, _ n: Int, _ t: Int) async throws {
                for i in 0..<n {
                    out.print(id, i)
                    try await sleepMs(t)
                }
            }
            createTask { try await task(1, 4, 100) }
            createTask { try await task(2, 2, 250) }
            out.print("start")
            try await sleepMs(5)
            out.print("sleep")
            try await sleepMs(350)
            out.print("finish")
            let received = Future<[UInt8]>()
            let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
                var bytes: [UInt8] = []
                while case let chunk = try await stream.read(), !chunk.isEmpty { bytes += chunk }
                _ = received.resolve(bytes)
            }
            let stream = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
            try stream.write([UInt8]("12".utf8))
            try stream.write([UInt8]("34".utf8))
            try stream.write([UInt8]("56".utf8))
            try await stream.drain()
            stream.close()
            try await stream.waitClosed()
            out.print("received b'\(String(decoding: try await received.value, as: UTF8.self))'")
            server.close()
            try await server.waitClosed()
        }
    }

    /// MicroPython checks that the names it documents exist under `uasyncio`
    /// too. Here the module is `AsyncIO`, and each name's counterpart is
    /// referenced below, so this test is checked when it compiles.
    @Test("asyncio_as_uasyncio.py") func namesExist() throws {
        try expectTranscript("") { out in
            _ = CancellationError.self                     // CancelledError
            _ = createTask as (String?, sending @escaping @isolated(any) () async throws -> Int) -> TaskHandle<Int>
            _ = currentTask                                // current_task
            _ = Event.self
            _ = Lock.self
            _ = Loop.self                                  // Loop, get_event_loop
            _ = TaskHandle<Int>.self                       // Task
            _ = ThreadSafeFlag.self
            _ = SocketStream.self                          // StreamReader, StreamWriter
            _ = Server.self
            let gatherTwo: (TaskHandle<Int>, TaskHandle<Int>) async throws -> (Int, Int) = { try await gather($0, $1) }
            let waitForOne: (TaskHandle<Int>, Duration?) async throws -> Int = { try await waitFor($0, timeout: $1) }
            let open: (String, Int) async throws -> SocketStream = { try await openConnection(host: $0, port: $1) }
            let serve: (String, Int) async throws -> Server = { try await startServer(host: $0, port: $1) { _ in } }
            let sleepSeconds: (Double) async throws -> Void = { try await sleep($0) }
            let sleepMilliseconds: (Int) async throws -> Void = { try await sleepMs($0) }
            let runOne: (@escaping @Loop () async throws -> Int) throws -> Int = { try AsyncIO.run($0) }
            let runUntil: (@escaping @Loop () async throws -> Int) throws -> Int = { try Loop.runUntilComplete($0) }
            _ = (gatherTwo, waitForOne, open, serve, sleepSeconds, sleepMilliseconds, runOne, runUntil, out)
        }
    }
}

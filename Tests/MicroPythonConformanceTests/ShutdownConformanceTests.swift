@_spi(LowLevel) import AsyncIO
import AsyncIOTestSupport
import Synchronization
import Testing

// The tests of MicroPython's pull request 15715 (`all_tasks`, and cleanup of
// the tasks left when `asyncio.run` ends): tests/extmod/asyncio_all_tasks.py and
// asyncio_shutdown.py, against CPython 3.13's output (they have no `.exp`).
// MicroPython's `StreamReader().read()` on standard input is a read on a pipe
// that nobody writes to here.

/// Waits in a read on a pipe nobody writes to, until cancelled.
@Loop
private func readForever(_ pipe: TestPipe) async throws {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
    defer { buffer.deallocate() }
    _ = try await RawIO.read(fd: pipe.readFD, into: buffer)
}

/// The `finished` list of the original: what the tasks' cleanup recorded, printed sorted.
private final class Finished: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    func clear() { names.withLock { $0.removeAll() } }
    var sortedLine: String { names.withLock { $0.sorted().joined(separator: " ") } }
}

@Suite("MicroPython conformance: all_tasks and shutdown", .serialized, .timeLimit(.minutes(1)))
struct ShutdownConformanceTests {
    @Test("asyncio_all_tasks.py") func allTasksConformance() throws {
        let out = Transcript()
        let pipe = TestPipe()
        @Loop func printAllTasks() { out.print("[" + allTasks().map { _ in "'T'" }.joined(separator: ", ") + "]") }
        try AsyncIO.run { printAllTasks() }
        try AsyncIO.run {
            let t1 = createTask { try await readForever(pipe) }
            let t2 = createTask { try await readForever(pipe) }
            printAllTasks()
            #expect(allTasks().contains(t1) && allTasks().contains(t2))
        }
        try AsyncIO.run {
            let t1 = createTask { try await sleep(1) }
            try await sleep(0)
            let t2 = createTask { try await sleep(1) }
            try await sleep(0)
            let t3 = createTask { try await sleep(0.01) }
            #expect(allTasks().contains(t1) && allTasks().contains(t2))
            printAllTasks()
            try await t3.value
            #expect(allTasks().contains(t1) && allTasks().contains(t2) && !allTasks().contains(t3))
        }
        out.expect("""
            ['T']
            ['T', 'T', 'T']
            ['T', 'T', 'T', 'T']
            """)
    }

    /// Swift has no KeyboardInterrupt or SystemExit: here they are errors the
    /// main task throws, which `run` rethrows after cleaning up the other tasks.
    @Test("asyncio_shutdown.py") func tasksLeftAtTheEndOfRunAreCleanedUp() throws {
        struct KeyboardInterrupt: Error {}
        struct SystemExit: Error {}
        let out = Transcript()
        let finished = Finished()
        let pipe = TestPipe()
        @Loop func task(_ name: String) async throws {
            defer { finished.append("\(name) finished") }
            try await sleep(1)
        }
        @Loop func reader() async throws {
            defer { finished.append("reader finished") }
            try await readForever(pipe)
        }
        // The main task raises KeyboardInterrupt.
        do {
            finished.clear()
            try AsyncIO.run {
                createTask { try await task("task1") }
                try await sleep(0)
                createTask { try await task("task2") }
                try await sleep(0.01)
                throw KeyboardInterrupt()
            }
        } catch is KeyboardInterrupt {
            out.print("KeyboardInterrupt raised")
        }
        out.print(finished.sortedLine)
        // The main task is cancelled.
        do {
            finished.clear()
            try AsyncIO.run {
                createTask { try await task("task1") }
                try await sleep(0)
                createTask { try await task("task2") }
                let main = try currentTask()
                createTask {
                    try await sleep(0.01)
                    main.cancel()
                }
                try await sleep(0.02)
            }
        } catch is CancellationError {
            out.print("CancelledError raised")
        }
        out.print(finished.sortedLine)
        // Cancelling a background waiting task raises nothing.
        out.print("---")
        finished.clear()
        try AsyncIO.run {
            let t1 = createTask { try await task("task1") }
            try await sleep(0)
            let t2 = createTask { try await task("task2") }
            try await sleep(0.01)
            t1.cancel()
            t2.cancel()
            try await sleep(0.01)
        }
        out.print(finished.sortedLine)
        // Cancelling a background task waiting for I/O raises nothing (twice, as the original).
        for _ in 0..<2 {
            out.print("---")
            finished.clear()
            try AsyncIO.run {
                let t1 = createTask { try await task("task1") }
                try await sleep(0)
                let t2 = createTask { try await reader() }
                try await sleep(0.01)
                t1.cancel()
                t2.cancel()
                try await sleep(0.01)
            }
            out.print(finished.sortedLine)
        }
        // The main task raises SystemExit.
        do {
            finished.clear()
            try AsyncIO.run {
                createTask { try await task("task1") }
                try await sleep(0)
                createTask { try await task("task2") }
                try await sleep(0.01)
                throw SystemExit()
            }
        } catch is SystemExit {
            out.print("SystemExit raised")
        }
        out.expect("""
            KeyboardInterrupt raised
            task1 finished task2 finished
            CancelledError raised
            task1 finished task2 finished
            ---
            task1 finished task2 finished
            ---
            reader finished task1 finished
            ---
            reader finished task1 finished
            SystemExit raised
            """)
    }
}

import AsyncIO
import AsyncIOTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

// The tests of MicroPython's pull requests for threads and for a low-latency
// ThreadSafeFlag: tests/extmod/asyncio_threads.py (18329) and
// tests/extmod/asyncio_threadsafeflag_lowlatency.py (18826).

@Suite("MicroPython conformance: threads", .serialized, .timeLimit(.minutes(1)))
struct ThreadsConformanceTests {
    @Test("asyncio_threads.py") func toThreadRunsBesideTheLoop() throws {
        try expectTranscript("""
            A
            X
            B
            Z
            C
            42
            finish
            """) { out in
            let t = createTask {
                try await toThread { () -> Int in
                    out.print("A")
                    usleep(50_000)
                    out.print("B")
                    usleep(50_000)
                    out.print("C")
                    return 42
                }
            }
            try await sleepMs(25)
            out.print("X")
            try await sleepMs(50)
            out.print("Z")
            out.print(try await t.value)
            out.print("finish")
        }
    }

    /// MicroPython's hard timer interrupt is a thread that sleeps, then sets
    /// the flag; ten tasks keep the loop busy, each blocking it for 5 ms per turn.
    @Test("asyncio_threadsafeflag_lowlatency.py") func priorityWaitIsLowLatency() throws {
        try expectTranscript("""
            0 OK <10000
            1 OK <10000
            2 OK <10000
            3 OK <10000
            4 OK <10000
            """, timeout: .seconds(30)) { out in
            /// A one-shot timer whose "interrupt" sets a flag a task waits on with priority.
            @Loop func millisecondTimer(_ ms: Int) async throws {
                let flag = ThreadSafeFlag()
                let join = startThread {
                    usleep(useconds_t(ms * 1000))
                    flag.set()
                }
                defer { join() }
                try await flag.wait(priority: true)
            }
            let errLimitMicroseconds = 10_000
            let blockers = (0..<10).map { _ in
                createTask {
                    while true {
                        usleep(5_000)  // blocks the loop, as time.sleep_ms(5) does
                        try await sleepMs(0)
                    }
                }
            }
            for x in 0..<5 {
                let t0 = ContinuousClock.now
                try await millisecondTimer(100)
                let dt = ContinuousClock.now - t0
                let errMicroseconds = Int(dt.components.seconds) * 1_000_000 + Int(dt.components.attoseconds / 1_000_000_000_000) - 100_000
                if 0 <= errMicroseconds && errMicroseconds < errLimitMicroseconds {
                    out.print("\(x) OK <\(errLimitMicroseconds)")
                } else {
                    out.print("\(x) FAIL \(errMicroseconds)")
                }
            }
            for blocker in blockers { blocker.cancel() }
        }
    }
}

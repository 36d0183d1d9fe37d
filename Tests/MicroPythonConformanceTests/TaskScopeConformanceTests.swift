import AsyncIO
import AsyncIOTestSupport
import Testing

// tests/extmod/asyncio_taskgroup.py of MicroPython's pull request 8791 (CPython's
// TaskGroup), against its `.exp`. `asyncio.TaskGroup` is `withTaskScope` here;
// a single failure is thrown as itself and several as `TaskScopeError.failed`
// (CPython's ExceptionGroup), so each `except ZeroDivisionError` /
// `except ExceptionGroup: split` pair of the original becomes one check.

private struct ZeroDivisionError: Error, CustomStringConvertible {
    var description: String { "divide by zero" }
}
private struct MyExc: Error {}
private struct KeyboardInterrupt: Error {}
private struct TypeError: Error {}

/// True if `error` is an `E`, or a group made only of `E`s (`exc.split(E)` with nothing left).
private func consists<E: Error>(of _: E.Type, _ error: any Error) -> Bool {
    if error is E { return true }
    if case TaskScopeError.failed(let errors) = error { return errors.allSatisfy { $0 is E } }
    return false
}

/// True if `error` is an `E` or a group holding one.
private func contains<E: Error>(_: E.Type, _ error: any Error) -> Bool {
    if error is E { return true }
    if case TaskScopeError.failed(let errors) = error { return errors.contains { $0 is E } }
    return false
}

@Suite("MicroPython conformance: TaskGroup", .serialized, .timeLimit(.minutes(1)))
struct TaskScopeConformanceTests {
    @Test("asyncio_taskgroup.py") func taskGroup() throws {
        try expectTranscript("""
            --- 01
            T1 42
            T2 11
            --- 02
            T1 42
            T2 11
            --- 03
            T1 0
            T2 11
            --- 04
            ZERO
            NUM 0
            T2C True
            --- 05
            ZERO
            NUM 0
            T2 True
            RUN True
            --- 06
            D False
            CANCEL
            NUM 5
            --- 07
            D False
            CANCEL
            NUM 15
            --- 08
            Not handled: divide by zero
            D True
            ZERO
            --- 09
            ZERO
            T1 0
            T2 0
            --- 10
            ZERO
            T1 0
            T2 0
            --- 11
            Not handled: divide by zero
            D True
            ZERO
            --- 12
            Not handled: divide by zero
            R True
            ZERO
            --- 13
            E1
            VAL
            --- 14
            VAL
            --- 15
            R False
            ZERO
            --- 16
            R False
            ZERO
            --- 17
            R False
            CANCEL
            NUM 10
            --- 18
            R False
            EXC
            NUM 10
            --- 19
            EXC OK
            --- 20
            KBD
            --- 21
            KBD
            --- 22
            Cancelled
            T1 0
            T2 0
            --- 23
            END 0
            --- 24
            VAL
            VAL
            VAL
            --- END
            """, timeout: .seconds(40)) { out in
            Loop.setExceptionHandler { context in out.print("Not handled:", context.error.map { "\($0)" } ?? "") }
            defer { Loop.setExceptionHandler(nil) }
            // Prints what awaiting `r` gave, as the original's except clauses do.
            @Loop func report(_ r: AnyTaskHandle, zero: Bool = true) async {
                do { try await r.waitUntilDone() } catch is CancellationError {
                    out.print("CANCEL")
                } catch where zero && consists(of: ZeroDivisionError.self, error) {
                    out.print("ZERO")
                } catch {
                    out.print("unexpected", error)
                }
            }
            @Loop func crash(after t: Double) async throws {
                try await sleep(t)
                throw ZeroDivisionError()
            }

            out.print("--- 01")
            do {
                var (t1, t2) = (0, 0)
                try await withTaskScope { g in
                    try g.createTask { try await sleep(0.1); t1 = 42 }
                    try g.createTask { try await sleep(0.2); t2 = 11 }
                }
                out.print("T1", t1)
                out.print("T2", t2)
            }
            out.print("--- 02")
            do {
                var (t1, t2) = (0, 0)
                try await withTaskScope { g in
                    try g.createTask { try await sleep(0.1); t1 = 42 }
                    try await sleep(0.15)
                    try g.createTask { try await sleep(0.2); t2 = 11 }
                }
                out.print("T1", t1)
                out.print("T2", t2)
            }
            out.print("--- 03")
            do {
                var (t1, t2) = (0, 0)
                try await withTaskScope { g in
                    let task1 = try g.createTask { try await sleep(1); t1 = 42 }
                    try await sleep(0.15)
                    // Cancelling a task explicitly: everything else goes on.
                    task1.cancel()
                    try g.createTask { try await sleep(0.2); t2 = 11 }
                }
                out.print("T1", t1)
                out.print("T2", t2)
            }
            out.print("--- 04")
            do {
                var num = 0
                var t2Cancel = false
                let runner = createTask {
                    try await withTaskScope { g in
                        try g.createTask { try await crash(after: 0.1) }
                        try g.createTask {
                            do { try await sleep(1) } catch { t2Cancel = true; throw error }
                            num += 1
                        }
                    }
                    num += 10
                }
                await report(runner)
                out.print("NUM", num)
                out.print("T2C", py(t2Cancel))
            }
            out.print("--- 05")
            do {
                var num = 0
                var t2Cancel = false
                var runnerCancel = false
                let runner = createTask {
                    try await withTaskScope { g in
                        for _ in 0..<3 { try g.createTask { try await crash(after: 0.1) } }
                        try g.createTask {
                            do { try await sleep(5) } catch { t2Cancel = true; throw error }
                            num += 1
                        }
                        do { try await sleep(10) } catch let error as CancellationError { runnerCancel = true; throw error }
                    }
                    num += 10
                }
                await report(runner)
                out.print("NUM", num)
                out.print("T2", py(t2Cancel))
                out.print("RUN", py(runnerCancel))
            }
            out.print("--- 06")
            do {
                var num = 0
                let r = createTask {
                    try await withTaskScope { g in
                        for _ in 0..<5 {
                            try g.createTask {
                                do { try await sleep(5) } catch let error as CancellationError { num += 1; throw error }
                            }
                        }
                    }
                }
                try await sleep(0.1)
                out.print("D", py(r.isDone))
                r.cancel()
                await report(r)
                out.print("NUM", num)
            }
            out.print("--- 07")
            do {
                var num = 0
                let r = createTask {
                    try await withTaskScope { g in
                        for _ in 0..<5 {
                            try g.createTask {
                                do { try await sleep(5) } catch let error as CancellationError { num += 1; throw error }
                            }
                        }
                        do { try await sleep(10) } catch let error as CancellationError { num += 10; throw error }
                    }
                }
                try await sleep(0.1)
                out.print("D", py(r.isDone))
                r.cancel()
                await report(r, zero: false)
                out.print("NUM", num)
            }
            out.print("--- 08")
            do {
                // "Not handled": the runner fails while nobody awaits it, so the
                // loop reports its error, as MicroPython's does (CPython would not,
                // and the original prints the line itself there).
                let r = createTask {
                    try await withTaskScope { g in
                        for _ in 0..<5 { try g.createTask { try await crash(after: 0.1) } }
                        try await sleep(10)
                    }
                }
                try await sleep(0.2)
                out.print("D", py(r.isDone))
                r.cancel()
                await report(r)
            }
            for test in ["09", "10"] {
                out.print("---", test)
                var (t1, t2) = (0, 0)
                do {
                    try await withTaskScope { g in
                        try g.createTask { try await sleep(1); t1 = 42 }
                        try g.createTask { try await sleep(2); t2 = 11 }
                        if test == "09" { try await sleep(0.1) }
                        throw ZeroDivisionError()
                    }
                } catch where consists(of: ZeroDivisionError.self, error) {
                    out.print("ZERO")
                }
                out.print("T1", t1)
                out.print("T2", t2)
            }
            out.print("--- 11")
            do {
                let r = createTask {
                    try await withTaskScope { _ in
                        try await withTaskScope { g2 in
                            for _ in 0..<5 { try g2.createTask { try await crash(after: 0.1) } }
                            try await sleep(10)
                        }
                    }
                }
                try await sleep(0.2)
                out.print("D", py(r.isDone))
                r.cancel()
                await report(r)
            }
            out.print("--- 12")
            do {
                let r = createTask {
                    try await withTaskScope { g1 in
                        try g1.createTask { try await sleep(10) }
                        try await withTaskScope { g2 in
                            for _ in 0..<5 { try g2.createTask { try await crash(after: 0.1) } }
                            try await sleep(10)
                        }
                    }
                }
                try await sleep(0.2)
                out.print("R", py(r.isDone))
                r.cancel()
                await report(r)
            }
            @Loop func crashValue(after t: Double) async throws {
                try await sleep(t)
                throw ValueError(args: "\(t)")
            }
            out.print("--- 13")
            do {
                let r = createTask {
                    try await withTaskScope { g1 in
                        try g1.createTask { try await crashValue(after: 0.1) }
                        try await withTaskScope { g2 in
                            try g2.createTask { try await crashValue(after: 0.2) }
                            out.print("E1")
                        }
                        out.print("E2")
                    }
                    out.print("E3")
                }
                do { try await r.waitUntilDone() } catch is CancellationError {
                    out.print("CANCEL")
                } catch where consists(of: ValueError.self, error) {
                    out.print("VAL")
                }
            }
            out.print("--- 14")
            do {
                let r = createTask {
                    try await withTaskScope { g1 in
                        try g1.createTask { try await crashValue(after: 0.2) }
                        try await withTaskScope { g2 in
                            try g2.createTask { try await crashValue(after: 0.1) }
                        }
                    }
                }
                do { try await r.waitUntilDone() } catch where consists(of: ValueError.self, error) { out.print("VAL") }
            }
            out.print("--- 15")
            do {
                let r = createTask {
                    try await withTaskScope { g1 in
                        try g1.createTask { try await crash(after: 0.3) }
                        do { try await sleep(10) } catch let error as CancellationError {
                            try await sleep(0.5)  // cleanup that awaits, in a cancelled task
                            throw error
                        }
                    }
                }
                try await sleep(0.1)
                out.print("R", py(r.isDone))
                r.cancel()
                await report(r)
            }
            out.print("--- 16")
            do {
                let r = createTask {
                    let t = createTask {
                        try await withTaskScope { g1 in
                            try g1.createTask { try await crash(after: 0.3) }
                            do { try await sleep(10) } catch let error as CancellationError {
                                try await sleep(0.5)
                                throw error
                            }
                        }
                    }
                    try await t.value
                }
                try await sleep(0.1)
                out.print("R", py(r.isDone))
                r.cancel()
                await report(r)
            }
            out.print("--- 17")
            do {
                var num = 0
                let r = createTask {
                    try await withTaskScope { _ in
                        do { try await sleep(10) } catch let error as CancellationError { num += 10; throw error }
                    }
                }
                try await sleep(0.1)
                out.print("R", py(r.isDone))
                r.cancel()
                await report(r, zero: false)
                out.print("NUM", num)
            }
            out.print("--- 18")
            do {
                var num = 0
                let r = createTask {
                    try await withTaskScope { _ in
                        do { try await sleep(10) } catch is CancellationError {
                            num += 10
                            throw MyExc()  // not a good idea, but it must work
                        }
                    }
                }
                try await sleep(0.1)
                out.print("R", py(r.isDone))
                r.cancel()
                do { try await r.waitUntilDone() } catch where consists(of: MyExc.self, error) { out.print("EXC") }
                out.print("NUM", num)
            }
            out.print("--- 19")
            do {
                let r = createTask {
                    try await withTaskScope { g in
                        try g.createTask { try await crash(after: 0.1) }
                        do { try await sleep(10) } catch { throw MyExc() }  // `finally: raise MyExc`
                    }
                }
                do { try await r.waitUntilDone() } catch TaskScopeError.failed { out.print("EXC OK") }
            }
            // 20 and 21: Python's KeyboardInterrupt is a BaseException that a
            // TaskGroup lets through as itself; Swift has no such class of error,
            // so the check is that the interrupt comes out of the scope at all.
            out.print("--- 20")
            do {
                try await withTaskScope { g in
                    try g.createTask { try await crash(after: 0.1) }
                    do { try await sleep(10) } catch { throw KeyboardInterrupt() }
                }
            } catch where contains(KeyboardInterrupt.self, error) {
                out.print("KBD")
            }
            out.print("--- 21")
            do {
                try await withTaskScope { g in
                    try g.createTask {
                        try await sleep(0.1)
                        throw KeyboardInterrupt()
                    }
                    do { try await sleep(10) } catch { throw TypeError() }
                }
            } catch where contains(KeyboardInterrupt.self, error) {
                out.print("KBD")
            }
            out.print("--- 22")
            do {
                var (t1, t2) = (0, 0)
                let r = createTask {
                    try await withTaskScope { g in
                        try g.createTask { try await sleep(1); t1 = 42 }
                        try g.createTask { try await sleep(2); t2 = 11 }
                    }
                }
                try await sleep(0.05)
                r.cancel()
                do { try await r.waitUntilDone() } catch is CancellationError { out.print("Cancelled") }
                out.print("T1", t1)
                out.print("T2", t2)
            }
            out.print("--- 23")
            try await withTaskScope { g in
                for count in 0..<10 {
                    try await sleep(0.1)
                    try g.createTask { try await sleep(0.3) }
                    if count == 5 && g.taskCount >= 5 { out.print("FAIL") }
                }
                try await sleep(1.35)
                out.print("END", g.taskCount)
            }
            out.print("--- 24")
            @Loop func die() async throws {
                try await sleep(0.1)
                throw ValueError()
            }
            for part in 0..<3 {
                do {
                    try await withTaskScope { g in
                        try g.createTask { try await die() }
                        if part == 2 { try g.createTask { try await sleep(0.3) } }
                        if part > 0 { try await sleep(0.2) }
                    }
                    out.print("NO")
                } catch is CancellationError {
                    out.print("CANC")
                } catch is ValueError {
                    out.print("VAL")
                }
            }
            out.print("--- END")
        }
    }
}

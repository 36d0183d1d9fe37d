import AsyncIO
import AsyncIOTestSupport
import Testing

struct Failure: Error, Equatable { var code: Int }

@Suite("Exception handler", .serialized, .timeLimit(.minutes(1)))
struct ExceptionHandlerTests {
    @Test func anUnretrievedFailureReachesTheHandlerExactlyOnce() throws {
        let seen = Recorder<String>()
        try runLoopTest {
            Loop.setExceptionHandler { context in
                seen.append("\(context.message)|\(context.task?.name ?? "-")|\(context.error.map { "\($0)" } ?? "-")")
            }
            defer { Loop.setExceptionHandler(nil) }
            createTask(name: "lost") { throw Failure(code: 1) }
            try await sleepMs(20)
        }
        #expect(seen.values == ["Task exception wasn't retrieved|lost|Failure(code: 1)"])
    }

    @Test func anAwaitedFailureIsNotReported() throws {
        let seen = Recorder<String>()
        try runLoopTest {
            Loop.setExceptionHandler { seen.append($0.message) }
            defer { Loop.setExceptionHandler(nil) }
            let t = createTask { () async throws -> Int in throw Failure(code: 2) }
            await #expect(throws: Failure(code: 2)) { try await t.value }
            // Awaited after it failed, but within the same pass: still retrieved in time.
            let u = createTask { () async throws -> Int in throw Failure(code: 3) }
            try await sleepMs(0)
            await #expect(throws: Failure(code: 3)) { try await u.value }
            try await sleepMs(10)
        }
        #expect(seen.values.isEmpty)
    }

    @Test func cancellationIsNeverReported() throws {
        let seen = Recorder<String>()
        try runLoopTest {
            Loop.setExceptionHandler { seen.append($0.message) }
            defer { Loop.setExceptionHandler(nil) }
            let t = createTask { try await sleep(10) }
            try await sleepMs(1)
            t.cancel()
            try await sleepMs(10)
        }
        #expect(seen.values.isEmpty)
    }

    @Test func getAndCallUseTheInstalledHandler() throws {
        let seen = Recorder<String>()
        try runLoopTest {
            #expect(Loop.getExceptionHandler() == nil)
            Loop.setExceptionHandler { seen.append($0.message) }
            #expect(Loop.getExceptionHandler() != nil)
            Loop.callExceptionHandler(ExceptionContext(message: "custom"))
            Loop.setExceptionHandler(nil)
            // The default handler logs; it must not crash or call the old handler.
            Loop.defaultExceptionHandler(ExceptionContext(message: "to the log"))
            Loop.callExceptionHandler(ExceptionContext(message: "default again"))
        }
        #expect(seen.values == ["custom"])
    }
}

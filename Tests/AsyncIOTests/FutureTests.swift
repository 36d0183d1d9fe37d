import AsyncIO
import AsyncIOTestSupport
import Testing

/// The custom-awaitable recipe of docs/06-custom-async-objects.md, tested.
@Loop final class Thermometer {
    private var next = Future<Double>()
    private(set) var delivered = 0

    /// Awaits the next reading.
    func reading() async throws -> Double { try await next.value }

    /// Called by the driver side when a sample arrives.
    func deliver(_ celsius: Double) {
        next.resolve(celsius)
        next = Future()
        delivered += 1
    }
}

@Suite("Future and custom awaitables", .serialized, .timeLimit(.minutes(1)))
struct FutureTests {
    @Test func everyWaiterGetsTheValueAndLateAwaitsReturnAtOnce() throws {
        try runLoopTest {
            let future = Future<Int>()
            let waiters = (0..<3).map { _ in createTask { try await future.value } }
            try await sleepMs(1)
            #expect(future.resolve(42))
            #expect(!future.resolve(43), "a future resolves once")
            let values = try await gather(waiters)
            #expect(values == [42, 42, 42])
            let late = try await future.value
            #expect(late == 42)
        }
    }

    @Test func failureReachesEveryWaiter() throws {
        struct SensorGone: Error {}
        try runLoopTest {
            let future = Future<Int>()
            let waiter = createTask { try await future.value }
            try await sleepMs(1)
            future.fail(SensorGone())
            await #expect(throws: SensorGone.self) { _ = try await waiter.value }
        }
    }

    @Test func aCancelledWaiterDoesNotAffectTheFutureOrOthers() throws {
        try runLoopTest {
            let future = Future<String>()
            let quitter = createTask { try await future.value }
            let stayer = createTask { try await future.value }
            try await sleepMs(1)
            quitter.cancel()
            await #expect(throws: CancellationError.self) { _ = try await quitter.value }
            future.resolve("ok")
            let value = try await stayer.value
            #expect(value == "ok")
        }
    }

    @Test func aTypeBuiltOnFutureIsAwaitableByManyTasks() throws {
        try runLoopTest {
            let thermometer = Thermometer()
            let readers = (0..<2).map { _ in createTask { try await thermometer.reading() } }
            createTask { try await sleepMs(2); thermometer.deliver(21.5) }
            let readings = try await gather(readers)
            #expect(readings == [21.5, 21.5])
            #expect(thermometer.delivered == 1)
        }
    }
}

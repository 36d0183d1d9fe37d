import AsyncIO
import AsyncIOTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `toThread`, `Loop.callSoon(Threadsafe)` and `ThreadSafeFlag.wait(priority:)`:
/// the bridges between the loop and other threads, and the ready queue's order.
@Suite("Thread bridges", .serialized, .timeLimit(.minutes(1)))
struct ThreadBridgeTests {
    @Test func toThreadReturnsThrowsAndRunsOffTheLoop() throws {
        struct Refused: Error {}
        try runLoopTest {
            let loopThread = currentThreadID()
            let thread = try await toThread { currentThreadID() }
            #expect(thread != loopThread)
            await #expect(throws: Refused.self) { try await toThread { throw Refused() } }
            // More calls than workers: they queue, and all finish.
            let results = try await gather((0..<64).map { i in createTask { try await toThread { usleep(1000); return i } } })
            #expect(results == Array(0..<64))
        }
    }

    @Test func aCancelledCallerStopsWaitingAtOnceAndTheThreadFinishes() throws {
        final class Done: Sendable {
            private let flag = Atomic<Bool>(false)
            var isSet: Bool { flag.load(ordering: .acquiring) }
            func set() { flag.store(true, ordering: .releasing) }
        }
        let done = Done()
        try runLoopTest {
            let caller = createTask {
                try await toThread {
                    usleep(100_000)
                    done.set()
                }
            }
            try await sleepMs(5)
            let start = ContinuousClock.now
            caller.cancel()
            await #expect(throws: CancellationError.self) { try await caller.value }
            #expect(ContinuousClock.now - start < .milliseconds(50))
            #expect(!done.isSet)
            // The loop keeps running; the thread's late result is dropped.
            while !done.isSet { try await sleepMs(5) }
            try await sleepMs(5)
        }
    }

    @Test func callSoonRunsBehindTheReadyTasksAndFromOtherThreads() throws {
        try runLoopTest {
            var order: [String] = []
            createTask { order.append("task ready before") }
            Loop.callSoon { order.append("callback") }
            createTask { order.append("task ready after") }
            try await sleep(0)
            try await sleep(0)
            #expect(order == ["task ready before", "callback", "task ready after"])
            let event = LoopHeld(Event())
            let join = startThread { Loop.callSoonThreadsafe { event.value.set() } }
            try await waitFor({ try await event.value.wait() }, timeout: .seconds(5))
            join()
        }
    }

    @Test func aPriorityWaiterRunsAheadOfTheReadyTasks() throws {
        try runLoopTest {
            let flag = ThreadSafeFlag()
            var order: [String] = []
            let plain = createTask { try await flag.wait(); order.append("plain waiter") }
            try await sleep(0)
            let urgent = createTask { try await flag.wait(priority: true); order.append("priority waiter") }
            try await sleep(0)
            // Two busy tasks keep the ready queue full; the flag is set from another thread.
            let busy = (0..<2).map { i in
                createTask {
                    for round in 0..<3 {
                        if round == 1 && i == 0 {
                            let join = startThread { flag.set() }
                            join()
                        }
                        usleep(2000)
                        order.append("busy \(i)")
                        try await sleep(0)
                    }
                }
            }
            _ = try await gather(busy)
            try await plain.value
            try await urgent.value
            // The priority waiter ran right after the job during which the flag was set,
            // ahead of busy 1; the plain one behind the tasks that were ready then.
            #expect(order == [
                "busy 0", "busy 1", "busy 0", "priority waiter", "busy 1", "busy 0", "plain waiter", "busy 1",
            ])
        }
    }
}

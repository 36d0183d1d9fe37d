import AsyncIO
import AsyncIOTestSupport
import Testing

/// Cancellation of waits through the task's slot (`createTask` tasks) and
/// through Swift's per-wait handler (every other task): ParkedWait.swift.
@Suite("Cancellation routes", .serialized, .timeLimit(.minutes(1)))
struct CancellationRouteTests {
    @Test func aTaskCancelledWhileRunningThrowsAtItsNextWaitOfEachKind() throws {
        try runLoopTest {
            let event = Event()
            let queue = Queue<Int>()
            let lock = Lock()
            try await lock.acquire()
            let waits: [@Loop () async throws -> Void] = [
                { try await event.wait() },
                { _ = try await queue.get() },
                { try await lock.acquire() },
                { try await sleepMs(10_000) },
            ]
            for wait in waits {
                let task = createTask {
                    #expect(try currentTask().cancel())
                    try await wait()
                }
                await #expect(throws: CancellationError.self) { try await task.value }
            }
            try lock.release()
            #expect(!lock.isLocked)
        }
    }

    @Test func aCancellationFromAnotherThreadReachesAParkedTask() throws {
        try runLoopTest {
            let event = Event()
            let queue = Queue<Int>()
            let waits: [@Loop () async throws -> Void] = [
                { try await event.wait() },
                { _ = try await queue.get() },
                { try await sleepMs(10_000) },
            ]
            for wait in waits {
                let parked = createTask { try await wait() }
                try await sleepMs(1)
                // Not a loop task (no preference for the loop): its cancellation
                // handler (forwarding to `parked`) runs on the thread that cancels it.
                let outer = Task { @Loop in try await parked.value }
                try await sleepMs(1)
                let join = startThread { outer.cancel() }
                await #expect(throws: CancellationError.self) { try await parked.value }
                join()
                await #expect(throws: CancellationError.self) { try await outer.value }
            }
            // Nothing is left parked: a later set and put find no waiter.
            event.set()
            try queue.putNowait(1)
            #expect(queue.count == 1)
        }
    }

    @Test func taskGroupChildrenUseTheirOwnHandlersAndAreCancelledWithTheGroup() throws {
        try runLoopTest {
            // Children share loop-bound values through `@Loop` state.
            let held = LoopHeld((event: Event(), queue: Queue<Int>()))
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask { await outcome("event") { try await held.value.event.wait() } }
                group.addTask { await outcome("queue") { _ = try await held.value.queue.get() } }
                group.addTask { await outcome("sleep") { try await sleepMs(10_000) } }
                try await sleepMs(2)
                group.cancelAll()
                var outcomes: [String] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes.sorted()
            }
            #expect(outcomes == ["event: cancelled", "queue: cancelled", "sleep: cancelled"])
        }
    }

    @Test func aWaiterGrantedThenCancelledByAnotherThreadStillHandsTheGrantOn() throws {
        try runLoopTest {
            let lock = Lock()
            try await lock.acquire()
            let first = createTask { try await lock.acquire() }
            let second = createTask {
                try await lock.acquire()
                try lock.release()
                return "second"
            }
            try await sleepMs(1)
            let outer = Task { @Loop in try await first.value }
            try await sleepMs(1)
            try lock.release()  // hands the lock to `first`, which has not run yet
            let join = startThread { outer.cancel() }
            join()
            await #expect(throws: CancellationError.self) { try await first.value }
            let secondValue = try await second.value
            #expect(secondValue == "second")
            #expect(!lock.isLocked)
        }
    }
}

/// "name: cancelled" if `wait` throws `CancellationError`, else "name: returned".
@Loop
private func outcome(_ name: String, _ wait: @Loop () async throws -> Void) async -> String {
    do {
        try await wait()
        return "\(name): returned"
    } catch {
        return error is CancellationError ? "\(name): cancelled" : "\(name): \(error)"
    }
}

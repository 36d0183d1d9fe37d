import AsyncIO
import AsyncIOTestSupport
import Testing
@testable import AsyncIO

@Suite("Event and Lock state machines (no loop)")
struct EventLockStateMachineTests {
    @Test func eventSetWakesAllWaitersInOrderAndWaitReturnsWhileSet() {
        var event = EventStateMachine<Int>()
        #expect(event.wait() == .suspend)
        event.enqueue(1)
        event.enqueue(2)
        event.enqueue(3)
        event.cancel(2)
        var woken: [Int] = []
        event.set { woken.append($0) }
        #expect(woken == [1, 3])
        #expect(event.wait() == .returnNow)
        event.clear()
        #expect(event.wait() == .suspend)
        #expect(event.waiterCount == 0)
    }

    @Test func lockHandsOffInFIFOOrderAndNewcomersQueue() throws {
        var lock = LockStateMachine<Int>()
        #expect(lock.acquire() == .acquired)
        #expect(lock.acquire() == .suspend)
        lock.enqueue(1)
        lock.enqueue(2)
        #expect(try lock.release() == .handOff(1))
        // Handed off: still locked, so a newcomer cannot barge in.
        #expect(lock.isLocked)
        #expect(lock.acquire() == .suspend)
        lock.enqueue(3)
        lock.cancel(2)
        #expect(try lock.release() == .handOff(3))
        #expect(try lock.release() == .unlocked)
        #expect(!lock.isLocked)
        #expect(throws: SynchronizationError.lockNotAcquired) { try lock.release() }
    }
}

@Loop final class Trace {
    var events: [String] = []
    func add(_ s: String) { events.append(s) }
}

@Suite("Event and Lock on the loop", .serialized, .timeLimit(.minutes(1)))
struct EventLockLoopTests {
    @Test func setWakesEveryWaiterAndWaitOnASetEventDoesNotYield() throws {
        try runLoopTest {
            let event = Event()
            let trace = Trace()
            let waiters = (1...3).map { i in createTask { try await event.wait(); trace.add("w\(i)") } }
            try await sleepMs(1)
            #expect(trace.events.isEmpty)
            event.set()
            for w in waiters { try await w.value }
            #expect(trace.events == ["w1", "w2", "w3"])
            // Already set: returns without letting another task run.
            let other = createTask { trace.add("other") }
            try await event.wait()
            trace.add("after wait")
            try await other.value
            #expect(trace.events.suffix(2) == ["after wait", "other"])
        }
    }

    @Test func aCancelledEventWaiterLeavesNoTrace() throws {
        try runLoopTest {
            let event = Event()
            let w = createTask { try await event.wait() }
            try await sleepMs(1)
            w.cancel()
            await #expect(throws: CancellationError.self) { try await w.value }
            event.set()
        }
    }

    @Test func aWaiterCancelledAfterSetButBeforeItRunsThrows() throws {
        try runLoopTest {
            let event = Event()
            let w = createTask { try await event.wait() }
            try await sleepMs(1)
            event.set()
            w.cancel()  // woken but not yet run
            await #expect(throws: CancellationError.self) { try await w.value }
        }
    }

    @Test func lockIsStrictFIFOAndNewcomersCannotBarge() throws {
        try runLoopTest {
            let lock = Lock()
            let trace = Trace()
            try await lock.acquire()
            let waiters = (1...3).map { i in
                createTask(name: "w\(i)") {
                    try await lock.withLock {
                        trace.add("w\(i)")
                        try await sleepMs(1)
                    }
                }
            }
            try await sleepMs(1)
            try lock.release()
            // A newcomer arriving during the hand-off queues behind the waiters.
            let newcomer = createTask { try await lock.withLock { trace.add("newcomer") } }
            for w in waiters { try await w.value }
            try await newcomer.value
            #expect(trace.events == ["w1", "w2", "w3", "newcomer"])
            #expect(!lock.isLocked)
        }
    }

    @Test func aWaiterCancelledAfterTheHandOffPassesTheLockOn() throws {
        try runLoopTest {
            let lock = Lock()
            let trace = Trace()
            try await lock.acquire()
            let first = createTask { try await lock.withLock { trace.add("first") } }
            let second = createTask { try await lock.withLock { trace.add("second") } }
            try await sleepMs(1)
            try lock.release()   // handed to `first`, which has not run yet
            first.cancel()
            await #expect(throws: CancellationError.self) { try await first.value }
            try await second.value
            #expect(trace.events == ["second"])
            #expect(!lock.isLocked)
        }
    }

    @Test func aWaiterCancelledWhileQueuedLeavesTheQueue() throws {
        try runLoopTest {
            let lock = Lock()
            try await lock.acquire()
            let waiter = createTask { try await lock.acquire() }
            try await sleepMs(1)
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            try lock.release()
            #expect(!lock.isLocked)
        }
    }

    @Test func releasingAnUnlockedLockIsAnError() throws {
        try runLoopTest {
            let lock = Lock()
            #expect(throws: SynchronizationError.lockNotAcquired) { try lock.release() }
            struct Oops: Error {}
            await #expect(throws: Oops.self) { try await lock.withLock { throw Oops() } }
            #expect(!lock.isLocked, "withLock releases when its body throws")
        }
    }
}

@Suite("Primitives in bare tasks", .serialized, .timeLimit(.minutes(1)))
struct BareTaskPrimitiveTests {
    /// Two bare `Task { @Loop in }` tasks (no loop executor preference: every
    /// hop into loop code goes back through the queue) ping-pong over two
    /// events. A wait that checked the event, was suspended by a hop, and then
    /// parked on an event set meanwhile would hang here; the re-check where the
    /// task parks prevents it.
    @Test func eventPingPongBetweenBareTasksCompletes() throws {
        try runLoopTest(timeout: .seconds(10)) {
            let ping = Event()
            let pong = Event()
            let rounds = 200
            let a = Task { @Loop in
                for _ in 0..<rounds {
                    ping.set()
                    try await pong.wait()
                    pong.clear()
                }
            }
            let b = Task { @Loop in
                for _ in 0..<rounds {
                    try await ping.wait()
                    ping.clear()
                    pong.set()
                }
            }
            // Bare tasks do not inherit cancellation: forward the watchdog's.
            try await withTaskCancellationHandler {
                try await a.value
                try await b.value
            } onCancel: {
                a.cancel()
                b.cancel()
            }
        }
    }

    @Test func lockAndQueueBetweenBareTasksComplete() throws {
        try runLoopTest(timeout: .seconds(10)) {
            let lock = Lock()
            let queue = Queue<Int>()
            let workers = (0..<4).map { i in
                Task { @Loop in
                    for j in 0..<50 {
                        try await lock.withLock { try await sleep(for: .zero) }
                        try await queue.put(i * 100 + j)
                    }
                }
            }
            var got = 0
            try await withTaskCancellationHandler {
                for _ in 0..<200 { _ = try await queue.get(); got += 1 }
                for w in workers { try await w.value }
            } onCancel: {
                for w in workers { w.cancel() }
            }
            #expect(got == 200)
        }
    }
}

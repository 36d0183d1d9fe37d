import AsyncIO
import AsyncIOTestSupport
import Testing
@testable import AsyncIO

@Suite("Condition state machine (no loop)")
struct ConditionStateMachineTests {
    @Test func notifyWakesTheLongestWaitersFirst() {
        var cond = ConditionStateMachine<Int>()
        for t in 1...5 { cond.enqueue(t) }
        cond.cancel(2)
        #expect(cond.notify(count: 2) == [1, 3])
        #expect(cond.notify(count: 0) == [])
        #expect(cond.notify(count: -1) == [])
        #expect(cond.waiterCount == 2)
        #expect(cond.notifyAll() == [4, 5])
        #expect(cond.notify(count: 1) == [])
        cond.enqueue(6)
        #expect(cond.notify(count: 10) == [6])
    }
}

@Suite("Condition on the loop", .serialized, .timeLimit(.minutes(1)))
struct ConditionLoopTests {
    @Test func waitReleasesTheLockAndReturnsHoldingItAfterNotify() throws {
        try runLoopTest {
            let cond = Condition()
            let trace = Trace()
            let waiter = createTask {
                try await cond.withLock {
                    trace.add("waiting")
                    try await cond.wait()
                    trace.add("woken, locked=\(cond.isLocked)")
                }
            }
            try await sleepMs(1)
            #expect(!cond.isLocked, "wait() released the lock")
            try await cond.withLock {
                try cond.notify()
                trace.add("notified")
                try await sleepMs(1)
                trace.add("releasing")
            }
            try await waiter.value
            #expect(trace.events == ["waiting", "notified", "releasing", "woken, locked=true"])
            #expect(!cond.isLocked)
        }
    }

    @Test func notifyWakesCountWaitersInFIFOOrderAndNotifyAllTheRest() throws {
        try runLoopTest {
            let cond = Condition()
            let trace = Trace()
            let waiters = (1...5).map { i in
                createTask { try await cond.withLock { try await cond.wait(); trace.add("w\(i)") } }
            }
            try await sleepMs(1)
            try await cond.withLock { try cond.notify(count: 2) }
            try await sleepMs(1)
            #expect(trace.events == ["w1", "w2"])
            try await cond.withLock { try cond.notify() }
            try await sleepMs(1)
            #expect(trace.events == ["w1", "w2", "w3"])
            try await cond.withLock { try cond.notifyAll() }
            for w in waiters { try await w.value }
            #expect(trace.events == ["w1", "w2", "w3", "w4", "w5"])
            // Nobody waits: notifying is a no-op.
            try await cond.withLock { try cond.notifyAll() }
        }
    }

    @Test func waitForPredicateWaitsUntilItHolds() throws {
        try runLoopTest {
            let cond = Condition()
            let trace = Trace()  // the shared state: one event per item produced
            let consumer = createTask {
                try await cond.withLock {
                    try await cond.wait(for: { trace.events.count >= 3 })
                    trace.add("consumer saw \(trace.events.count)")
                }
            }
            for i in 1...3 {
                try await sleepMs(1)
                try await cond.withLock {
                    trace.add("item \(i)")
                    try cond.notifyAll()
                }
            }
            try await consumer.value
            #expect(trace.events.last == "consumer saw 3")
            // Already true: returns without waiting.
            try await cond.withLock { try await cond.wait(for: { true }) }
        }
    }

    @Test func usingTheConditionWithoutTheLockThrows() throws {
        try runLoopTest {
            let cond = Condition()
            await #expect(throws: SynchronizationError.conditionLockNotHeld) { try await cond.wait() }
            await #expect(throws: SynchronizationError.conditionLockNotHeld) { try await cond.wait(for: { true }) }
            #expect(throws: SynchronizationError.conditionLockNotHeld) { try cond.notify() }
            #expect(throws: SynchronizationError.conditionLockNotHeld) { try cond.notifyAll() }
            #expect(throws: SynchronizationError.lockNotAcquired) { try cond.release() }
            #expect(!cond.isLocked)
        }
    }

    @Test func conditionsCanShareALock() throws {
        try runLoopTest {
            let lock = Lock()
            let a = Condition(lock: lock)
            let b = Condition(lock: lock)
            #expect(a.lock === b.lock)
            try await a.acquire()
            #expect(b.isLocked)
            try b.notify()  // b's lock is held (through a)
            try b.release()
            #expect(!lock.isLocked)
        }
    }

    @Test func aWaiterCancelledWhileWaitingReacquiresTheLockBeforeItThrows() throws {
        try runLoopTest {
            let cond = Condition()
            let trace = Trace()
            let waiter = createTask {
                try await cond.withLock {
                    do {
                        try await cond.wait()
                    } catch {
                        trace.add("\(type(of: error)) locked=\(cond.isLocked)")
                        throw error
                    }
                }
            }
            try await sleepMs(1)
            try await cond.acquire()
            waiter.cancel()  // the lock is held here, so the waiter must wait for it
            try await sleepMs(1)
            #expect(trace.events.isEmpty, "the cancelled waiter waits for the lock")
            trace.add("releasing")
            try cond.release()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(trace.events == ["releasing", "CancellationError locked=true"])
            #expect(!cond.isLocked, "withLock released it")
            // No waiter is left behind: a notify has nobody to wake.
            try await cond.withLock { try cond.notify() }
        }
    }

    @Test func aWaiterCancelledAfterItWasNotifiedPassesTheNotificationOn() throws {
        try runLoopTest {
            let cond = Condition()
            let trace = Trace()
            let first = createTask { try await cond.withLock { try await cond.wait(); trace.add("first") } }
            let second = createTask { try await cond.withLock { try await cond.wait(); trace.add("second") } }
            try await sleepMs(1)
            try await cond.acquire()
            try cond.notify()  // wakes `first`, which has not run yet
            first.cancel()
            try cond.release()
            await #expect(throws: CancellationError.self) { try await first.value }
            try await second.value
            #expect(trace.events == ["second"], "the notification was not lost")
            #expect(!cond.isLocked)
        }
    }

    @Test func aWaiterCancelledWhileReacquiringTheLockStillGetsItAndPassesTheNotificationOn() throws {
        try runLoopTest {
            let cond = Condition()
            let trace = Trace()
            let first = createTask {
                try await cond.withLock {
                    do {
                        try await cond.wait()
                        trace.add("first")
                    } catch {
                        trace.add("first cancelled, locked=\(cond.isLocked)")
                        throw error
                    }
                }
            }
            let second = createTask { try await cond.withLock { try await cond.wait(); trace.add("second") } }
            try await sleepMs(1)
            try await cond.acquire()
            try cond.notify()
            try await sleepMs(1)  // `first` runs and now waits for the lock
            first.cancel()
            try await sleepMs(1)
            #expect(trace.events.isEmpty)
            try cond.release()
            await #expect(throws: CancellationError.self) { try await first.value }
            try await second.value
            #expect(trace.events == ["first cancelled, locked=true", "second"])
            #expect(!cond.isLocked)
        }
    }

    @Test func acquireCancelledWhileWaitingForTheLockLeavesItFree() throws {
        try runLoopTest {
            let cond = Condition()
            try await cond.acquire()
            let waiter = createTask { try await cond.acquire() }
            try await sleepMs(1)
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            try cond.release()
            #expect(!cond.isLocked)
        }
    }
}

import AsyncIO
import AsyncIOTestSupport
import Testing
@testable import AsyncIO

@Suite("Semaphore state machine (no loop)")
struct SemaphoreStateMachineTests {
    @Test func permitsAreTakenThenHandedOffInFIFOOrderWithoutBarging() throws {
        var sem = SemaphoreStateMachine<Int>(value: 2, bounded: false)
        #expect(sem.acquire() == .acquired)
        #expect(sem.acquire() == .acquired)
        #expect(sem.isLocked)
        #expect(sem.acquire() == .suspend)
        sem.enqueue(1)
        sem.enqueue(2)
        #expect(try sem.release() == .handOff(1))
        // Handed off: the count stays 0, so a newcomer queues.
        #expect(sem.value == 0)
        #expect(sem.acquire() == .suspend)
        sem.enqueue(3)
        sem.cancel(2)
        #expect(sem.waiterCount == 1)
        #expect(try sem.release() == .handOff(3))
        #expect(try sem.release() == .incremented)
        #expect(try sem.release() == .incremented)
        #expect(try sem.release() == .incremented, "unbounded: may exceed the initial value")
        #expect(sem.value == 3)
    }

    @Test func aPermitGivenBackPassesToTheNextWaiterOrThePool() {
        var sem = SemaphoreStateMachine<Int>(value: 0, bounded: false)
        sem.enqueue(1)
        sem.enqueue(2)
        #expect(sem.returnPermit() == .handOff(1))
        // 1 was cancelled after the hand-off: its permit goes on to 2.
        #expect(sem.returnPermit() == .handOff(2))
        #expect(sem.returnPermit() == .incremented)
        #expect(sem.value == 1)
    }

    @Test func aBoundedSemaphoreRefusesToGoAboveItsInitialValue() throws {
        var sem = SemaphoreStateMachine<Int>(value: 1, bounded: true)
        #expect(sem.limit == 1)
        #expect(throws: SynchronizationError.semaphoreOverReleased(limit: 1)) { try sem.release() }
        #expect(sem.acquire() == .acquired)
        sem.enqueue(7)
        #expect(try sem.release() == .handOff(7))
        #expect(try sem.release() == .incremented)
        #expect(throws: SynchronizationError.semaphoreOverReleased(limit: 1)) { try sem.release() }
        #expect(sem.value == 1)
    }
}

@Suite("Semaphore and BoundedSemaphore on the loop", .serialized, .timeLimit(.minutes(1)))
struct SemaphoreLoopTests {
    @Test func atMostValueTasksHoldAPermitAtOnce() throws {
        try runLoopTest {
            let sem = try Semaphore(value: 2)
            let trace = Trace()
            let workers = (1...5).map { i in
                createTask {
                    try await sem.withPermit {
                        trace.add("+\(i)")
                        try await sleepMs(2)
                        trace.add("-\(i)")
                    }
                }
            }
            for w in workers { try await w.value }
            var inside = 0
            var most = 0
            for e in trace.events {
                inside += e.hasPrefix("+") ? 1 : -1
                most = max(most, inside)
            }
            #expect(most == 2)
            #expect(trace.events.count == 10)
            #expect(sem.value == 2)
            #expect(!sem.isLocked)
        }
    }

    @Test func acquireWithAFreePermitDoesNotYield() throws {
        try runLoopTest {
            let sem = try Semaphore(value: 1)
            let trace = Trace()
            let other = createTask { trace.add("other") }
            try await sem.acquire()
            trace.add("acquired")
            #expect(sem.isLocked)
            sem.release()
            try await other.value
            #expect(trace.events == ["acquired", "other"])
        }
    }

    @Test func waitersAreServedFIFOAndNewcomersCannotBarge() throws {
        try runLoopTest {
            let sem = try Semaphore(value: 1)
            let trace = Trace()
            try await sem.acquire()
            let waiters = (1...3).map { i in
                createTask {
                    try await sem.withPermit {
                        trace.add("w\(i)")
                        try await sleepMs(1)
                    }
                }
            }
            try await sleepMs(1)
            sem.release()
            #expect(sem.value == 0, "handed to w1, not returned to the pool")
            #expect(sem.isLocked)
            let newcomer = createTask { try await sem.withPermit { trace.add("newcomer") } }
            for w in waiters { try await w.value }
            try await newcomer.value
            #expect(trace.events == ["w1", "w2", "w3", "newcomer"])
            #expect(sem.value == 1)
        }
    }

    @Test func aWaiterCancelledWhileQueuedTakesNoPermit() throws {
        try runLoopTest {
            let sem = try Semaphore(value: 0)
            let trace = Trace()
            let first = createTask { try await sem.acquire(); trace.add("first") }
            let second = createTask { try await sem.acquire(); trace.add("second") }
            try await sleepMs(1)
            first.cancel()
            await #expect(throws: CancellationError.self) { try await first.value }
            sem.release()
            try await second.value
            #expect(trace.events == ["second"])
            #expect(sem.value == 0, "second holds the only permit")
            sem.release()
            #expect(sem.value == 1)
        }
    }

    @Test func aWaiterCancelledAfterTheHandOffPassesThePermitOn() throws {
        try runLoopTest {
            let sem = try Semaphore(value: 0)
            let trace = Trace()
            let first = createTask { try await sem.withPermit { trace.add("first") } }
            let second = createTask { try await sem.withPermit { trace.add("second") } }
            try await sleepMs(1)
            sem.release()  // handed to `first`, which has not run yet
            first.cancel()
            await #expect(throws: CancellationError.self) { try await first.value }
            try await second.value
            #expect(trace.events == ["second"])
            #expect(sem.value == 1, "no permit leaked or lost")
        }
    }

    @Test func aPermitHandedToACancelledLastWaiterReturnsToThePool() throws {
        try runLoopTest {
            let sem = try Semaphore(value: 0)
            let only = createTask { try await sem.acquire() }
            try await sleepMs(1)
            sem.release()
            only.cancel()
            await #expect(throws: CancellationError.self) { try await only.value }
            #expect(sem.value == 1)
            #expect(!sem.isLocked)
        }
    }

    @Test func withPermitReleasesWhenTheBodyThrows() throws {
        try runLoopTest {
            let sem = try Semaphore(value: 1)
            struct Oops: Error {}
            await #expect(throws: Oops.self) { try await sem.withPermit { throw Oops() } }
            #expect(sem.value == 1)
            let three = try await sem.withPermit { 3 }
            #expect(three == 3)
            #expect(sem.value == 1)
        }
    }

    @Test func aBoundedSemaphoreThrowsOnOverRelease() throws {
        try runLoopTest {
            let sem = try BoundedSemaphore(value: 2)
            #expect(sem.limit == 2)
            #expect(throws: SynchronizationError.semaphoreOverReleased(limit: 2)) { try sem.release() }
            #expect(sem.value == 2)
            try await sem.acquire()
            try await sem.acquire()
            #expect(sem.isLocked)
            try sem.release()
            try sem.release()
            #expect(throws: SynchronizationError.semaphoreOverReleased(limit: 2)) { try sem.release() }
            #expect(sem.value == 2)
            // A body that releases its own permit does not make withPermit over-release.
            try await sem.withPermit { try sem.release() }
            #expect(sem.value == 2)
        }
    }

    @Test func aBoundedSemaphoreHandsOffFIFOAndCancellationPassesThePermitOn() throws {
        try runLoopTest {
            let sem = try BoundedSemaphore(value: 1)
            let trace = Trace()
            try await sem.acquire()
            let w1 = createTask { try await sem.withPermit { trace.add("w1") } }
            let w2 = createTask { try await sem.withPermit { trace.add("w2") } }
            let w3 = createTask { try await sem.withPermit { trace.add("w3") } }
            try await sleepMs(1)
            w2.cancel()  // still queued
            try sem.release()  // handed to w1
            w1.cancel()  // before it ran: passes the permit to w3
            await #expect(throws: CancellationError.self) { try await w1.value }
            await #expect(throws: CancellationError.self) { try await w2.value }
            try await w3.value
            #expect(trace.events == ["w3"])
            #expect(sem.value == 1)
            #expect(throws: SynchronizationError.semaphoreOverReleased(limit: 1)) { try sem.release() }
        }
    }
}

import AsyncIO
import AsyncIOTestSupport
import Testing
@testable import AsyncIO

@Suite("Barrier state machine (no loop)")
struct BarrierStateMachineTests {
    @Test func theLastPartyTripsTheBarrierAndItIsReadyForTheNextRound() {
        var barrier = BarrierStateMachine<Int>(parties: 3)
        #expect(barrier.arrive() == .suspend)
        barrier.enqueue(1)
        #expect(barrier.arrive() == .suspend)
        barrier.enqueue(2)
        #expect(barrier.waitingCount == 2)
        #expect(barrier.arrive() == .trip(index: 2, waiters: [1, 2]))
        #expect(barrier.waitingCount == 0)
        #expect(barrier.arrive() == .suspend)
    }

    @Test func aCancelledWaiterNoLongerCounts() {
        var barrier = BarrierStateMachine<Int>(parties: 3)
        _ = barrier.arrive()
        barrier.enqueue(1)
        _ = barrier.arrive()
        barrier.enqueue(2)
        barrier.cancel(1)
        #expect(barrier.waitingCount == 1)
        #expect(barrier.arrive() == .suspend)
        barrier.enqueue(3)
        #expect(barrier.arrive() == .trip(index: 2, waiters: [2, 3]))
    }

    @Test func abortBreaksTheBarrierUntilReset() {
        var barrier = BarrierStateMachine<Int>(parties: 2)
        _ = barrier.arrive()
        barrier.enqueue(1)
        #expect(barrier.abort() == [1])
        #expect(barrier.isBroken)
        #expect(barrier.arrive() == .broken)
        #expect(barrier.reset() == [])
        #expect(!barrier.isBroken)
        #expect(barrier.arrive() == .suspend)
        barrier.enqueue(2)
        #expect(barrier.reset() == [2])
        #expect(barrier.waitingCount == 0)
    }

    @Test func onePartyNeverWaits() {
        var barrier = BarrierStateMachine<Int>(parties: 1)
        #expect(barrier.arrive() == .trip(index: 0, waiters: []))
        #expect(barrier.arrive() == .trip(index: 0, waiters: []))
    }
}

@Suite("Barrier on the loop", .serialized, .timeLimit(.minutes(1)))
struct BarrierLoopTests {
    @Test func partiesWaitForEachOtherAndGetDistinctArrivalIndices() throws {
        try runLoopTest {
            let barrier = try Barrier(parties: 3)
            let trace = Trace()
            #expect(barrier.parties == 3)
            for round in 1...2 {
                let tasks = (0..<3).map { i in
                    createTask {
                        try await sleepMs(i)
                        trace.add("arrive \(i)")
                        let index = try await barrier.wait()
                        trace.add("pass \(i)=\(index)")
                    }
                }
                try await sleepMs(1)
                #expect(barrier.waitingCount >= 1)
                for t in tasks { try await t.value }
                let passes = trace.events.suffix(3)
                #expect(passes.allSatisfy { $0.hasPrefix("pass") }, "round \(round): nobody passed before the last arrival")
                #expect(Set(passes) == ["pass 0=0", "pass 1=1", "pass 2=2"])
                #expect(barrier.waitingCount == 0)
                trace.events.removeAll()
            }
        }
    }

    @Test func aWaiterCancelledWhileFillingIsReplaced() throws {
        try runLoopTest {
            let barrier = try Barrier(parties: 3)
            let a = createTask { try await barrier.wait() }
            let b = createTask { try await barrier.wait() }
            try await sleepMs(1)
            #expect(barrier.waitingCount == 2)
            a.cancel()
            await #expect(throws: CancellationError.self) { try await a.value }
            #expect(barrier.waitingCount == 1)
            let c = createTask { try await barrier.wait() }
            try await sleepMs(1)
            #expect(barrier.waitingCount == 2, "the barrier did not trip with a cancelled party")
            let d = try await barrier.wait()
            let bi = try await b.value
            let ci = try await c.value
            #expect([bi, ci, d] == [0, 1, 2])
        }
    }

    @Test func aWaiterCancelledAfterTheTripThrowsButTheOthersPass() throws {
        try runLoopTest {
            let barrier = try Barrier(parties: 3)
            let a = createTask { try await barrier.wait() }
            let b = createTask { try await barrier.wait() }
            try await sleepMs(1)
            let last = try await barrier.wait()  // trips: a and b are released
            a.cancel()  // before a ran
            #expect(last == 2)
            await #expect(throws: CancellationError.self) { try await a.value }
            let bi = try await b.value
            #expect(bi == 1)
            #expect(barrier.waitingCount == 0)
            #expect(!barrier.isBroken)
        }
    }

    @Test func resetBreaksTheWaitersAndTheBarrierIsUsableAgain() throws {
        try runLoopTest {
            let barrier = try Barrier(parties: 2)
            let a = createTask { try await barrier.wait() }
            try await sleepMs(1)
            barrier.reset()
            await #expect(throws: SynchronizationError.barrierBroken) { try await a.value }
            #expect(!barrier.isBroken)
            #expect(barrier.waitingCount == 0)
            let b = createTask { try await barrier.wait() }
            try await sleepMs(1)
            let mine = try await barrier.wait()
            let theirs = try await b.value
            #expect([theirs, mine] == [0, 1])
        }
    }

    @Test func abortBreaksTheWaitersAndLaterWaitsUntilReset() throws {
        try runLoopTest {
            let barrier = try Barrier(parties: 3)
            let waiters = (0..<2).map { _ in createTask { try await barrier.wait() } }
            try await sleepMs(1)
            barrier.abort()
            #expect(barrier.isBroken)
            for w in waiters {
                await #expect(throws: SynchronizationError.barrierBroken) { try await w.value }
            }
            await #expect(throws: SynchronizationError.barrierBroken) { try await barrier.wait() }
            barrier.reset()
            #expect(!barrier.isBroken)
            let single = try Barrier(parties: 1)
            let index = try await single.wait()
            #expect(index == 0)
        }
    }
}

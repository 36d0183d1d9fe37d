import AsyncIO
import AsyncIOTestSupport
import Testing

/// Primitives used from bare `Task { @Loop in }` tasks, whose executor hops
/// suspend (they have no loop executor preference): a wait that checked the
/// state, was suspended before parking and then parked would miss what
/// happened in between. Each primitive re-checks where the task parks.
@Suite("Queue, Condition, Barrier, gather and wait in bare tasks", .serialized, .timeLimit(.minutes(1)))
struct BareTaskQueueConditionBarrierTests {
    /// Awaits `tasks`, forwarding the test's cancellation (bare tasks do not inherit it).
    @Loop
    private func awaitAll(_ tasks: [Task<Void, any Error>]) async throws {
        try await withTaskCancellationHandler {
            for task in tasks { try await task.value }
        } onCancel: {
            for task in tasks { task.cancel() }
        }
    }

    @Test(arguments: [1, 4])
    func aOneSlotQueueBetweenBareProducersAndConsumersDeliversEveryItem(tasksPerSide: Int) throws {
        try runLoopTest(timeout: .seconds(20)) {
            let queue = Queue<Int>(maxSize: 1)
            let received = Recorder<Int>()
            let producers = (0..<tasksPerSide).map { p in
                Task { @Loop in for i in 0..<(400 / tasksPerSide) { try await queue.put(p * 1_000 + i) } }
            }
            let consumers = (0..<tasksPerSide).map { _ in
                Task { @Loop in for _ in 0..<(400 / tasksPerSide) { received.append(try await queue.get()) } }
            }
            try await awaitAll(producers + consumers)
            #expect(received.values.count == 400)
            #expect(Set(received.values).count == 400)
            #expect(queue.isEmpty)
        }
    }

    @Test func aConditionHandsWorkBetweenBareTasksWithoutLosingANotify() throws {
        try runLoopTest(timeout: .seconds(20)) {
            let condition = Condition()
            let state = SharedWork()
            let consumer = Task { @Loop in
                while state.consumed < 200 {
                    try await condition.withLock {
                        try await condition.wait(for: { !state.items.isEmpty })
                        state.consumed += state.items.count
                        state.items.removeAll()
                    }
                }
            }
            let producer = Task { @Loop in
                for i in 0..<200 {
                    try await condition.withLock {
                        state.items.append(i)
                        try condition.notify()
                    }
                }
            }
            try await awaitAll([consumer, producer])
            #expect(state.consumed == 200)
        }
    }

    @Test func aBarrierTripsForBareTasksRoundAfterRound() throws {
        try runLoopTest(timeout: .seconds(20)) {
            let barrier = try Barrier(parties: 3)
            let arrivals = Recorder<Int>()
            let parties = (0..<3).map { _ in
                Task { @Loop in
                    for _ in 0..<50 { arrivals.append(try await barrier.wait()) }
                }
            }
            try await awaitAll(parties)
            #expect(arrivals.values.count == 150)
            #expect(arrivals.values.sorted() == (0..<50).flatMap { _ in [0, 1, 2] }.sorted())
            #expect(barrier.waitingCount == 0)
        }
    }

    /// The tasks a bare task gathers finish while its hop into `gather`'s wait
    /// suspends it; the wait must see that where it parks.
    @Test func gatherWaitShieldAndAsCompletedInBareTasksSeeTasksThatFinishedBeforeParking() throws {
        try runLoopTest(timeout: .seconds(20)) {
            let outer = Task { @Loop in
                for _ in 0..<50 {
                    let (a, b) = try await gather(createTask { 1 }, createTask { 2 })
                    #expect(a + b == 3)
                    let all = try await gather([createTask { 3 }, createTask { 4 }])
                    #expect(all == [3, 4])
                    let split = try await wait([createTask { 5 }], returnWhen: .allCompleted)
                    #expect(split.pending.isEmpty)
                    let shielded = try await shield(createTask { 6 })
                    #expect(shielded == 6)
                    var seen = 0
                    for try await _ in asCompleted([createTask { 7 }, createTask { 8 }]) { seen += 1 }
                    #expect(seen == 2)
                }
            }
            try await awaitAll([outer])
        }
    }
}

/// Work passed between a producer and a consumer under a condition.
@Loop
private final class SharedWork {
    var items: [Int] = []
    var consumed = 0
}

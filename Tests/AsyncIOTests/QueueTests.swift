import AsyncIO
import AsyncIOTestSupport
import Testing
@testable import AsyncIO

/// Getters are `Int` tokens, putters and joiners `String` tokens.
private typealias Machine = QueueStateMachine<String, Int, String>

@Suite("Queue state machine (no loop)")
struct QueueStateMachineTests {
    @Test func aPutterThatFindsRoomWhereItParksReservesTheSlotUnlessOthersWait() throws {
        var q = Machine(maxSize: 1, order: .fifo)
        #expect(try q.put("a") == .stored)
        let whileFull = q.reserveSlotIfFree()
        #expect(!whileFull, "full")
        #expect(q.get() == .item("a", wakePutter: nil))
        let afterGet = q.reserveSlotIfFree()
        #expect(afterGet, "a get freed the slot and nobody waits for it")
        #expect(q.isFull, "the reserved slot counts")
        #expect(try q.putReserved("b") == .stored)
        #expect(q.get() == .item("b", wakePutter: nil))
        q.enqueuePutter("P1")
        let behindPutter = q.reserveSlotIfFree()
        #expect(!behindPutter, "a waiting putter comes first")
        q.cancelPutter("P1")
        _ = q.shutdown(immediate: false)
        let afterShutdown = q.reserveSlotIfFree()
        #expect(!afterShutdown, "shut down")
    }

    @Test func itemsGoToWaitingGettersInFIFOOrderElseIntoTheQueue() throws {
        var q = Machine(maxSize: 0, order: .fifo)
        #expect(q.get() == .suspend)
        q.enqueueGetter(1)
        q.enqueueGetter(2)
        q.enqueueGetter(3)
        q.cancelGetter(2)
        #expect(try q.put("a") == .handOff(1, "a"))
        #expect(try q.put("b") == .handOff(3, "b"))
        #expect(try q.put("c") == .stored)
        #expect(try q.put("d") == .stored)
        #expect(q.count == 4, "handed items count until their getters take them")
        #expect(q.unfinishedTasks == 4)
        #expect(q.get() == .item("c", wakePutter: nil))
        #expect(q.get() == .item("d", wakePutter: nil))
        #expect(q.count == 2)
        #expect(q.takeHandedOff() == nil)
        #expect(q.takeHandedOff() == nil)
        #expect(q.isEmpty)
        #expect(!q.isFull, "unbounded")
    }

    @Test func aFullQueueGrantsFreedSlotsToPuttersInOrderAndReservesThem() throws {
        var q = Machine(maxSize: 2, order: .fifo)
        #expect(try q.put("a") == .stored)
        #expect(try q.put("b") == .stored)
        #expect(q.isFull)
        #expect(try q.put("c") == .suspend)
        q.enqueuePutter("P1")
        q.enqueuePutter("P2")
        q.enqueuePutter("P3")
        q.cancelPutter("P2")
        #expect(q.get() == .item("a", wakePutter: "P1"))
        // The slot is P1's: still full for newcomers.
        #expect(q.reservedSlots == 1)
        #expect(q.count == 1)
        #expect(q.isFull)
        #expect(try q.put("x") == .suspend)
        #expect(try q.putReserved("c") == .stored)
        #expect(q.reservedSlots == 0)
        #expect(q.get() == .item("b", wakePutter: "P3"))
        // P3 was cancelled after the grant: its slot is freed (nobody else waits).
        #expect(q.releaseSlot() == nil)
        #expect(!q.isFull)
        #expect(q.get() == .item("c", wakePutter: nil))
        #expect(q.unfinishedTasks == 3, "P3 put nothing")
    }

    @Test func aReservedPutHandedToAGetterFreesItsSlotForTheNextPutter() throws {
        // maxSize 1: P1 holds a reserved slot, P2 waits, a getter waits on the empty queue.
        var q = Machine(maxSize: 1, order: .fifo)
        #expect(try q.put("a") == .stored)
        q.enqueuePutter("P1")
        q.enqueuePutter("P2")
        #expect(q.get() == .item("a", wakePutter: "P1"))
        #expect(q.get() == .suspend)
        q.enqueueGetter(7)
        // P1 runs: its item goes straight to the getter and keeps the slot
        // until the getter takes it (CPython's order: put, got, then the next put).
        #expect(try q.putReserved("b") == .handOff(7, "b"))
        #expect(q.grantFreedSlot() == nil)
        #expect(q.isFull)
        #expect(q.takeHandedOff() == "P2")
        #expect(q.reservedSlots == 1)
    }

    @Test func aReleasedSlotPassesToTheNextPutter() throws {
        var q = Machine(maxSize: 1, order: .fifo)
        #expect(try q.put("a") == .stored)
        q.enqueuePutter("P1")
        q.enqueuePutter("P2")
        #expect(q.get() == .item("a", wakePutter: "P1"))
        #expect(q.releaseSlot() == "P2")
        #expect(q.reservedSlots == 1)
        #expect(q.putterCount == 0)
    }

    @Test func anItemGivenBackGoesToTheNextGetterElseToTheFront() throws {
        var q = Machine(maxSize: 0, order: .fifo)
        q.enqueueGetter(1)
        q.enqueueGetter(2)
        #expect(try q.put("a") == .handOff(1, "a"))
        #expect(q.giveBack("a") == .handOff(2, "a"))
        #expect(try q.put("b") == .stored)
        #expect(q.giveBack("a") == .stored)
        #expect(q.get() == .item("a", wakePutter: nil))
        #expect(q.get() == .item("b", wakePutter: nil))
        #expect(q.unfinishedTasks == 2)
    }

    @Test func lifoAndPriorityPutAGivenBackItemWhereGetTakesItNext() throws {
        var lifo = Machine(maxSize: 0, order: .lifo)
        for s in ["a", "b", "c"] { _ = try lifo.put(s) }
        #expect(lifo.get() == .item("c", wakePutter: nil))
        #expect(lifo.giveBack("c") == .stored)
        #expect(lifo.get() == .item("c", wakePutter: nil))
        #expect(lifo.get() == .item("b", wakePutter: nil))

        // Priority by the first character; ties in put order.
        var prio = Machine(maxSize: 0, order: .priority(by: { $0.first! < $1.first! }))
        for s in ["b1", "a1", "b2", "a2", "c1"] { _ = try prio.put(s) }
        #expect(prio.get() == .item("a1", wakePutter: nil))
        #expect(prio.giveBack("a1") == .stored)
        var order: [String] = []
        while case .item(let s, _) = prio.get() { order.append(s) }
        #expect(order == ["a1", "a2", "b1", "b2", "c1"])
    }

    @Test func taskDoneCountsDownToJoinAndRefusesToGoBelowZero() throws {
        var q = Machine(maxSize: 0, order: .fifo)
        #expect(q.join() == .returnNow)
        #expect(throws: SynchronizationError.taskDoneTooOften) { try q.taskDone() }
        _ = try q.put("a")
        _ = try q.put("b")
        #expect(q.join() == .suspend)
        q.enqueueJoiner("J1")
        q.enqueueJoiner("J2")
        q.enqueueJoiner("J3")
        q.cancelJoiner("J2")
        #expect(try q.taskDone() == [])
        #expect(try q.taskDone() == ["J1", "J3"])
        #expect(q.join() == .returnNow)
        #expect(throws: SynchronizationError.taskDoneTooOften) { try q.taskDone() }
    }

    @Test func aGracefulShutdownFailsWaitersAndPutsButGetsDrain() throws {
        var q = Machine(maxSize: 1, order: .fifo)
        #expect(try q.put("a") == .stored)
        q.enqueuePutter("P1")
        let action = q.shutdown(immediate: false)
        #expect(action == .init(failGetters: [], failPutters: ["P1"], wakeJoiners: []))
        #expect(throws: SynchronizationError.queueShutDown) { try q.put("b") }
        #expect(q.get() == .item("a", wakePutter: nil))
        #expect(q.get() == .shutDown)

        var empty = Machine(maxSize: 0, order: .fifo)
        empty.enqueueGetter(1)
        empty.enqueueGetter(2)
        #expect(empty.shutdown(immediate: false).failGetters == [1, 2])
        #expect(empty.get() == .shutDown)
    }

    @Test func anImmediateShutdownDropsItemsCountsThemDoneAndWakesJoiners() throws {
        var q = Machine(maxSize: 0, order: .fifo)
        q.enqueueGetter(1)
        #expect(try q.put("in flight") == .handOff(1, "in flight"))
        _ = try q.put("a")
        _ = try q.put("b")
        q.enqueueJoiner("J")
        #expect(q.shutdown(immediate: true) == .init())
        #expect(q.unfinishedTasks == 1, "the item handed to getter 1 is still unfinished")
        #expect(q.count == 1, "and in flight to it")
        #expect(q.get() == .shutDown)
        // Getter 1 was cancelled before it ran: its item is dropped too.
        #expect(q.giveBack("in flight") == .dropped(wakeJoiners: ["J"]))
        #expect(q.unfinishedTasks == 0)
        #expect(q.isEmpty)
    }
}

/// An item with a priority, for the priority-queue tests.
private struct Job: Sendable, Equatable {
    var priority: Int
    var name: String
}

@Suite("Queue on the loop", .serialized, .timeLimit(.minutes(1)))
struct QueueLoopTests {
    @Test func itemsComeOutFIFOAndWaitingGettersAreServedInOrder() throws {
        try runLoopTest {
            let q = Queue<Int>()
            let trace = Trace()
            let getters = (1...3).map { i in
                createTask {
                    let item = try await q.get()
                    trace.add("g\(i)=\(item)")
                }
            }
            try await sleepMs(1)
            for n in 10...12 { try await q.put(n) }
            for g in getters { try await g.value }
            #expect(trace.events == ["g1=10", "g2=11", "g3=12"])
            try q.putNowait(1)
            try q.putNowait(2)
            #expect(q.count == 2)
            let a = try await q.get()
            let b = try q.getNowait()
            #expect([a, b] == [1, 2])
            #expect(q.isEmpty)
        }
    }

    @Test func aFullQueueMakesPutWait() throws {
        try runLoopTest {
            let q = Queue<Int>(maxSize: 2)
            let trace = Trace()
            let producer = createTask {
                for n in 1...5 {
                    try await q.put(n)
                    trace.add("put \(n)")
                }
            }
            try await sleepMs(1)
            #expect(trace.events == ["put 1", "put 2"])
            #expect(q.isFull)
            #expect(q.count == 2)
            #expect(q.maxSize == 2)
            #expect(throws: SynchronizationError.queueFull) { try q.putNowait(99) }
            var got: [Int] = []
            for _ in 1...5 {
                got.append(try await q.get())
                try await sleepMs(1)
                #expect(q.count <= 2)
            }
            try await producer.value
            #expect(got == [1, 2, 3, 4, 5])
            #expect(trace.events == (1...5).map { "put \($0)" })
            #expect(throws: SynchronizationError.queueEmpty) { try q.getNowait() }
        }
    }

    @Test func lifoAndPriorityOrder() throws {
        try runLoopTest {
            let lifo = Queue<Int>(order: .lifo)
            for n in 1...4 { try lifo.putNowait(n) }
            var got: [Int] = []
            while !lifo.isEmpty { got.append(try lifo.getNowait()) }
            #expect(got == [4, 3, 2, 1])

            let prio = Queue<Job>(order: .priority(by: { $0.priority < $1.priority }))
            for (p, name) in [(2, "b1"), (1, "a1"), (3, "c1"), (1, "a2"), (2, "b2")] {
                try await prio.put(Job(priority: p, name: name))
            }
            var names: [String] = []
            while !prio.isEmpty { names.append(try await prio.get().name) }
            #expect(names == ["a1", "a2", "b1", "b2", "c1"])
        }
    }

    @Test func aGetterCancelledWhileWaitingTakesNothing() throws {
        try runLoopTest {
            let q = Queue<String>()
            let getter = createTask { try await q.get() }
            try await sleepMs(1)
            getter.cancel()
            await #expect(throws: CancellationError.self) { try await getter.value }
            try await q.put("kept")
            let item = try q.getNowait()
            #expect(item == "kept")
        }
    }

    @Test func anItemHandedToACancelledGetterGoesToTheNextGetter() throws {
        try runLoopTest {
            let q = Queue<String>()
            let g1 = createTask { try await q.get() }
            let g2 = createTask { try await q.get() }
            try await sleepMs(1)
            try q.putNowait("a")  // handed to g1
            g1.cancel()  // before g1 ran
            await #expect(throws: CancellationError.self) { try await g1.value }
            let second = try await g2.value
            #expect(second == "a")
            #expect(q.isEmpty)
        }
    }

    @Test func anItemHandedToACancelledGetterGoesBackToTheFront() throws {
        try runLoopTest {
            let fifo = Queue<String>()
            let g = createTask { try await fifo.get() }
            try await sleepMs(1)
            try fifo.putNowait("a")  // handed to g
            try fifo.putNowait("b")
            g.cancel()
            await #expect(throws: CancellationError.self) { try await g.value }
            let first = try fifo.getNowait()
            let second = try fifo.getNowait()
            #expect([first, second] == ["a", "b"])

            let lifo = Queue<String>(order: .lifo)
            let lg = createTask { try await lifo.get() }
            try await sleepMs(1)
            try lifo.putNowait("a")  // handed to lg
            try lifo.putNowait("b")
            lg.cancel()
            await #expect(throws: CancellationError.self) { try await lg.value }
            let top = try lifo.getNowait()
            #expect(top == "a", "it was taken first, so it comes back first")

            let prio = Queue<Job>(order: .priority(by: { $0.priority < $1.priority }))
            let pg = createTask { try await prio.get() }
            try await sleepMs(1)
            try prio.putNowait(Job(priority: 1, name: "x"))  // handed to pg
            try prio.putNowait(Job(priority: 1, name: "y"))
            try prio.putNowait(Job(priority: 0, name: "urgent"))
            pg.cancel()
            await #expect(throws: CancellationError.self) { try await pg.value }
            var names: [String] = []
            while !prio.isEmpty { names.append(try prio.getNowait().name) }
            #expect(names == ["urgent", "x", "y"])
        }
    }

    @Test func anItemHandedToAGetterKeepsItsSlotAndComesBackIfTheGetterIsCancelled() throws {
        try runLoopTest {
            let q = Queue<String>(maxSize: 1)
            let getter = createTask { try await q.get() }
            try await sleepMs(1)
            try q.putNowait("a")  // handed to the getter; it holds the one slot until taken
            #expect(q.count == 1)
            #expect(throws: SynchronizationError.queueFull) { try q.putNowait("b") }
            getter.cancel()  // before it ran: "a" comes back into the queue
            let putter = createTask { try await q.put("c") }
            await #expect(throws: CancellationError.self) { try await getter.value }
            #expect(q.count == 1)
            #expect(q.isFull)
            try await sleepMs(1)
            #expect(!putter.isDone, "still full")
            let a = try q.getNowait()
            try await putter.value
            let c = try q.getNowait()
            #expect([a, c] == ["a", "c"])
            #expect(q.isEmpty)
        }
    }

    @Test func aPutterCancelledWhileWaitingPutsNothing() throws {
        try runLoopTest {
            let q = Queue<String>(maxSize: 1)
            try await q.put("a")
            let putter = createTask { try await q.put("never") }
            try await sleepMs(1)
            putter.cancel()
            await #expect(throws: CancellationError.self) { try await putter.value }
            let a = try q.getNowait()
            #expect(a == "a")
            #expect(q.isEmpty)
            try q.taskDone()
            try await q.join()  // "never" was not counted
        }
    }

    @Test func aPutterCancelledAfterItWasGrantedASlotPassesTheSlotOn() throws {
        try runLoopTest {
            let q = Queue<String>(maxSize: 1)
            try await q.put("a")
            let p1 = createTask { try await q.put("p1") }
            let p2 = createTask { try await q.put("p2") }
            try await sleepMs(1)
            let a = try q.getNowait()  // grants the slot to p1
            #expect(a == "a")
            #expect(q.isFull, "the slot is promised to p1")
            p1.cancel()  // before p1 ran: the slot goes to p2
            await #expect(throws: CancellationError.self) { try await p1.value }
            try await p2.value
            #expect(q.count == 1)
            let item = try q.getNowait()
            #expect(item == "p2")
            #expect(q.isEmpty)
        }
    }

    @Test func joinWaitsForEveryTaskDone() throws {
        try runLoopTest {
            let q = Queue<Int>()
            let trace = Trace()
            #expect(throws: SynchronizationError.taskDoneTooOften) { try q.taskDone() }
            try await q.join()  // nothing unfinished: returns at once
            for n in 1...3 { try q.putNowait(n) }
            let joiner = createTask { try await q.join(); trace.add("joined") }
            let cancelledJoiner = createTask { try await q.join() }
            let worker = createTask {
                for _ in 1...3 {
                    let n = try await q.get()
                    try await sleepMs(1)
                    trace.add("done \(n)")
                    try q.taskDone()
                }
            }
            try await sleepMs(1)
            cancelledJoiner.cancel()
            await #expect(throws: CancellationError.self) { try await cancelledJoiner.value }
            try await worker.value
            try await joiner.value
            #expect(trace.events == ["done 1", "done 2", "done 3", "joined"])
            #expect(throws: SynchronizationError.taskDoneTooOften) { try q.taskDone() }
        }
    }

    @Test func aGracefulShutdownFailsPutsAndWaitersButGetsDrainFirst() throws {
        try runLoopTest {
            let q = Queue<Int>(maxSize: 2)
            let getterOnEmpty = Queue<Int>()
            let waitingGetter = createTask { try await getterOnEmpty.get() }
            try q.putNowait(1)
            try q.putNowait(2)
            let waitingPutter = createTask { try await q.put(3) }
            try await sleepMs(1)
            q.shutdown()
            getterOnEmpty.shutdown()
            #expect(q.isShutDown)
            await #expect(throws: SynchronizationError.queueShutDown) { try await waitingPutter.value }
            await #expect(throws: SynchronizationError.queueShutDown) { try await waitingGetter.value }
            await #expect(throws: SynchronizationError.queueShutDown) { try await q.put(4) }
            #expect(throws: SynchronizationError.queueShutDown) { try q.putNowait(4) }
            let one = try await q.get()
            let two = try q.getNowait()
            #expect([one, two] == [1, 2])
            await #expect(throws: SynchronizationError.queueShutDown) { try await q.get() }
            #expect(throws: SynchronizationError.queueShutDown) { try q.getNowait() }
        }
    }

    @Test func anImmediateShutdownDropsItemsAndReleasesJoinersAndGetters() throws {
        try runLoopTest {
            let q = Queue<Int>()
            for n in 1...3 { try q.putNowait(n) }
            let joiner = createTask { try await q.join() }
            try await sleepMs(1)
            #expect(!joiner.isDone)
            q.shutdown(immediate: true)
            try await joiner.value
            #expect(q.isEmpty)
            await #expect(throws: SynchronizationError.queueShutDown) { try await q.get() }
            #expect(throws: SynchronizationError.taskDoneTooOften) { try q.taskDone() }

            let empty = Queue<Int>()
            let getter = createTask { try await empty.get() }
            try await sleepMs(1)
            empty.shutdown(immediate: true)
            await #expect(throws: SynchronizationError.queueShutDown) { try await getter.value }
        }
    }

    @Test func forTryAwaitEndsWhenTheQueueIsShutDownAndDrained() throws {
        try runLoopTest {
            let q = Queue<Int>(maxSize: 2)
            let consumer = createTask { () async throws -> [Int] in
                var got: [Int] = []
                for try await n in q { got.append(n) }
                return got
            }
            for n in 1...6 { try await q.put(n) }
            q.shutdown()  // items still queued are delivered before the loop ends
            let got = try await consumer.value
            #expect(got == [1, 2, 3, 4, 5, 6])
        }
    }

    @Test func aCancelledForTryAwaitLosesNoItem() throws {
        try runLoopTest {
            let q = Queue<Int>()
            let trace = Trace()
            let consumer = createTask {
                for try await n in q { trace.add("got \(n)") }
            }
            try q.putNowait(1)
            try await sleepMs(1)
            try q.putNowait(2)  // handed to the waiting consumer
            consumer.cancel()   // before it ran
            await #expect(throws: CancellationError.self) { try await consumer.value }
            #expect(trace.events == ["got 1"])
            let two = try q.getNowait()
            #expect(two == 2)
        }
    }

    @Test func manyProducersAndConsumersWithCancellationsLoseAndDuplicateNothing() throws {
        try runLoopTest {
            let q = Queue<Int>(maxSize: 3)
            let trace = Trace()  // "put n" and "got n"
            let producers = (0..<3).map { p in
                createTask {
                    for i in 0..<40 {
                        let n = p * 100 + i
                        try await q.put(n)
                        trace.add("put \(n)")
                        if i % 7 == 0 { try await sleepMs(0) }
                    }
                }
            }
            let consumers = (0..<4).map { c in
                createTask {
                    while true {
                        let n = try await q.get()
                        trace.add("got \(n)")
                        if (n + c) % 5 == 0 { try await sleepMs(0) }
                    }
                }
            }
            // Cancel one consumer and one producer while things are moving.
            try await sleepMs(0)
            try await sleepMs(0)
            consumers[1].cancel()
            try await sleepMs(0)
            producers[2].cancel()
            for (i, p) in producers.enumerated() {
                if i == 2 {
                    _ = try? await p.value
                } else {
                    try await p.value
                }
            }
            try await sleepMs(2)
            for c in consumers { c.cancel() }
            for c in consumers { _ = try? await c.value }
            var rest: [Int] = []
            while !q.isEmpty { rest.append(try q.getNowait()) }
            let put = trace.events.filter { $0.hasPrefix("put ") }.map { Int($0.dropFirst(4))! }
            let got = trace.events.filter { $0.hasPrefix("got ") }.map { Int($0.dropFirst(4))! } + rest
            #expect(put.count >= 80)
            #expect(Set(put).count == put.count)
            #expect(got.sorted() == put.sorted(), "every item put was got exactly once")
        }
    }
}

@Suite("Queue with many producers and a one-slot bound", .serialized, .timeLimit(.minutes(1)))
struct QueueOneSlotTests {
    /// Eight producers and eight consumers through a queue of size 1: every
    /// hand-off of a reserved put straight to a getter must pass the freed slot
    /// on, or a producer waits forever (a bug the benchmark found).
    @Test func eightProducersAndEightConsumersThroughOneSlotLoseNoWakeUp() throws {
        try runLoopTest(timeout: .seconds(20)) {
            let queue = Queue<Int>(maxSize: 1)
            let perProducer = 200
            let producers = (0..<8).map { p in
                createTask { for i in 0..<perProducer { try await queue.put(p * 1000 + i) } }
            }
            let consumers = (0..<8).map { _ in
                createTask { () async throws -> [Int] in
                    var got: [Int] = []
                    for _ in 0..<perProducer { got.append(try await queue.get()) }
                    return got
                }
            }
            for producer in producers { try await producer.value }
            var all: [Int] = []
            for consumer in consumers { all += try await consumer.value }
            var expected: [Int] = []
            for p in 0..<8 { for i in 0..<perProducer { expected.append(p * 1000 + i) } }
            let received = all.sorted()
            #expect(received == expected)
        }
    }
}


import AsyncIO
import AsyncIOTestSupport
import Glibc
import Synchronization
import Testing

@Suite("Loop groups: many loops, one per thread", .serialized, .timeLimit(.minutes(1)))
struct LoopGroupTests {
    @Test func eachLoopRunsItsBodyOnItsOwnThreadAndItsSleepsStayThere() throws {
        let caller = currentThreadID()
        let seen = try LoopGroup.run(loops: 3) { loop in
            let thread = currentThreadID()
            #expect(Loop.current === loop)
            #expect(loop.isCurrent)
            // Task.sleep wakes through this loop's timer heap, on this loop's thread.
            try await Task.sleep(for: .milliseconds(5))
            #expect(currentThreadID() == thread)
            let child = Task { currentThreadID() }   // inherits nothing: Swift's own rules
            _ = await child.value
            return [UInt(loop.index), thread]
        }
        #expect(seen.map { $0[0] } == [0, 1, 2])
        #expect(seen[0][1] == caller, "loop 0 runs on the calling thread")
        #expect(Set(seen.map { $0[1] }).count == 3, "three threads")
    }

    @Test func loopZeroIsTheMainLoopAndAcceptsLoopCode() throws {
        let values = try LoopGroup.run(loops: 2) { loop in
            guard loop.index == 0 else { return 0 }
            #expect(loop === Loop.shared)
            // On loop 0 the body may enter `@Loop` code.
            return Loop.assumeIsolated { createTask { 42 }.isDone } ? -1 : 1
        }
        #expect(values == [1, 0])
    }

    @Test func aFailingLoopCancelsTheOthersAndIsReported() throws {
        struct Boom: Error {}
        let start = ContinuousClock.now
        let cancelledOthers = Atomic<Int>(0)
        #expect {
            _ = try LoopGroup.run(loops: 3) { loop -> Int in
                if loop.index == 2 {
                    try await Task.sleep(for: .milliseconds(20))
                    throw Boom()
                }
                do {
                    try await AsyncIO.sleep(for: .seconds(30))  // the library's sleep disarms its timer when cancelled
                } catch is CancellationError {
                    cancelledOthers.add(1, ordering: .relaxed)
                    throw CancellationError()
                }
                return 0
            }
        } throws: { error in
            guard let failure = error as? LoopGroupError else { return false }
            return failure.loopIndex == 2 && failure.underlying is Boom
        }
        #expect(cancelledOthers.load(ordering: .relaxed) == 2)
        #expect(elapsed(since: start) < .seconds(5))
    }

    @Test func cancelAllEndsEveryBody() throws {
        // A body cancels the group through the loop it is given.
        #expect(throws: CancellationError.self) {
            _ = try LoopGroup.run(loops: 2) { loop -> Int in
                if loop.index == 1 {
                    try await Task.sleep(for: .milliseconds(10))
                    loop.group?.cancelAll()
                }
                try await AsyncIO.sleep(for: .seconds(30))  // the library's sleep disarms its timer when cancelled
                return 0
            }
        }
    }

    @Test func countsOutOfRangeAreRefused() throws {
        for count in [0, -1, Int.min, Int.max, LoopGroup.maximumLoops + 1] {
            #expect(throws: LoopError.self) { _ = try LoopGroup.run(loops: count) { _ in 0 } }
        }
        #expect(throws: LoopError.self) {
            _ = try LoopGroup.run(bodies: [@Sendable (isolated Loop) async throws -> Int]())
        }
    }

    @Test func aGroupCannotStartInsideARunningLoop() throws {
        try runLoopTest {
            #expect(throws: LoopError.alreadyRunning) { _ = try LoopGroup.run(loops: 2) { _ in 0 } }
        }
        let nested = try LoopGroup.run(loops: 2) { _ in
            (try? AsyncIO.run { 1 }) == nil && (try? LoopGroup.run(loops: 1) { _ in 1 }) == nil
        }
        #expect(nested == [true, true], "run and groups refuse to nest on a loop's thread")
    }

    @Test func groupsOneAfterAnotherReuseTheirLoops() throws {
        _ = try LoopGroup.run(loops: 3) { _ in 0 }
        let before = openDescriptorCount()
        for _ in 0..<20 {
            let sums = try LoopGroup.run(loops: 3) { loop in
                try await AsyncIO.sleep(for: .milliseconds(1))
                return loop.index
            }
            #expect(sums == [0, 1, 2])
        }
        #expect(openDescriptorCount() == before, "each group's rings are closed and its loops reused")
    }

    @Test func pinningPutsEachLoopOnOneCPUAndRestoresTheCaller() throws {
        let before = allowedCPUs()
        let lists = try LoopGroup.run(loops: 2, pinningToCPUs: true) { _ in allowedCPUs() }
        for list in lists {
            #expect(Int(list) != nil, "one CPU, not \(list)")
        }
        #expect(allowedCPUs() == before)
    }
}

/// The calling thread's `Cpus_allowed_list` (e.g. "0-1", or "1" when pinned).
private func allowedCPUs() -> String {
    guard let file = fopen("/proc/thread-self/status", "r") else { return "?" }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, 512, file) != nil {
        let text = String(cString: line)
        if text.hasPrefix("Cpus_allowed_list:") {
            return String(text.dropFirst("Cpus_allowed_list:".count).filter { !$0.isWhitespace })
        }
    }
    return "?"
}

@Suite("Loop.call: a Sendable closure run on another loop", .serialized, .timeLimit(.minutes(1)))
struct LoopCallTests {
    @Test func aCallRunsOnTheTargetLoopAndReturnsItsValue() throws {
        let results = try LoopGroup.run(loops: 2) { loop -> [UInt] in
            guard loop.index == 0, let other = loop.group?.loops[1] else {
                try await Task.sleep(for: .milliseconds(200))
                return []
            }
            let here = currentThreadID()
            var threads: [UInt] = []
            for _ in 0..<100 {
                threads.append(try await other.call { target in
                    #expect(Loop.current === target)
                    return currentThreadID()
                })
                #expect(currentThreadID() == here, "the caller resumes on its own loop")
            }
            return threads
        }
        #expect(Set(results[0]).count == 1)
        #expect(results[0].first != currentThreadID())
    }

    @Test func errorsCrossBackAndCancellationReachesTheTarget() throws {
        struct Refused: Error, Equatable {}
        let outcome = try LoopGroup.run(loops: 2) { loop -> String in
            guard loop.index == 0, let other = loop.group?.loops[1] else {
                try await Task.sleep(for: .milliseconds(300))
                return ""
            }
            await #expect(throws: Refused()) { try await other.call { _ -> Int in throw Refused() } }
            let remoteCancelled = Atomic<Bool>(false)
            let caller = Task {
                try await other.call { _ in
                    do { try await AsyncIO.sleep(for: .seconds(30)) } catch {
                        remoteCancelled.store(true, ordering: .relaxed)
                        throw error
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(20))
            caller.cancel()
            let start = ContinuousClock.now
            await #expect(throws: CancellationError.self) { try await caller.value }
            #expect(elapsed(since: start) < .seconds(2))
            return remoteCancelled.load(ordering: .relaxed) ? "cancelled there" : "not cancelled"
        }
        #expect(outcome[0] == "cancelled there")
    }

    @Test func aCallToALoopThatIsNotRunningFails() throws {
        let leftBehind = Mutex<Loop?>(nil)
        _ = try LoopGroup.run(loops: 2) { loop in
            if loop.index == 1 { leftBehind.withLock { $0 = loop } }
            return 0
        }
        let loop = leftBehind.withLock { $0 }!
        try runLoopTest {
            await #expect(throws: LoopError.loopNotRunning(index: 1)) { try await loop.call { _ in 0 } }
        }
    }
}

@Suite("LoopChannel: bounded, between loops", .serialized, .timeLimit(.minutes(1)))
struct LoopChannelTests {
    @Test func producersOnTwoLoopsDeliverEverythingOnceInOrderWithinTheBound() throws {
        let channel = try LoopChannel<Int>(capacity: 16)
        // ThreadSanitizer runs this about 50 times slower.
        let perProducer = getenv("ASYNCIO_UNDER_TSAN") != nil ? 1_000 : 20_000
        let received = try LoopGroup.run(loops: 3) { loop -> [Int] in
            if loop.index > 0 {
                for i in 0..<perProducer { try await channel.send(loop.index * 1_000_000 + i) }
                return []
            }
            var values: [Int] = []
            values.reserveCapacity(2 * perProducer)
            for try await value in channel {
                #expect(channel.count <= channel.capacity)
                values.append(value)
                if values.count == 2 * perProducer { break }
            }
            return values
        }[0]
        #expect(received.count == 2 * perProducer)
        for producer in 1...2 {
            let mine = received.filter { $0 / 1_000_000 == producer }.map { $0 % 1_000_000 }
            #expect(mine == Array(0..<perProducer), "producer \(producer)'s elements, once each, in order")
        }
    }

    @Test func aFullChannelHoldsItsSenderAndACancelledSendAddsNothing() throws {
        try runLoopTest {
            let channel = try LoopChannel<Int>(capacity: 2)
            try await channel.send(1)
            try await channel.send(2)
            #expect(try channel.trySend(3) == false)
            let blocked = createTask { try await channel.send(3) }
            try await sleepMs(5)
            #expect(!blocked.isDone, "backpressure: the third send waits")
            blocked.cancel()
            await #expect(throws: CancellationError.self) { try await blocked.value }
            #expect(channel.count == 2)
            let waiting = createTask { try await channel.send(4) }
            try await sleepMs(2)
            #expect(try await channel.receive() == 1)   // frees a place: 4 moves in
            try await waiting.value
            #expect(channel.tryReceive() == 2)
            #expect(channel.tryReceive() == 4)
            #expect(channel.tryReceive() == nil)
        }
    }

    @Test func aCancelledReceiverTakesNothingAndFinishEndsWaits() throws {
        try runLoopTest {
            let channel = try LoopChannel<String>(capacity: 1)
            let cancelled = createTask { try await channel.receive() }
            try await sleepMs(2)
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            try await channel.send("kept")
            #expect(try await channel.receive() == "kept")

            let receivers = (0..<3).map { _ in createTask { try await channel.receive() } }
            try await sleepMs(2)
            channel.finish()
            for receiver in receivers { #expect(try await receiver.value == nil) }
            await #expect(throws: SynchronizationError.channelFinished) { try await channel.send("late") }

            let full = try LoopChannel<Int>(capacity: 1)
            try await full.send(1)
            let sender = createTask { try await full.send(2) }
            try await sleepMs(2)
            full.finish()
            await #expect(throws: SynchronizationError.channelFinished) { try await sender.value }
            #expect(try await full.receive() == 1, "what was buffered is still received")
            #expect(try await full.receive() == nil)
        }
    }

    @Test func capacitiesBelowOneAreRefused() {
        for capacity in [0, -1, Int.min] {
            #expect(throws: LoopError.self) { _ = try LoopChannel<Int>(capacity: capacity) }
        }
        #expect((try? LoopChannel<Int>(capacity: Int.max)) != nil, "a huge bound allocates nothing up front")
    }
}

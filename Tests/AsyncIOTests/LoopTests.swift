@_spi(LowLevel) @_spi(Testing) import AsyncIO
import AsyncIOTestSupport
import Glibc
import Testing

/// A plain nonisolated async function: with the loop's task-executor
/// preference it must still run on the loop thread.
func threadOfNonisolatedCode() async -> UInt {
    await Task.yield()
    return currentThreadID()
}

@Suite("The event loop", .serialized, .timeLimit(.minutes(1)))
struct LoopTests {
    @Test func everythingATaskStartsRunsOnTheLoopThread() throws {
        let caller = currentThreadID()
        let threads = try runLoopTest { () async throws -> [UInt] in
            var threads = [currentThreadID()]
            threads.append(await threadOfNonisolatedCode())
            async let child = threadOfNonisolatedCode()
            threads.append(await child)
            await withTaskGroup(of: UInt.self) { group in
                for _ in 0..<3 { group.addTask { await threadOfNonisolatedCode() } }
                for await t in group { threads.append(t) }
            }
            try await Task.sleep(for: .milliseconds(2))
            threads.append(currentThreadID())
            let t = createTask { () async -> UInt in
                try? await Task.sleep(for: .milliseconds(1))
                return await threadOfNonisolatedCode()
            }
            threads.append(try await t.value)
            return threads
        }
        #expect(threads.count == 8)
        #expect(threads.allSatisfy { $0 == caller })
    }

    @Test func sleepLastsAtLeastItsDurationAndNotMuchMore() throws {
        try runLoopTest {
            for ms in [1, 20] {
                let start = ContinuousClock.now
                try await sleepMs(ms)
                let took = elapsed(since: start)
                #expect(took >= .milliseconds(ms))
                #expect(took < .milliseconds(ms + 200))
            }
            let start = ContinuousClock.now
            try await sleep(0.015)
            #expect(elapsed(since: start) >= .milliseconds(15))
        }
    }

    @Test func taskSleepIsServedByTheLoopTimers() throws {
        try runLoopTest {
            let before = try Loop.statistics().timers
            let t = createTask { try await Task.sleep(for: .milliseconds(200)) }
            try await sleepMs(1)
            // The sleeping task's wake-up sits in the loop's timer heap.
            let during = try Loop.statistics().timers
            #expect(during == before + 1)
            try await t.value
            let after = try Loop.statistics().timers
            #expect(after == before)
        }
    }

    @Test func zeroSleepYieldsToOtherTasks() throws {
        let order = try runLoopTest { () async throws -> [Int] in
            var order: [Int] = []
            let t = createTask { order.append(2) }
            order.append(1)
            try await sleepMs(0)
            order.append(3)
            try await t.value
            return order
        }
        #expect(order == [1, 2, 3])
    }

    @Test func aNopRoundTripLeavesNothingInFlight() throws {
        try runLoopTest {
            for _ in 0..<1000 { try await RawIO.nop() }
            let tasks = (0..<64).map { _ in createTask { for _ in 0..<50 { try await RawIO.nop() } } }
            for t in tasks { try await t.value }
            let observed3 = try Loop.statistics().operationsInFlight
            #expect(observed3 == 0)
        }
    }

    @Test func cancellingAnInFlightReadLosesNoByte() throws {
        let pipe = TestPipe()
        try runLoopTest {
            // 1. A task reads from an empty pipe: the read is in flight in the kernel.
            let reader = createTask { () async throws -> Int in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
                defer { buffer.deallocate() }
                return try await RawIO.read(fd: pipe.readFD, into: buffer)
            }
            try await sleepMs(2)
            let observed4 = try Loop.statistics().operationsInFlight
            #expect(observed4 == 1)
            // 2. Cancel it: ASYNC_CANCEL, then the read's final completion (-ECANCELED).
            reader.cancel()
            await #expect(throws: CancellationError.self) { try await reader.value }
            let observed5 = try Loop.statistics().operationsInFlight
            #expect(observed5 == 0)
            // 3. Bytes written afterwards go to the next reader, none to the cancelled one.
            pipe.send(Array("abc".utf8))
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
            defer { buffer.deallocate() }
            let n = try await RawIO.read(fd: pipe.readFD, into: buffer)
            #expect(Array(buffer.prefix(n)) == Array("abc".utf8))
        }
    }

    @Test func aReadCompletesWhenDataArrivesFromAnotherThread() throws {
        let pipe = TestPipe()
        try runLoopTest {
            let join = startThread {
                usleep(20_000)
                pipe.send([1, 2, 3])
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
            defer { buffer.deallocate() }
            let n = try await RawIO.read(fd: pipe.readFD, into: buffer)
            #expect(n == 3)
            join()
        }
    }

    @Test func aContinuationResumedOnAnotherThreadWakesAnIdleLoop() throws {
        try runLoopTest {
            let start = ContinuousClock.now
            let joiner = Recorder<@Sendable () -> Void>()
            let value = await withUnsafeContinuation { (continuation: UnsafeContinuation<Int, Never>) in
                joiner.append(startThread {
                    usleep(30_000)
                    continuation.resume(returning: 9)
                })
            }
            for join in joiner.values { join() }
            #expect(value == 9)
            #expect(elapsed(since: start) < .seconds(2))
        }
    }

    @Test func runForeverReturnsAfterStopFromAnotherThread() throws {
        let stopper = startThread {
            usleep(50_000)
            Loop.stop()
        }
        let start = ContinuousClock.now
        try Loop.runForever()
        stopper()
        #expect(elapsed(since: start) < .seconds(5))
    }

    @Test func stopFromATaskEndsRunForeverAndKeepsOtherTasks() throws {
        let box = try Loop.runUntilComplete { () -> LeftoverBox in
            let box = LeftoverBox()
            box.task = createTask { try await sleep(0.05) }
            return box
        }
        // runUntilComplete leaves the other task queued (MicroPython).
        let stillQueued = try Loop.runUntilComplete { !box.task!.isDone }
        #expect(stillQueued)
        try Loop.runUntilComplete { _ = createTask { try await sleepMs(1); Loop.stop() } }
        try Loop.runForever()
        try AsyncIO.run { try await box.task!.value }
    }

    @Test func runningTheLoopTwiceAtOnceIsAClearError() throws {
        // From inside a task:
        try runLoopTest {
            #expect(throws: LoopError.alreadyRunning) { try AsyncIO.run { 1 } }
        }
        // From another thread while it runs:
        let result = Recorder<String>()
        _ = try Loop.runUntilComplete {
            let join = startThread {
                do { _ = try AsyncIO.run { 1 }; result.append("ran") } catch { result.append("\(error)") }
            }
            try await sleepMs(50)
            join()
        }
        #expect(result.values == ["\(LoopError.alreadyRunning)"])
    }

    @Test func loopOnlyAPIOffTheLoopIsAClearError() async throws {
        await #expect(throws: LoopError.notOnLoopThread(api: "sleep")) { try await AsyncIO.sleep(0.01) }
        await #expect(throws: LoopError.notOnLoopThread(api: "RawIO")) { try await RawIO.nop() }
        #expect(throws: LoopError.notOnLoopThread(api: "Loop.statistics()")) { try Loop.statistics() }
    }

    @Test func closeReleasesTheRingAndTheNextRunOpensANewOne() throws {
        try runLoopTest { try await RawIO.nop() }
        #expect(Loop.backend != nil)
        try Loop.close()
        #expect(Loop.backend == nil)
        #expect(Loop.backendDescription.hasPrefix("none"))
        try runLoopTest { try await RawIO.nop() }
        #expect(Loop.backend != nil)
    }

    @Test func debugModeNamesATaskThatHoldsTheLoop() throws {
        let reports = Recorder<String>()
        try runLoopTest {
            LoopDebugProbe.observe { reports.append($0) }
            try Loop.setDebug(true, slowTaskThreshold: .milliseconds(30))
            defer { try? Loop.setDebug(false); LoopDebugProbe.observe(nil) }
            let hog = createTask(name: "hog") { usleep(60_000) }
            let polite = createTask(name: "polite") { try await sleepMs(5) }
            _ = try await hog.value
            try await polite.value
        }
        #expect(reports.values.count == 1)
        #expect(reports.values.first?.contains("task 'hog' held the event loop for") == true)
    }
}

@Loop func loopIsolatedStep(_ value: Int) async throws -> Int {
    try await sleepMs(1)
    return value + 1
}

@Suite("Tasks the library did not start", .serialized, .timeLimit(.minutes(1)))
struct ForeignTaskTests {
    @Test func aBareTaskIsolatedToTheLoopStillCompletes() throws {
        try runLoopTest {
            let bare = Task { @Loop in try await loopIsolatedStep(1) }
            let value = try await bare.value
            #expect(value == 2)
        }
    }

    @Test func aDetachedTaskCanCallIntoTheLoop() throws {
        try runLoopTest {
            let detached = Task.detached { try await loopIsolatedStep(41) }
            let value = try await detached.value
            #expect(value == 42)
        }
    }
}

@Suite("stop() during run", .serialized, .timeLimit(.minutes(1)))
struct StopDuringRunTests {
    @Test func stopDuringRunIsAClearErrorAndCancelsTheMainTask() throws {
        let cleanedUp = Recorder<Bool>()
        #expect(throws: LoopError.stoppedBeforeCompletion) {
            try AsyncIO.run {
                createTask { try await sleepMs(5); Loop.stop() }
                do { try await sleep(30) } catch { cleanedUp.append(true); throw error }
            }
        }
        #expect(cleanedUp.values == [true])
    }

    @Test func stopDuringRunUntilCompleteKeepsTheTaskForTheNextRun() throws {
        let box = Recorder<String>()
        #expect(throws: LoopError.stoppedBeforeCompletion) {
            try Loop.runUntilComplete {
                createTask { try await sleepMs(5); Loop.stop() }
                try await sleepMs(20)
                box.append("main finished")
            }
        }
        #expect(box.values.isEmpty)
        try AsyncIO.run { try await sleepMs(40) }
        #expect(box.values == ["main finished"])
    }
}

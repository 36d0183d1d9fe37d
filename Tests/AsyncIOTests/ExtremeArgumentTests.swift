@_spi(LowLevel) import AsyncIO
import AsyncIOTestSupport
import URing
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every public API that takes a duration, size, count, limit or port, at its
/// extremes (0, negative, `Int.max`, `Int.min`, NaN, ±∞): none may crash the
/// process. Durations saturate (too long means "until cancelled", negative
/// means zero), NaN and meaningless sizes are ``LoopError/invalidArgument``.
@Suite("Extreme argument values", .serialized, .timeLimit(.minutes(1)))
struct ExtremeArgumentTests {
    /// Expects `body` to still be waiting after 20 ms.
    @Loop
    private func expectStillWaiting(_ what: String, _ body: @escaping @Loop () async throws -> Void) async throws {
        await #expect(throws: TimeoutError.self, "\(what) should still be waiting") {
            try await waitForMs(body, 20)
        }
    }

    @Test func sleepSaturatesAndRejectsNaN() throws {
        try runLoopTest {
            for seconds in [Double.infinity, 1e10, 1e300, Double.greatestFiniteMagnitude, 9.3e9] {
                try await expectStillWaiting("sleep(\(seconds))") { try await sleep(seconds) }
            }
            for seconds in [-Double.infinity, -1, -0.0, 0, -Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude] {
                try await waitForMs({ try await sleep(seconds) }, 1000)  // returns at once
            }
            await #expect(throws: LoopError.self) { try await sleep(Double.nan) }
            await #expect(throws: LoopError.self) { try await sleep(-Double.nan) }
            for ms in [Int.max, Int.max / 1_000_000 + 1, 1 << 61, Int(Int32.max) / 2 + 1] {
                try await expectStillWaiting("sleepMs(\(ms))") { try await sleepMs(ms) }
            }
            for ms in [Int.min, -1, 0] { try await waitForMs({ try await sleepMs(ms) }, 1000) }
            for duration in [Duration.seconds(Int64.max), .seconds(Int64.max / 2), .nanoseconds(Int64.max)] {
                try await expectStillWaiting("sleep(for: \(duration))") { try await sleep(for: duration) }
            }
            for duration in [Duration.seconds(Int64.min), .nanoseconds(-1), .zero] {
                try await waitForMs({ try await sleep(for: duration) }, 1000)
            }
        }
    }

    @Test func hugeTimeoutsNeverFireAndNegativeOnesFireAtOnce() throws {
        try runLoopTest {
            for timeout in [Duration.seconds(1e10), .seconds(Int64.max), .nanoseconds(Int64.max), .seconds(1e18)] {
                let value = try await waitFor({ try await sleepMs(10); return 7 }, timeout: timeout)
                #expect(value == 7)
                #expect(try await withTimeout(timeout) { 8 } == 8)
            }
            #expect(try await waitForMs({ try await sleepMs(10); return 9 }, Int.max) == 9)
            for timeout in [Duration.seconds(Int64.min), .seconds(-1), .zero] {
                await #expect(throws: TimeoutError.self) { try await waitFor({ try await sleep(1) }, timeout: timeout) }
            }
            for ms in [Int.min, -1, 0] {
                await #expect(throws: TimeoutError.self) { try await waitForMs({ try await sleep(1) }, ms) }
            }
            let (done, _) = try await wait([createTask { 1 }], timeout: .seconds(Int64.max))
            #expect(done.count == 1)
        }
    }

    @Test func primitivesRejectMeaninglessCountsWithATypedError() throws {
        try runLoopTest {
            for value in [-1, Int.min] {
                #expect(throws: LoopError.self) { _ = try Semaphore(value: value) }
                #expect(throws: LoopError.self) { _ = try BoundedSemaphore(value: value) }
            }
            for parties in [0, -1, Int.min] {
                #expect(throws: LoopError.self) { _ = try Barrier(parties: parties) }
            }
            // The other extremes are valid.
            let semaphore = try Semaphore(value: Int.max)
            try await semaphore.acquire()
            try semaphore.release()
            let empty = try Semaphore(value: 0)
            #expect(empty.value == 0)
            let bounded = try BoundedSemaphore(value: Int.max)
            try await bounded.acquire()
            try bounded.release()
            #expect(throws: SynchronizationError.self) { try bounded.release() }
            _ = try Barrier(parties: Int.max)
            // Queues: a size of zero or less is unbounded (CPython), Int.max is a bound never reached.
            for maxSize in [0, -1, Int.min, Int.max] {
                let q = Queue<Int>(maxSize: maxSize)
                for i in 0..<1000 { try q.putNowait(i) }
                #expect(!q.isFull)
            }
            // Condition.notify with any count wakes what waits, never more.
            let condition = Condition()
            try await condition.withLock {
                for count in [Int.min, -1, 0, 1, Int.max] { try condition.notify(count: count) }
            }
        }
    }

    @Test func streamSizesAndLimitsAtTheirExtremes() throws {
        try runLoopTest {
            let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
                try stream.write([UInt8]("line one\nrest".utf8))
                try await stream.drain()
                stream.close()
            }
            let stream = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
            #expect(try await stream.read(max: 0) == [])
            for max in [-1, Int.min] {
                await #expect(throws: LoopError.self) { _ = try await stream.read(max: max) }
            }
            for count in [-1, Int.min] {
                await #expect(throws: LoopError.self) { _ = try await stream.readExactly(count) }
            }
            #expect(try await stream.readExactly(0) == [])
            for limit in [0, -1, Int.min] {
                await #expect(throws: LoopError.self) { _ = try await stream.readLine(limit: limit) }
                await #expect(throws: LoopError.self) { _ = try await stream.readUntil([10], limit: limit) }
            }
            await #expect(throws: LoopError.self) { _ = try await stream.readUntil([]) }
            #expect(try await stream.readLine(limit: Int.max) == [UInt8]("line one\n".utf8))
            // Int.max bytes: whatever the peer sent before closing, as incompleteRead.
            do {
                _ = try await stream.readExactly(Int.max)
                Issue.record("readExactly(Int.max) returned")
            } catch StreamError.incompleteRead(let partial, _) {
                #expect(partial == [UInt8]("rest".utf8))
            }
            #expect(try await stream.read(max: Int.max) == [])
            // Water marks: negative values count as zero; a drain still returns.
            stream.highWaterMark = Int.min
            stream.lowWaterMark = Int.min
            #expect(stream.highWaterMark == 0 && stream.lowWaterMark == 0)
            stream.highWaterMark = Int.max
            stream.lowWaterMark = Int.max
            #expect(stream.lowWaterMark <= stream.highWaterMark)
            stream.close()
            try await stream.waitClosed()
            server.close()
            try await server.waitClosed()
        }
    }

    @Test func portsOutsideTheirRangeAreTypedErrors() throws {
        try runLoopTest {
            for port in [-1, 65_536, Int.max, Int.min, 70_000] {
                await #expect(throws: LoopError.self) { _ = try await openConnection(host: "127.0.0.1", port: port) }
                await #expect(throws: LoopError.self) { _ = try await openConnection(host: "localhost", port: port) }
                await #expect(throws: LoopError.self) { _ = try await startServer(host: "127.0.0.1", port: port) { _ in } }
                await #expect(throws: LoopError.self) { _ = try await DatagramSocket.bind(host: "127.0.0.1", port: port) }
                await #expect(throws: LoopError.self) { _ = try await DatagramSocket.connect(host: "127.0.0.1", port: port) }
                #expect(SocketAddress(numericHost: "127.0.0.1", port: port) == nil)
            }
            // Backlogs: negative is an error, huge is capped by the kernel.
            await #expect(throws: LoopError.self) { _ = try await startServer(host: "127.0.0.1", port: 0, backlog: -1) { _ in } }
            await #expect(throws: LoopError.self) { _ = try await startServer(host: "127.0.0.1", port: 0, backlog: Int.min) { _ in } }
            for backlog in [0, Int.max] {
                let server = try await startServer(host: "127.0.0.1", port: 0, backlog: backlog) { _ in }
                server.close()
                try await server.waitClosed()
            }
        }
    }

    @Test func datagramReceiveSizes() throws {
        try runLoopTest {
            let receiver = try await DatagramSocket.bind(host: "127.0.0.1", port: 0)
            let sender = try await DatagramSocket.connect(host: "127.0.0.1", port: receiver.localAddress!.port)
            for maxSize in [0, -1, Int.min] {
                await #expect(throws: LoopError.self) { _ = try await receiver.receive(maxSize: maxSize) }
            }
            _ = try await sender.send([1, 2, 3])
            let (bytes, _) = try await receiver.receive(maxSize: Int.max)
            #expect(bytes == [1, 2, 3])
            sender.close()
            receiver.close()
        }
    }

    @Test func rawIOWithBadDescriptorsIsAnErrno() throws {
        try runLoopTest {
            let byte = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
            defer { byte.deallocate() }
            for fd in [Int32(-1), Int32.max, Int32.min] {
                await #expect(throws: Errno.self) { _ = try await RawIO.read(fd: fd, into: byte) }
            }
        }
    }

    @Test func debugThresholdsAtTheirExtremes() throws {
        try runLoopTest {
            for threshold in [Duration.zero, .seconds(-1), .seconds(Int64.max), .seconds(Int64.min)] {
                try Loop.setDebug(true, slowTaskThreshold: threshold)
                #expect(Loop.isDebug)
            }
            try Loop.setDebug(false)
        }
    }
}

import AsyncIO
import AsyncIOTestSupport
import Testing
@testable import AsyncIOCamera

/// The camera's behaviour on the built-in test pattern: leases, snapshot
/// freshness, policies, drops, timeouts, restarts, errors. Each test runs in
/// `runLoopTest`, which fails on a leaked task, timer or operation.
@Suite("Camera on the test pattern", .serialized)
struct CameraTestPatternTests {
    // MARK: Leases and zero copy

    @Test func frameBytesAreThePoolBufferAndMatchThePattern() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
            defer { camera.close() }
            let frame = try await camera.snapshot()
            // Zero copy: the frame's bytes are the pool buffer itself.
            #expect(frame.bytes.baseAddress == camera.bufferAddress(frame.bufferIndex))
            #expect(frame.bytes.count == 64 * 48 * 2)
            #expect(frame.format.pixelFormat == .yuyv && frame.format.bytesPerLine == 128)
            #expect(frame.planes.count == 1 && frame.planes[0].bytesPerLine == 128)
            #expect(frame.dmabufFD == nil)
            #expect(Array(frame.bytes) == expectedPattern(frame.format, sequence: frame.sequence))
            frame.release()
        }
    }

    @Test func aHeldFrameIsNeverOverwritten() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 200)
            defer { camera.close() }
            let frame = try await camera.snapshot()
            let expected = expectedPattern(frame.format, sequence: frame.sequence)
            // 10 periods: the other 3 buffers cycle many times meanwhile.
            try await sleep(for: camera.period * 10)
            #expect(camera.statistics.framesCaptured >= 5)
            #expect(Array(frame.bytes) == expected)
            frame.release()
        }
    }

    @Test func releaseAndDeinitGiveTheBufferBack() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 200, bufferCount: 4)
            defer { camera.close() }
            do {
                let frame = try await camera.snapshot()
                #expect(camera.heldFrames == 1)
                _ = frame.sequence
            }  // the last reference goes: the lease ends
            #expect(camera.heldFrames == 0)
            let frame = try await camera.snapshot()
            let index = frame.bufferIndex
            frame.release()
            frame.release()  // idempotent
            #expect(frame.isReleased && camera.heldFrames == 0)
            // Once a newer frame replaces it as the newest, the buffer is queued again:
            // every buffer but the camera's newest is with the producer.
            let next = try await camera.snapshot()
            #expect(next.bufferIndex != index)
            next.release()
            try await sleep(for: camera.period * 3)
            #expect(camera.source.queuedCount == camera.bufferCount - 1)
        }
    }

    @Test func copyOutlivesTheLease() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 32, height: 16, fps: 100, format: .rgb24)
            defer { camera.close() }
            let frame = try await camera.snapshot()
            let copy = frame.copy()
            frame.release()
            #expect(copy.bytes == expectedPattern(copy.format, sequence: copy.sequence))
            #expect(copy.planes.count == 1 && copy.format.pixelFormat == .rgb24)
            #expect(copy.timestamp == frame.timestamp && copy.sequence == frame.sequence)
        }
    }

    // MARK: Snapshot semantics

    @Test func snapshotReturnsOnlyNewerFramesAndWaitsForTheNext() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
            defer { camera.close() }
            var last: UInt32?
            for _ in 0..<5 {
                let frame = try await camera.snapshot()
                if let last { #expect(frame.sequence > last) }
                last = frame.sequence
                frame.release()
            }
        }
    }

    @Test func twoWaitersGetTheSameNewFrame() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 50)
            defer { camera.close() }
            try camera.start()
            let a = createTask { try await camera.frames().next()!.sequence }
            let b = createTask { try await camera.frames().next()!.sequence }
            let (x, y) = (try await a.value, try await b.value)
            #expect(x == y)
        }
    }

    @Test func slowConsumerGetsAFrameAtMostOnePeriodOld() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 50)
            defer { camera.close() }
            let period = camera.period
            var ages: [Duration] = []
            var sequences: [UInt32] = []
            for _ in 0..<6 {
                let frame = try await camera.snapshot()
                ages.append(frame.age)
                sequences.append(frame.sequence)
                try await sleep(for: .milliseconds(75))  // a slow consumer: 3.75 periods per frame
                frame.release()
            }
            // Never a queued, stale frame: at most one period old (plus slack for a
            // late timer on a loaded machine).
            for age in ages {
                #expect(age >= .zero)
                #expect(age <= period + .milliseconds(8), "age \(age) with a \(period) period")
            }
            // The frames in between were skipped on purpose, and counted.
            #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 > $0 + 1 })
            #expect(camera.statistics.framesSuperseded > 0)
            #expect(camera.statistics.droppedByDriver == 0)
        }
    }

    @Test func snapshotTimesOut() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 1)
            defer { camera.close() }
            let start = monotonicNow()
            await #expect(throws: TimeoutError.self) { _ = try await camera.snapshot(timeout: .milliseconds(50)) }
            let waited = monotonicNow() - start
            #expect(waited >= .milliseconds(50) && waited < .milliseconds(900))
        }
    }

    @Test func snapshotDefaultTimeoutIsThreeSeconds() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 0.2)  // one frame per 5 s
            defer { camera.close() }
            let start = monotonicNow()
            await #expect(throws: TimeoutError.self) { _ = try await camera.snapshot() }
            let waited = monotonicNow() - start
            #expect(waited >= .seconds(3) && waited < .milliseconds(3_800))
        }
    }

    @Test func cancellingAWaitingSnapshotThrowsCancellation() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 1)
            defer { camera.close() }
            let waiter = createTask { _ = try await camera.snapshot(timeout: nil) }
            try await sleepMs(10)
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
        }
    }

    @Test func snapshotIfReadyDoesNotWait() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
            defer { camera.close() }
            #expect(try camera.snapshotIfReady() == nil)  // starts streaming, nothing yet
            try await sleep(for: camera.period * 2)
            let frame = try #require(try camera.snapshotIfReady())
            #expect(try camera.snapshotIfReady() == nil)  // nothing newer yet
            frame.release()
        }
    }

    // MARK: Streams and policies

    @Test func allPolicyDeliversEveryFrameInOrder() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
            defer { camera.close() }
            let stream = camera.frames(policy: .all(maxPending: 3))
            defer { stream.close() }
            var sequences: [UInt32] = []
            for try await frame in stream {
                sequences.append(frame.sequence)
                frame.release()
                if sequences.count == 10 { break }
            }
            #expect(sequences == Array(sequences[0]..<sequences[0] + 10))
            #expect(stream.droppedFrames == 0 && stream.deliveredFrames == 10)
        }
    }

    @Test func allPolicyDropsTheOldestWhenItsQueueIsFull() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
            defer { camera.close() }
            let stream = camera.frames(policy: .all(maxPending: 3))
            defer { stream.close() }
            var sequences: [UInt32] = []
            var ages: [Duration] = []
            while sequences.count < 6, let frame = try await stream.next() {
                sequences.append(frame.sequence)
                ages.append(frame.age)
                frame.release()
                try await sleep(for: .milliseconds(40))  // slower than the camera
            }
            #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 > $0 })
            let gaps = zip(sequences, sequences.dropFirst()).reduce(0) { $0 + Int($1.1 - $1.0 - 1) }
            #expect(gaps > 0 && stream.droppedFrames == gaps)
            // Queued frames grow old: the reason for `.latest`.
            #expect(ages.dropFirst().contains { $0 > camera.period })
        }
    }

    @Test func latestPolicyGivesASlowConsumerTheNewestFrame() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 50)
            defer { camera.close() }
            let stream = camera.frames(policy: .latest)
            var sequences: [UInt32] = []
            for try await frame in stream {
                #expect(frame.age <= camera.period + .milliseconds(8), "age \(frame.age)")
                sequences.append(frame.sequence)
                frame.release()
                if sequences.count == 5 { break }
                try await sleep(for: .milliseconds(70))  // 3.5 periods per frame
            }
            let gaps = zip(sequences, sequences.dropFirst()).reduce(0) { $0 + Int($1.1 - $1.0 - 1) }
            #expect(gaps > 0 && stream.droppedFrames == gaps)
        }
    }

    // MARK: Holding buffers

    @Test func holdingAllBuffersWarnsThenThrowsInsteadOfHanging() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 200, bufferCount: 4)
            defer { camera.close() }
            var held: [Frame] = []
            for _ in 0..<3 { held.append(try await camera.snapshot()) }
            #expect(camera.statistics.starvationWarnings == 1)  // 3 of 4 held: logged once
            held.append(try await camera.snapshot())
            #expect(camera.heldFrames == 4)
            let start = monotonicNow()
            await #expect {
                _ = try await camera.snapshot()
            } throws: { ($0 as? CameraError)?.code == .allBuffersHeld }
            #expect(monotonicNow() - start < .milliseconds(100))
            // Starved, the producer drops frames; they show as sequence gaps.
            try await sleep(for: camera.period * 5)
            for frame in held { frame.release() }
            held.removeAll()
            let frame = try await camera.snapshot()
            #expect(camera.statistics.droppedByDriver >= 3)
            frame.release()
            #expect(camera.statistics.starvationWarnings == 1)
        }
    }

    // MARK: Restarts, errors, close

    @Test func leasesSurviveAStopAndStartAndRejoinTheNewSession() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 200, bufferCount: 4)
            defer { camera.close() }
            let old = try await camera.snapshot()
            let expected = Array(old.bytes)
            #expect(old.isCurrent)
            camera.stop()
            #expect(!old.isCurrent)
            try camera.start()
            let new = try await camera.snapshot()
            #expect(new.session > old.session && new.isCurrent && !old.isCurrent)
            #expect(Array(old.bytes) == expected)  // still readable, untouched
            old.release()
            new.release()
            // The old buffer rejoined the new session: every buffer is filled again.
            var seen = Set<Int>()
            for _ in 0..<12 {
                let frame = try await camera.snapshot()
                seen.insert(frame.bufferIndex)
                frame.release()
            }
            #expect(seen.contains(old.bufferIndex))
            #expect(seen.count == 4)
        }
    }

    @Test func restartAfterAnErrorInvalidatesLeasesSafely() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 200)
            defer { camera.close() }
            let old = try await camera.snapshot()
            camera.pattern.inject(.restart)
            #expect(camera.statistics.restarts == 1)
            #expect(!old.isCurrent)
            let new = try await camera.snapshot()
            #expect(new.session == old.session + 1)
            #expect(new.sequence < 5)  // the sequence starts over
            #expect(Array(old.bytes) == expectedPattern(old.format, sequence: old.sequence))
            old.release()
            new.release()
            let after = try await camera.snapshot()
            #expect(after.isCurrent)
            after.release()
        }
    }

    @Test func disconnectIsTerminalAndReportedAtOnceToWaiters() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 2)
            defer { camera.close() }
            try camera.start()
            let held = try await camera.snapshot()
            let stream = camera.frames(policy: .latest)
            try #require(try await stream.next()).release()  // the newest frame: the next step waits
            let snapshotWaiter = createTask { _ = try await camera.snapshot(timeout: .seconds(5)) }
            let streamWaiter = createTask { _ = try await stream.next() }
            try await sleepMs(5)
            let start = monotonicNow()
            camera.pattern.inject(.disconnect)
            await #expect { _ = try await snapshotWaiter.value } throws: { ($0 as? CameraError)?.code == .disconnected }
            #expect(monotonicNow() - start < .milliseconds(100))
            await #expect { _ = try await streamWaiter.value } throws: { ($0 as? CameraError)?.code == .disconnected }
            await #expect { _ = try await camera.snapshot() } throws: { ($0 as? CameraError)?.code == .disconnected }
            #expect(throws: CameraError.self) { try camera.start() }
            // A frame held across the unplug stays readable, and releasing it is safe.
            #expect(Array(held.bytes) == expectedPattern(held.format, sequence: held.sequence))
            #expect(!held.isCurrent)
            held.release()
        }
    }

    @Test func corruptFramesAreSkippedByDefault() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
            defer { camera.close() }
            let stream = camera.frames(policy: .all(maxPending: 3))
            defer { stream.close() }
            let first = try #require(try await stream.next())
            first.release()
            camera.pattern.inject(.corruptNextFrame)
            var corrupt = 0
            for _ in 0..<4 {
                let frame = try #require(try await stream.next())
                if frame.isCorrupt { corrupt += 1 }
                frame.release()
            }
            #expect(corrupt == 0)
            #expect(camera.statistics.corruptFrames == 1)
            #expect(stream.droppedFrames == 1)  // the skipped frame is a gap
        }
    }

    @Test func corruptFramesCanBeDeliveredFlagged() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
            defer { camera.close() }
            camera.corruptFramePolicy = .deliver
            let stream = camera.frames(policy: .all(maxPending: 3))
            defer { stream.close() }
            try #require(try await stream.next()).release()
            camera.pattern.inject(.corruptNextFrame)
            var flagged: [Bool] = []
            for _ in 0..<3 {
                let frame = try #require(try await stream.next())
                flagged.append(frame.isCorrupt)
                if frame.isCorrupt { #expect(frame.flags & 0x40 != 0) }
                frame.release()
            }
            #expect(flagged == [true, false, false])
            #expect(camera.statistics.corruptFrames == 1)
        }
    }

    @Test func closeEndsStreamsAndFailsWaiters() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 2)
            try camera.start()
            let held = try await camera.snapshot()
            let stream = camera.frames()
            try #require(try await stream.next()).release()  // the newest frame: the next step waits
            let streamWaiter = createTask { try await stream.next() == nil }
            let snapshotWaiter = createTask { _ = try await camera.snapshot() }
            try await sleepMs(5)
            camera.close()
            #expect(try await streamWaiter.value)
            await #expect { _ = try await snapshotWaiter.value } throws: { ($0 as? CameraError)?.code == .closed }
            await #expect { _ = try await camera.snapshot() } throws: { ($0 as? CameraError)?.code == .closed }
            #expect(try await stream.next() == nil)
            #expect(Array(held.bytes).count == held.format.sizeImage)  // still mapped
            held.release()
            camera.close()  // idempotent
        }
    }

    @Test func droppingTheLastReferenceClosesTheCamera() throws {
        try runLoopTest {
            do {
                let camera = try Camera.testPattern(width: 64, height: 48, fps: 100)
                let frame = try await camera.snapshot()
                _ = frame.sequence
            }
            // runLoopTest fails if the camera's timer outlived it.
        }
    }

    // MARK: Formats and controls

    @Test func testPatternFormatsAndNegotiation() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 63, height: 40, fps: 30)
            defer { camera.close() }
            #expect(camera.isTestPattern && camera.device == "test-pattern")
            #expect(camera.format.width == 64)  // YUYV pairs pixels: rounded up, as drivers do
            #expect(camera.frameInterval == FrameInterval(numerator: 1, denominator: 30))
            #expect(try camera.supportedFormats() == [.yuyv, .rgb24, .bgr24, .grey])
            let chosen = try camera.configure(width: 320, height: 240, pixelFormat: .rgb24)
            #expect(chosen.pixelFormat == .rgb24 && chosen.bytesPerLine == 960 && chosen.sizeImage == 230_400)
            #expect {
                try camera.configure(width: 320, height: 240, pixelFormat: .mjpeg)
            } throws: { ($0 as? CameraError)?.code == .unsupportedFormat }
            #expect(try camera.setFrameRate(120) == FrameInterval(numerator: 1, denominator: 120))
            let frame = try await camera.snapshot()
            #expect(frame.format == chosen && frame.bytes.count == 230_400)
            // A format change while a frame is held: the frame stays readable and is no longer current.
            try camera.configure(width: 64, height: 48, pixelFormat: .grey)
            #expect(!frame.isCurrent)
            #expect(Array(frame.bytes) == expectedPattern(chosen, sequence: frame.sequence))
            frame.release()
            let grey = try await camera.snapshot()
            #expect(grey.format.pixelFormat == .grey && grey.bytes.count == 64 * 48)
            grey.release()
            #expect {
                _ = try Camera.testPattern(width: 0, height: 48)
            } throws: { ($0 as? CameraError)?.code == .invalidArgument }
            #expect {
                _ = try Camera.testPattern(fps: 0)
            } throws: { ($0 as? CameraError)?.code == .invalidArgument }
        }
    }

    @Test func testPatternBrightnessControl() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 100, format: .grey)
            defer { camera.close() }
            let controls = try camera.controls()
            #expect(controls.map(\.key) == ["brightness"])
            #expect(try camera.control(.brightness) == 128)
            let before = try await camera.snapshot()
            let dim = before.bytes[before.bytes.count - 1]
            before.release()
            try camera.setControl(.brightness, to: 200)
            #expect(try camera.control(.brightness) == 200)
            let after = try await camera.snapshot()
            #expect(after.bytes[after.bytes.count - 1] > dim)
            after.release()
            #expect { try camera.setControl(.gain, to: 1) } throws: { ($0 as? CameraError)?.code == .unsupportedControl }
            #expect { try camera.setControl(.brightness, to: 300) } throws: { ($0 as? CameraError)?.code == .unsupportedControl }
        }
    }

    @Test(.enabled(if: Camera.devices().isEmpty, "a capture device exists here; the default camera is that device"))
    func defaultCameraIsTheTestPatternWithoutADevice() throws {
        try runLoopTest {
            let camera = try Camera.default(width: 320, height: 240, fps: 60)
            defer { camera.close() }
            #expect(camera.isTestPattern)
            #expect(camera.format.width == 320 && camera.format.pixelFormat == .yuyv)
            let frame = try await camera.snapshot()
            #expect(frame.bytes.count == 320 * 240 * 2)
            frame.release()
        }
    }

    @Test func devicesListsOnlyCaptureNodes() {
        for info in Camera.devices() {
            #expect(info.isStreamingCapture)
            #expect(info.device.hasPrefix("/dev/video"))
        }
    }
}

/// The camera's sizes, rates, counts and timeouts at their extremes: typed
/// errors or saturation, never a crash (the same bar as ExtremeArgumentTests).
@Suite("Camera arguments at their extremes", .serialized, .timeLimit(.minutes(1)))
struct CameraExtremeArgumentTests {
    @Test func testPatternRejectsMeaninglessSizesAndRates() throws {
        try runLoopTest {
            for (width, height) in [(Int.max, 48), (Int.min, 48), (64, Int.max), (64, Int.min), (0, 0), (-1, -1)] {
                #expect {
                    _ = try Camera.testPattern(width: width, height: height)
                } throws: { ($0 as? CameraError)?.code == .invalidArgument }
            }
            for fps in [Double.nan, -Double.nan, Double.infinity, -Double.infinity, -1, 0, Double.greatestFiniteMagnitude] {
                #expect {
                    _ = try Camera.testPattern(fps: fps)
                } throws: { ($0 as? CameraError)?.code == .invalidArgument }
            }
            for count in [Int.max, Int.min, 0, -1] {
                let camera = try Camera.testPattern(width: 64, height: 48, bufferCount: count)
                #expect((1...32).contains(camera.bufferCount))
                camera.close()
            }
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 200)
            for fps in [Double.nan, Double.infinity, -1, 0] {
                #expect {
                    _ = try camera.setFrameRate(fps)
                } throws: { ($0 as? CameraError)?.code == .invalidArgument }
            }
            for (width, height) in [(Int.max, Int.max), (Int.min, 48), (0, 0)] {
                #expect {
                    _ = try camera.configure(width: width, height: height, pixelFormat: .yuyv)
                } throws: { ($0 as? CameraError)?.code == .invalidArgument }
            }
            // A timeout too long for the clock waits for the next frame; a
            // zero or negative one gives the next frame or times out at once.
            let frame = try await camera.snapshot(timeout: .seconds(Int64.max))
            frame.release()
            for timeout in [Duration.zero, .seconds(-1), .seconds(Int64.min)] {
                do {
                    try await camera.snapshot(timeout: timeout).release()
                } catch is TimeoutError {
                }
            }
            camera.close()
        }
    }
}

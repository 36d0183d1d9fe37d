import AsyncIO
import AsyncIOTestSupport
import Synchronization
import Testing
@testable import AsyncIOCamera

/// FNV-1a of `bytes`, to compare a frame's pixels on two loops.
private func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return h
}

@Suite("Frames handed to another loop", .serialized, .timeLimit(.minutes(1)))
struct FrameTransferTests {
    @Test func aFrameCapturedOnOneLoopIsReadOnAnotherAndReturnsToItsCamera() throws {
        let frames = try LoopChannel<FrameTransfer>(capacity: 4)
        let results = try LoopGroup.run(loops: 2) { loop -> [UInt64] in
            if loop.index == 1 {
                // The processing loop: reads each frame in place, then releases it.
                var seen: [UInt64] = []
                for try await frame in frames {
                    #expect(!frame.isReleased)
                    seen.append(frame.withPlane { checksum($0) })
                    frame.release()
                    #expect(frame.isReleased)
                }
                return seen
            }
            let camera = try Camera.testPattern(width: 64, height: 48, fps: 30)
            defer { camera.close() }
            try camera.start()
            var sent: [UInt64] = []
            for _ in 0..<5 {
                let frame = try await camera.snapshot()
                sent.append(frame.withUnsafeBytes { checksum($0) })
                let transfer = frame.transfer()
                #expect(frame.isReleased, "the lease moved with the transfer")
                #expect(camera.heldFrames == 1, "the transfer still holds the buffer")
                try await frames.send(transfer)
                // Released on loop 1, the buffer comes back here.
                var waited = 0
                while camera.heldFrames > 0 && waited < 2000 {
                    try await sleepMs(1)
                    waited += 1
                }
                #expect(camera.heldFrames == 0)
            }
            frames.finish()
            return sent
        }
        #expect(results[0].count == 5)
        #expect(results[1] == results[0], "loop 1 read the very pixels loop 0 captured")
    }

    @Test func aTransferDroppedUnreleasedStillReturnsItsBuffer() throws {
        try runLoopTest {
            let camera = try Camera.testPattern(width: 32, height: 24, fps: 30)
            defer { camera.close() }
            try camera.start()
            do {
                let transfer = try await camera.snapshot().transfer()
                #expect(camera.heldFrames == 1)
                _ = transfer
            }
            try await sleepMs(5)
            #expect(camera.heldFrames == 0)
        }
    }
}

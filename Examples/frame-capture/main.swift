// Chapter 7: frame capture (docs/07-frame-capture.md). Captures from the
// built-in test-pattern camera, so it runs anywhere, and writes one frame to
// a PNG file (the path given as the first argument, or frame.png).
import AsyncIO
import AsyncIOCamera
#if canImport(Glibc)
import Glibc
#endif

/// Milliseconds, rounded, for printing.
func ms(_ d: Duration) -> String {
    let value = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return "\(Int(value.rounded())) ms"
}

/// YUYV (BT.601 limited range) or RGB24/BGR24/GREY to RGB24, reading the frame in place.
@Loop func rgb(of frame: Frame) -> [UInt8] {
    let format = frame.format
    let (width, height, stride) = (format.width, format.height, format.bytesPerLine)
    let bytes = frame.bytes
    var out = [UInt8](repeating: 0, count: width * height * 3)
    func clamp(_ v: Int) -> UInt8 { UInt8(max(0, min(255, v))) }
    for y in 0..<height {
        let row = y * stride
        for x in 0..<width {
            let o = (y * width + x) * 3
            switch format.pixelFormat {
            case .yuyv:
                let pair = row + (x & ~1) * 2
                let luma = Int(bytes[pair + (x & 1) * 2]) - 16
                let u = Int(bytes[pair + 1]) - 128
                let v = Int(bytes[pair + 3]) - 128
                out[o] = clamp((298 * luma + 409 * v + 128) >> 8)
                out[o + 1] = clamp((298 * luma - 100 * u - 208 * v + 128) >> 8)
                out[o + 2] = clamp((298 * luma + 516 * u + 128) >> 8)
            case .rgb24:
                for c in 0..<3 { out[o + c] = bytes[row + x * 3 + c] }
            case .bgr24:
                for c in 0..<3 { out[o + c] = bytes[row + x * 3 + 2 - c] }
            default:  // GREY
                for c in 0..<3 { out[o + c] = bytes[row + x] }
            }
        }
    }
    return out
}

/// Writes `bytes` to `path` (a plain synchronous write: it happens once).
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw CameraError(.system, device: path, operation: "open", errno: errno) }
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw CameraError(.system, device: path, operation: "write", errno: errno) }
}

let output = CommandLine.arguments.dropFirst().first ?? "frame.png"

try AsyncIO.run {
    // MARK: 1. Open a camera.
    // Camera.default() would pick /dev/video0 and fall back to the test pattern;
    // the example uses the test pattern so its output is the same everywhere.
    print("1. capture devices here: \(Camera.devices().count)")
    let camera = try Camera.testPattern(width: 320, height: 240, fps: 30)
    defer { camera.close() }
    let period = camera.frameInterval!.duration
    print("   \(camera.info)")
    print("   format \(camera.format), \(camera.frameInterval!.fps) fps, \(camera.bufferCount) buffers")

    // MARK: 2. snapshot(): the newest frame newer than the last one returned.
    var sequences: [UInt32] = []
    for _ in 0..<3 {
        let frame = try await camera.snapshot()  // starts streaming; waits for a frame
        sequences.append(frame.sequence)
        frame.release()  // the buffer goes back to the producer
    }
    print("2. three snapshots in a row: sequences increase: \(sequences == sequences.sorted() && Set(sequences).count == 3)")

    // MARK: 3. A slow consumer still gets fresh frames.
    var fresh = true
    var skipped: [UInt32] = []
    var last = sequences.last!
    for _ in 0..<5 {
        let frame = try await camera.snapshot()
        fresh = fresh && frame.age <= period + .milliseconds(5)
        skipped.append(frame.sequence - last - 1)
        last = frame.sequence
        frame.release()
        try await sleep(for: .milliseconds(100))  // 3 periods of "work"
    }
    print("3. working 100 ms per frame at 30 fps: every snapshot at most one period old: \(fresh)")
    print("   frames skipped between snapshots: \(skipped.dropFirst().allSatisfy { $0 >= 2 } ? "2 or more each time" : "\(skipped)")")

    // MARK: 4. Streams: .latest versus .all for the same slow consumer.
    for policy in [FramePolicy.latest, .all(maxPending: 3)] {
        let stream = camera.frames(policy: policy)
        var oldest = Duration.zero
        var taken = 0
        for try await frame in stream {
            oldest = max(oldest, frame.age)
            frame.release()
            taken += 1
            if taken == 5 { break }
            try await sleep(for: .milliseconds(100))
        }
        stream.close()
        let name = policy == .latest ? ".latest" : ".all(maxPending: 3)"
        print("4. \(name): oldest frame older than one period: \(oldest > period + .milliseconds(5)); frames dropped: \(stream.droppedFrames > 0 ? "some, counted" : "none")")
    }

    // MARK: 5. Holding every buffer is an error, not a silent hang.
    var held: [Frame] = []
    do {
        while true { held.append(try await camera.snapshot()) }
    } catch let error as CameraError where error.code == .allBuffersHeld {
        print("5. holding \(held.count) of \(camera.bufferCount) frames, the next snapshot throws \(error.code) at once")
    }
    for frame in held { frame.release() }
    held.removeAll()

    // MARK: 6. One frame to a PNG file.
    let frame = try await camera.snapshot()
    let pixels = rgb(of: frame)  // read in place, converted
    let copy = frame.copy()  // or keep the raw bytes beyond the lease
    frame.release()
    let png = encodePNG(width: copy.format.width, height: copy.format.height, rgb: pixels)
    try writeFile(output, png)
    print("6. frame \(copy.sequence) (\(copy.format.pixelFormat), \(copy.bytes.count) bytes) written to \(output): \(png.count) bytes of PNG")

    let s = camera.statistics
    print("7. captured \(s.framesCaptured), delivered \(s.framesDelivered), corrupt \(s.corruptFrames), restarts \(s.restarts), starvation warnings \(s.starvationWarnings)")
}

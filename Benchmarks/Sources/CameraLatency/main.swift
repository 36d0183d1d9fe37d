// Camera completion-to-user latency on the built-in test-pattern camera:
// zero-copy leases beside a copying path, in the same run (docs/benchmarks.md,
// "Camera"). Run: swift build -c release --product CameraLatency && .build/release/CameraLatency [frames]
//
// "Completion" is the frame's timestamp: the test pattern stamps a buffer on
// CLOCK_MONOTONIC right after drawing it and hands it to the camera at once,
// as a driver completes a buffer. "User" is the moment the consuming task
// holds what it asked for:
//   - zero-copy: `snapshot()` (or a stream step) returned the lease; the bytes
//     are the pool buffer, read in place;
//   - copying: the same, then `frame.copy()` returned a private copy of the
//     pixels (what a copying API such as OpenCV's retrieve() hands out).
// Both are taken from the same frames (paired samples), so the machine's noise
// is common to both columns. The latency is `now - frame.timestamp`, in µs.

import AsyncIO
import AsyncIOCamera
import BenchmarkSupport
#if canImport(Glibc)
import Glibc
#endif

/// How the consumer takes frames.
enum Path: String, CaseIterable {
    case snapshot = "snapshot()"
    case latest = "frames(policy: .latest)"
    case all = "frames(policy: .all(maxPending: 2))"
}

/// Sink for copied bytes, so the copy is not optimised away.
nonisolated(unsafe) var checksum = 0

/// Latencies in nanoseconds of `count` frames (after 10 warm-up frames), paired:
/// for each frame, when the lease arrived (zero-copy) and when a copy of its
/// pixels was ready (copying path), both from the same completion.
@Loop
func measure(_ path: Path, width: Int, height: Int, fps: Double, count: Int) async throws -> (lease: [Int64], copy: [Int64]) {
    let camera = try Camera.testPattern(width: width, height: height, fps: fps)
    defer { camera.close() }
    let stream: FrameStream?
    switch path {
    case .snapshot: stream = nil
    case .latest: stream = camera.frames(policy: .latest)
    case .all: stream = camera.frames(policy: .all(maxPending: 2))
    }
    defer { stream?.close() }
    var lease: [Int64] = []
    var copied: [Int64] = []
    lease.reserveCapacity(count)
    copied.reserveCapacity(count)
    for index in 0..<(count + 10) {
        let frame: Frame
        if let stream { frame = try await stream.next()! } else { frame = try await camera.snapshot() }
        checksum &+= Int(frame.bytes[frame.bytes.count / 2])  // the user reads the frame in place
        let leased = nowNanoseconds()
        let copy = frame.copy()  // what a copying API hands out instead
        let copiedAt = nowNanoseconds()
        checksum &+= Int(copy.bytes[copy.bytes.count / 2])
        let completed = Int64(frame.timestamp.components.seconds) * 1_000_000_000
            + frame.timestamp.components.attoseconds / 1_000_000_000
        frame.release()
        if index >= 10 {
            lease.append(leased - completed)
            copied.append(copiedAt - completed)
        }
    }
    return (lease, copied)
}

func percentile(_ sorted: [Int64], _ p: Double) -> Double {
    Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
}

func format(_ microseconds: Double) -> String {
    microseconds >= 100 ? String(Int(microseconds.rounded())) : String(Double(Int(microseconds * 10)) / 10)
}

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1000 : 1000
let configurations: [(String, Int, Int, Double)] = [
    ("640x480 YUYV (600 KiB), 120 fps", 640, 480, 120),
    ("1920x1080 YUYV (3.96 MiB), 60 fps", 1920, 1080, 60),
]

try AsyncIO.run {
    print("backend: \(Loop.backend.map { "\($0)" } ?? "?"); \(count) frames per row (after 10 warm-up frames)")
    print("| Frames | Consumer | zero-copy p50 (µs) | zero-copy p99 (µs) | copying p50 (µs) | copying p99 (µs) | copying / zero-copy (p50) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (name, width, height, fps) in configurations {
        for path in Path.allCases {
            let (lease, copy) = try await measure(path, width: width, height: height, fps: fps, count: count)
            let l = lease.sorted()
            let c = copy.sorted()
            let ratio = percentile(c, 0.5) / percentile(l, 0.5)
            print("| \(name) | \(path.rawValue) | \(format(percentile(l, 0.5))) | \(format(percentile(l, 0.99))) | \(format(percentile(c, 0.5))) | \(format(percentile(c, 0.99))) | \(Double(Int(ratio * 10)) / 10)× |")
        }
    }
    print("(checksum \(checksum & 0xff))")
}

import AsyncIO
import AsyncIOTestSupport
import Testing
@testable import AsyncIOCamera
#if canImport(Glibc)
import Glibc
#endif

/// `CLOCK_MONOTONIC` now, as a duration (the clock frame timestamps use).
func monotonicNow() -> Duration { .nanoseconds(LoopIO.monotonicNanoseconds()) }

extension Camera {
    /// The test-pattern source behind a test-pattern camera.
    var pattern: TestPatternSource { source as! TestPatternSource }

    /// The address of plane 0 of pool buffer `index` (the mmap for a device).
    func bufferAddress(_ index: Int) -> UnsafeRawPointer? {
        index < source.buffers.count ? UnsafeRawPointer(source.buffers[index].planes[0].base) : nil
    }

    /// One frame period.
    var period: Duration { frameInterval!.duration }
}

/// What the pattern painter draws for `sequence` in `format`.
func expectedPattern(_ format: FrameFormat, sequence: UInt32) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: format.sizeImage)
    bytes.withUnsafeMutableBytes { PatternPainter(format: format).draw(into: $0.baseAddress!, sequence: sequence) }
    return bytes
}

/// The `/proc/self/maps` line of the mapping that contains `address`.
func mappingLine(containing address: UnsafeRawPointer) -> String? {
    let fd = open("/proc/self/maps", O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var text: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        text += chunk[0..<n]
    }
    let target = UInt(bitPattern: address)
    for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
        let range = line.prefix { $0 != " " }.split(separator: "-")
        guard range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16) else { continue }
        if lo <= target && target < hi { return String(line) }
    }
    return nil
}

/// vivid capture nodes on this machine (none outside the vivid VM).
enum Vivid {
    /// Every vivid capture node with what it says it is.
    static let nodes: [CameraInfo] = Camera.devices().filter { $0.driver == "vivid" }
    /// The first single-planar vivid capture node.
    static let singlePlanar: String? = nodes.first { $0.capabilities.contains(.videoCapture) }?.device
    /// The first multi-planar vivid capture node (vivid `multiplanar=2`).
    static let multiplanar: String? = nodes.first {
        $0.capabilities.contains(.videoCaptureMultiplanar) && !$0.capabilities.contains(.videoCapture)
    }?.device
    /// True when `/dev/video0` exists and is vivid.
    static let available: Bool = nodes.contains { $0.device == "/dev/video0" }
    /// Why device tests are skipped.
    static let skipReason: Comment =
        "no V4L2 device (vivid) here; scripts/test-camera-vm.sh runs these tests in a VM with vivid loaded (n_devs=2 multiplanar=1,2)"
}

import AsyncIO

/// The built-in camera: a pool of heap buffers filled on the loop's timers at
/// the requested rate with moving colour bars and a big frame counter.
///
/// It behaves like a driver: a frame is drawn only into a buffer the camera
/// has handed back; when none is free the frame is dropped and its sequence
/// number skipped, as V4L2 drivers do; a late timer skips the frames it
/// missed, counted the same way.
final class TestPatternSource: CaptureSource {
    let device = "test-pattern"
    let info: CameraInfo
    private(set) var format: FrameFormat
    private(set) var frameInterval: FrameInterval?
    private(set) var buffers: [MappedBuffer] = []
    private(set) var poolGeneration = 0
    private(set) var isStreaming = false
    weak var sink: (any CaptureSink)?

    private let bufferCount: Int
    /// Buffers ready to be filled, oldest first (like a driver's queue).
    private var free: [Int] = []
    /// Per buffer: the source owns it.
    private var owned: [Bool] = []
    private var sequence: UInt32 = 0
    private var nextDeadline: Int64 = 0
    private var cancelTimer: (() -> Void)?
    private var painter: PatternPainter
    private var isClosed = false
    /// Faults the tests inject (internal).
    private var pendingFaults: [TestPatternFault] = []

    /// The pixel formats the pattern can be drawn in.
    static let formats: [PixelFormat] = [.yuyv, .rgb24, .bgr24, .grey]

    init(width: Int, height: Int, fps: Double, pixelFormat: PixelFormat, bufferCount: Int) throws(CameraError) {
        info = CameraInfo(device: "test-pattern", driver: "asyncio-test-pattern", card: "Test pattern",
                          busInfo: "loop", capabilities: [.videoCapture, .streaming])
        self.bufferCount = max(1, min(32, bufferCount))
        let chosen = try TestPatternSource.layout(width: width, height: height, pixelFormat: pixelFormat)
        format = chosen
        painter = PatternPainter(format: chosen)
        frameInterval = try TestPatternSource.interval(fps)
        allocatePool()
    }

    var queuedCount: Int { free.count }

    private static func layout(width: Int, height: Int, pixelFormat: PixelFormat) throws(CameraError) -> FrameFormat {
        guard width >= 16, height >= 16, width <= 8192, height <= 8192 else {
            throw CameraError(.invalidArgument, device: "test-pattern", operation: "format",
                              detail: "size \(width)x\(height) (16...8192 each)")
        }
        guard formats.contains(pixelFormat), let bpp = pixelFormat.bytesPerPixel else {
            throw CameraError(.unsupportedFormat, device: "test-pattern", operation: "format",
                              detail: "\(pixelFormat); the test pattern draws \(formats.map(\.fourcc).joined(separator: ", "))")
        }
        // 4:2:2 formats pair pixels: round the width up to even, as drivers do.
        let w = pixelFormat == .yuyv ? (width + 1) & ~1 : width
        let stride = w * bpp
        return FrameFormat(width: w, height: height, pixelFormat: pixelFormat,
                           planes: [PlaneLayout(bytesPerLine: stride, sizeImage: stride * height)])
    }

    private static func interval(_ fps: Double) throws(CameraError) -> FrameInterval {
        guard fps > 0, fps <= 10_000, fps.isFinite else {
            throw CameraError(.invalidArgument, device: "test-pattern", operation: "frame rate", detail: "\(fps) fps")
        }
        return FrameInterval(fps: fps)
    }

    private func allocatePool() {
        buffers = (0..<bufferCount).map { MappedBuffer.heap(index: $0, lengths: [format.sizeImage]) }
        owned = Array(repeating: true, count: bufferCount)
        free = []
        poolGeneration += 1
    }

    // MARK: CaptureSource

    func start() throws(CameraError) {
        if isClosed { throw CameraError(.closed, device: device, operation: "start") }
        guard !isStreaming else { return }
        if buffers.isEmpty { allocatePool() }
        free = buffers.indices.filter { owned[$0] }
        isStreaming = true
        sequence = 0
        let period = frameInterval!.duration.nanoseconds
        nextDeadline = LoopIO.monotonicNanoseconds() &+ period
        schedule()
    }

    func stop() {
        guard isStreaming else { return }
        isStreaming = false
        cancelTimer?()
        cancelTimer = nil
        free = []
    }

    func requeue(_ index: Int) {
        guard index < owned.count, !owned[index] else { return }
        owned[index] = true
        if isStreaming { free.append(index) }
    }

    func releasePool() throws(CameraError) {
        stop()
        buffers = []
        owned = []
        free = []
        poolGeneration += 1
    }

    func configure(width: Int, height: Int, pixelFormat: PixelFormat) throws(CameraError) -> FrameFormat {
        if isClosed { throw CameraError(.closed, device: device, operation: "format") }
        let chosen = try TestPatternSource.layout(width: width, height: height, pixelFormat: pixelFormat)
        format = chosen
        painter = PatternPainter(format: chosen, brightness: painter.brightness)
        return chosen
    }

    func setFrameRate(_ fps: Double) throws(CameraError) -> FrameInterval? {
        if isClosed { throw CameraError(.closed, device: device, operation: "frame rate") }
        frameInterval = try TestPatternSource.interval(fps)
        if isStreaming {
            nextDeadline = LoopIO.monotonicNanoseconds() &+ frameInterval!.duration.nanoseconds
            cancelTimer?()
            schedule()
        }
        return frameInterval
    }

    func supportedFormats() throws(CameraError) -> [PixelFormat] { TestPatternSource.formats }

    func controls() throws(CameraError) -> [ControlInfo] {
        [ControlInfo(id: .brightness, name: "Brightness", kind: .integer, minimum: 0, maximum: 255, step: 1, defaultValue: 128)]
    }

    func control(_ id: CameraControl) throws(CameraError) -> Int32 {
        guard id == .brightness else {
            throw CameraError(.unsupportedControl, device: device, operation: "control", errno: 22, detail: "control \(id)")
        }
        return painter.brightness
    }

    func setControl(_ id: CameraControl, to value: Int32) throws(CameraError) {
        guard id == .brightness, (0...255).contains(value) else {
            throw CameraError(.unsupportedControl, device: device, operation: "set control", errno: 22,
                              detail: "control \(id) = \(value)")
        }
        painter = PatternPainter(format: format, brightness: value)
    }

    func close() {
        stop()
        isClosed = true
        buffers = []
        owned = []
        poolGeneration += 1
    }

    // MARK: Producing frames

    private func schedule() {
        let delay = max(0, nextDeadline &- LoopIO.monotonicNanoseconds())
        cancelTimer = LoopIO.call(after: .nanoseconds(delay)) { [weak self] in self?.tick() }
    }

    private func tick() {
        cancelTimer = nil
        guard isStreaming else { return }
        let period = frameInterval!.duration.nanoseconds
        let now = LoopIO.monotonicNanoseconds()
        if now &- nextDeadline >= period {
            // The loop was busy past whole periods: those frames were never captured.
            let missed = (now &- nextDeadline) / period
            sequence &+= UInt32(truncatingIfNeeded: missed)
            nextDeadline &+= missed &* period
        }
        produce()
        nextDeadline &+= period
        if isStreaming { schedule() }
    }

    private func produce() {
        defer { sequence &+= 1 }
        guard !free.isEmpty else { return }  // starved: this frame is dropped
        let corrupt = !pendingFaults.isEmpty
        if corrupt { pendingFaults.removeFirst() }
        let index = free.removeFirst()
        owned[index] = false
        painter.draw(into: buffers[index].planes[0].base, sequence: sequence)
        // Stamped once drawn, like a driver's end-of-frame timestamp.
        let completed = CompletedBuffer(
            index: index, sequence: sequence, timestampNanoseconds: LoopIO.monotonicNanoseconds(), timestampIsMonotonic: true,
            planes: [(0, format.sizeImage)], flags: corrupt ? 0x40 : 0, isCorrupt: corrupt)
        if let sink { sink.captured(completed) } else { requeue(index) }
    }

    /// Simulates a fault (tests): a corrupt flag on the next frame, or at
    /// once a restart after `EIO` or an unplug.
    func inject(_ fault: TestPatternFault) {
        switch fault {
        case .corruptNextFrame:
            pendingFaults.append(fault)
        case .restart:
            // What the V4L2 source does after EIO: the sequence starts over.
            sequence = 0
            sink?.streamRestarted(reason: CameraError(.system, device: device, operation: "injected", errno: 5))
        case .disconnect:
            stop()
            isClosed = true
            buffers = []
            owned = []
            poolGeneration += 1
            sink?.failed(CameraError(.disconnected, device: device, operation: "injected", errno: 19))
        }
    }
}

/// Faults the test-pattern camera can simulate, so the camera's error paths
/// run without a device.
enum TestPatternFault {
    /// The next frame is flagged like `V4L2_BUF_FLAG_ERROR`.
    case corruptNextFrame
    /// Streaming restarts as after `EIO` (the sequence starts over).
    case restart
    /// The device goes away (`ENODEV`).
    case disconnect
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }
}

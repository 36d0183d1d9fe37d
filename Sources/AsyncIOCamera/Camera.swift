public import AsyncIO
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A camera on the loop: a V4L2 capture device (`/dev/video*`) or the
/// built-in test pattern, with zero-copy frames.
///
/// ```swift
/// try AsyncIO.run {
///     let camera = try Camera.default()          // /dev/video0, else the test pattern
///     defer { camera.close() }
///     let frame = try await camera.snapshot()    // the newest frame, in place
///     print(frame.sequence, frame.format, frame.age)
///     frame.release()                             // the buffer goes back to the driver
///     for try await frame in camera.frames(policy: .latest) { ... }
/// }
/// ```
///
/// **How it captures.** Streaming `MMAP` buffers (4 by default; the driver's
/// count is used), each plane also exported as a dma-buf fd. One multishot
/// poll (`POLLIN|POLLPRI`) on the device runs in the loop's ring; on each
/// readiness the loop dequeues until `EAGAIN` and keeps only the newest frame,
/// giving the older one back to the driver at once. The device is opened
/// `O_NONBLOCK`, so no call here waits in the kernel.
///
/// **Which frame you get.** ``snapshot(timeout:)`` has OpenMV's
/// triple-buffering meaning: the newest frame newer than the last one it
/// returned, waiting for the next if there is none. ``frames(policy:frameTimeout:)``
/// streams with ``FramePolicy/latest`` (a slow consumer always gets the newest)
/// or ``FramePolicy/all(maxPending:)`` (every frame, up to a bound).
///
/// **Errors.** An unplug (`ENODEV`, `POLLHUP`) is terminal and reported at
/// once to every waiter as ``CameraError/Code/disconnected``; `EIO` restarts
/// streaming (``CaptureStatistics/restarts``); buffers flagged
/// `V4L2_BUF_FLAG_ERROR` are counted and, by default, skipped
/// (``corruptFramePolicy``).
///
/// It belongs to the loop that opened it, and every method runs there (frames
/// cross to other loops with ``Frame/transfer()``). Call ``close()`` when done;
/// dropping the last reference closes the camera too.
public final class Camera {
    /// The device node (`/dev/video0`), or `"test-pattern"`.
    public nonisolated let device: String

    /// What to do with frames the driver flags as corrupt
    /// (`V4L2_BUF_FLAG_ERROR`). Default ``CorruptFramePolicy/skip``: they are
    /// counted in ``CaptureStatistics/corruptFrames`` and given back to the
    /// driver unseen.
    public var corruptFramePolicy: CorruptFramePolicy = .skip

    /// Counters since the camera was opened.
    public private(set) var statistics = CaptureStatistics()

    let source: any CaptureSource
    private var state: State = .open
    /// The current streaming session (bumped at each start and restart).
    private(set) var session = 0
    /// Slots of the source's current pool.
    private var slots: [BufferSlot] = []
    private var slotsGeneration = -1
    /// The newest completed frame, held by the camera until a newer one arrives.
    private(set) var latest: CapturedFrame?
    /// Whether anyone took ``latest`` (a snapshot, a stream).
    private var latestTaken = false
    /// The newest frame ``snapshot(timeout:)`` returned.
    private var lastSnapshot: FrameOrdinal?
    /// The last frame the driver delivered, for gap counting.
    private var lastDequeued: FrameOrdinal?
    /// Tasks waiting for the next frame.
    private var waiters: [FrameWaiter] = []
    /// Open streams (weak: a stream nobody iterates goes away).
    private var streams: [WeakStream] = []
    /// Frames handed to the application and not yet released.
    private(set) var appLeases = 0
    private var starving = false

    private enum State {
        case open
        case failed(CameraError)
        case closed
    }

    static let logger = Logger(label: "AsyncIOCamera")

    private init(source: any CaptureSource) {
        self.source = source
        device = source.device
        source.sink = self
    }

    deinit {
        if case .open = state { source.close() }
    }

    // MARK: Opening

    /// Opens a V4L2 capture node (`O_RDWR|O_NONBLOCK|O_CLOEXEC`). Streaming
    /// starts at the first ``snapshot(timeout:)``, ``frames(policy:frameTimeout:)``
    /// iteration or ``start()``; configure the format before that.
    ///
    /// - Parameters:
    ///   - device: the node, e.g. `/dev/video0`.
    ///   - bufferCount: buffers to ask for (the driver may grant more or fewer; its count is used).
    /// - Throws: ``CameraError`` with ``CameraError/Code/notFound``,
    ///   ``CameraError/Code/permissionDenied``, ``CameraError/Code/busy``,
    ///   ``CameraError/Code/notACaptureDevice`` or ``CameraError/Code/system``.
    public convenience init(device: String, bufferCount: Int = 4) throws(CameraError) {
        guard bufferCount >= 1 else {
            throw CameraError(.invalidArgument, device: device, operation: "open", detail: "bufferCount \(bufferCount)")
        }
        self.init(source: try V4L2Source(path: device, bufferCount: min(bufferCount, 32)))
    }

    /// The built-in test-pattern camera: moving colour bars and a big frame
    /// counter, produced on the loop's timers at `fps` into a pool of
    /// `bufferCount` buffers, with the same API and lease semantics as a
    /// device (a frame is drawn only into a buffer that was given back; when
    /// none is, the frame is dropped and its sequence number skipped).
    ///
    /// - Parameters:
    ///   - width: pixels (16...8192; YUYV rounds up to even).
    ///   - height: lines (16...8192).
    ///   - fps: frames per second (up to 10,000).
    ///   - format: ``PixelFormat/yuyv``, ``PixelFormat/rgb24``, ``PixelFormat/bgr24`` or ``PixelFormat/grey``.
    ///   - bufferCount: the pool's size (1...32).
    /// - Throws: ``CameraError/Code/invalidArgument`` for a bad size or rate,
    ///   ``CameraError/Code/unsupportedFormat`` for another pixel format.
    public static func testPattern(
        width: Int = 640, height: Int = 480, fps: Double = 30, format: PixelFormat = .yuyv, bufferCount: Int = 4
    ) throws(CameraError) -> Camera {
        Camera(source: try TestPatternSource(width: width, height: height, fps: fps, pixelFormat: format, bufferCount: bufferCount))
    }

    /// The first capture device (`/dev/video0` or the next that works) at the
    /// requested size and rate, or the test pattern when there is none: the
    /// camera a demo can always open.
    ///
    /// A device that exists but cannot be used (busy, no permission, another
    /// format) is skipped with a log line. The size and rate are a request; see
    /// ``format`` and ``frameInterval`` for what was chosen.
    ///
    /// - Throws: ``CameraError`` only if the test pattern rejects the
    ///   arguments (``CameraError/Code/invalidArgument``).
    public static func `default`(width: Int = 640, height: Int = 480, fps: Double = 30) throws(CameraError) -> Camera {
        for info in devices() {
            do {
                let camera = try Camera(device: info.device)
                if (try? camera.supportedFormats().contains(.yuyv)) == true {
                    _ = try camera.configure(width: width, height: height, pixelFormat: .yuyv)
                }
                _ = try? camera.setFrameRate(fps)
                return camera
            } catch {
                logger.info("camera \(info.device) skipped: \(error)")
            }
        }
        return try testPattern(width: width, height: height, fps: fps)
    }

    // MARK: Description

    /// What the device is.
    public var info: CameraInfo { source.info }

    /// True for the built-in test pattern.
    public var isTestPattern: Bool { source is TestPatternSource }

    /// The format frames are captured in (what the driver chose).
    public var format: FrameFormat { source.format }

    /// The frame interval the device runs at, when it reports one.
    public var frameInterval: FrameInterval? { source.frameInterval }

    /// The number of buffers in the pool (0 for a device before streaming starts).
    public var bufferCount: Int { source.buffers.count }

    /// True while streaming.
    public var isStreaming: Bool { source.isStreaming }

    /// Frames you hold (returned by a snapshot or a stream, not yet released).
    public var heldFrames: Int { appLeases }

    // MARK: Configuration

    /// Sets the size and pixel format (`VIDIOC_S_FMT`) and returns what the
    /// driver chose (it may adjust the size: read the result). Stops streaming
    /// first and reallocates the buffers; streaming resumes if it was on.
    /// Frames you hold stay readable but are no longer ``Frame/isCurrent``.
    ///
    /// - Throws: ``CameraError/Code/unsupportedFormat`` when the driver
    ///   substituted another pixel format (``format`` then shows the one it
    ///   chose); ``CameraError/Code/busy`` when old frames are still held and
    ///   the driver cannot orphan buffers; ``CameraError/Code/invalidArgument``;
    ///   ``CameraError/Code/closed``; ``CameraError/Code/disconnected``.
    @discardableResult
    public func configure(width: Int, height: Int, pixelFormat: PixelFormat) throws(CameraError) -> FrameFormat {
        try checkUsable("configure")
        let wasStreaming = source.isStreaming
        source.stop()
        dropPool()
        try source.releasePool()
        let chosen = try source.configure(width: width, height: height, pixelFormat: pixelFormat)
        if wasStreaming { try start() }
        return chosen
    }

    /// Sets the frame rate (`VIDIOC_S_PARM`) and returns the interval the
    /// driver chose (nil if it does not report one).
    ///
    /// - Throws: ``CameraError/Code/unsupportedControl`` when the driver has
    ///   no settable frame interval; ``CameraError/Code/invalidArgument`` for a
    ///   rate ≤ 0; ``CameraError/Code/closed``; a system error.
    @discardableResult
    public func setFrameRate(_ fps: Double) throws(CameraError) -> FrameInterval? {
        try checkUsable("setFrameRate")
        do {
            return try source.setFrameRate(fps)
        } catch where error.code == .busy && source.isStreaming {
            // Some drivers refuse S_PARM while streaming: stop, set, start again.
            source.stop()
            let interval = try source.setFrameRate(fps)
            try start()
            return interval
        }
    }

    /// The pixel formats the device offers (`VIDIOC_ENUM_FMT`).
    ///
    /// - Throws: ``CameraError/Code/closed``; a system error.
    public func supportedFormats() throws(CameraError) -> [PixelFormat] {
        try checkUsable("supportedFormats")
        return try source.supportedFormats()
    }

    /// The device's controls with their ranges (`VIDIOC_QUERYCTRL`, menus
    /// through `VIDIOC_QUERYMENU`).
    ///
    /// - Throws: ``CameraError/Code/closed``; a system error.
    public func controls() throws(CameraError) -> [ControlInfo] {
        try checkUsable("controls")
        return try source.controls()
    }

    /// A control's current value (`VIDIOC_G_CTRL`).
    ///
    /// - Throws: ``CameraError/Code/unsupportedControl`` when the device has no such control;
    ///   ``CameraError/Code/closed``; a system error.
    public func control(_ id: CameraControl) throws(CameraError) -> Int32 {
        try checkUsable("control")
        return try source.control(id)
    }

    /// Sets a control (`VIDIOC_S_CTRL`); for a button control any value presses it.
    ///
    /// - Throws: ``CameraError/Code/unsupportedControl`` when the device has no
    ///   such control or refuses the value; ``CameraError/Code/closed``; a system error.
    public func setControl(_ id: CameraControl, to value: Int32) throws(CameraError) {
        try checkUsable("setControl")
        try source.setControl(id, to: value)
    }

    // MARK: Streaming

    /// Starts streaming (allocating and mapping the buffers on first use).
    /// ``snapshot(timeout:)`` and frame streams start it themselves.
    ///
    /// - Throws: ``CameraError/Code/closed``, ``CameraError/Code/disconnected``,
    ///   ``CameraError/Code/busy`` (another process streams), a system error.
    public func start() throws(CameraError) {
        try checkUsable("start")
        guard !source.isStreaming else { return }
        session += 1
        lastDequeued = nil
        do {
            try source.start()
        } catch {
            if error.code == .disconnected { failed(error) }
            throw error
        }
    }

    /// Stops streaming (`VIDIOC_STREAMOFF`). Frames you hold stay readable and
    /// are no longer ``Frame/isCurrent``; releasing them gives their buffers
    /// back for the next start.
    public func stop() {
        guard case .open = state else { return }
        source.stop()
    }

    /// Stops streaming and closes the device. Waiters get
    /// ``CameraError/Code/closed``; streams end. Frames you still hold stay
    /// readable (their memory is unmapped when they are released). Calling it
    /// again does nothing.
    public func close() {
        guard case .open = state else { return }
        state = .closed
        source.close()
        dropPool()
        finishWaiters(CameraError(.closed, device: device, operation: "close"))
    }

    /// The newest frame newer than the last one this method returned; if
    /// there is none yet, waits for the next (OpenMV's `snapshot()` with
    /// triple buffering). Starts streaming if needed.
    ///
    /// A slow caller therefore gets a frame at most about one frame period old
    /// (the loop keeps draining the driver while you work), never a stale one
    /// from a queue.
    ///
    /// - Parameter timeout: how long to wait for a frame (default 3 s, OpenMV's
    ///   `OMV_CSI_TIMEOUT_MS`); nil waits without limit.
    /// - Returns: a lease on the frame; ``Frame/release()`` it when done.
    /// - Throws: `TimeoutError` when no frame came in time;
    ///   ``CameraError/Code/allBuffersHeld`` at once when you hold every buffer
    ///   (no frame can come); ``CameraError/Code/disconnected`` (at once, also to
    ///   callers already waiting); ``CameraError/Code/streamingFailed``;
    ///   ``CameraError/Code/closed``; `CancellationError`.
    public func snapshot(timeout: Duration? = .seconds(3)) async throws -> Frame {
        try await nextFrame(timeout: timeout, operation: "snapshot") { [self] in takeForSnapshot() }
    }

    /// The newest frame newer than the last snapshot, or nil at once if none is
    /// ready (OpenMV's `snapshot(blocking=False)`). Starts streaming if needed.
    ///
    /// - Throws: the same ``CameraError``s as ``snapshot(timeout:)``.
    public func snapshotIfReady() throws(CameraError) -> Frame? {
        try prepare("snapshot")
        if let frame = takeForSnapshot() { return frame }
        try checkStarvation("snapshot")
        return nil
    }

    /// A stream of frames, for `for try await frame in camera.frames()`.
    /// Streaming starts at the first iteration.
    ///
    /// - Parameters:
    ///   - policy: ``FramePolicy/latest`` (default): each step gives the newest
    ///     frame newer than the last one this stream gave, so a slow consumer
    ///     skips frames instead of falling behind. ``FramePolicy/all(maxPending:)``:
    ///     every frame from now on, queued (as leases) up to `maxPending`; when
    ///     the queue is full the oldest is dropped.
    ///   - frameTimeout: how long one step waits for a frame before throwing
    ///     `TimeoutError` (default 3 s; nil waits without limit).
    /// - Returns: the stream; its ``FrameStream/droppedFrames`` counts the
    ///   frames it skipped or lost (sequence gaps).
    public func frames(policy: FramePolicy = .latest, frameTimeout: Duration? = .seconds(3)) -> FrameStream {
        let stream = FrameStream(camera: self, policy: policy, frameTimeout: frameTimeout)
        streams.removeAll { $0.stream == nil }
        streams.append(WeakStream(stream: stream))
        return stream
    }

    // MARK: Internals: waiting

    /// Waits until `take` gives a frame (see ``snapshot(timeout:)``).
    func nextFrame(timeout: Duration?, operation: String, take: () -> Frame?) async throws -> Frame {
        try prepare(operation)
        if let frame = take() { return frame }
        try checkStarvation(operation)
        let waiter = FrameWaiter()
        let cancelTimer = timeout.map { timeout in LoopIO.call(after: timeout) { waiter.expire() } }
        defer {
            cancelTimer?()
            waiters.removeAll { $0 === waiter }
        }
        while true {
            waiters.append(waiter)
            try await waiter.wait()
            try prepare(operation)
            if let frame = take() { return frame }
            try checkStarvation(operation)
        }
    }

    private func takeForSnapshot() -> Frame? {
        guard let latest, lastSnapshot.map({ latest.ordinal > $0 }) ?? true else { return nil }
        lastSnapshot = latest.ordinal
        return handOut(latestFrame())
    }

    /// A new lease on the newest frame.
    func latestFrame() -> Frame {
        let latest = latest!
        latestTaken = true
        return Frame(camera: self, slot: latest.slot, completed: latest.completed, format: latest.format, session: latest.ordinal.session)
    }

    /// Counts `frame` as held by the application.
    func handOut(_ frame: Frame) -> Frame {
        frame.isHandedOut = true
        appLeases += 1
        statistics.framesDelivered += 1
        let threshold = max(1, bufferCount - 1)
        if appLeases >= threshold, !starving, bufferCount > 1 {
            starving = true
            statistics.starvationWarnings += 1
            Camera.logger.warning(
                "camera \(device): the application holds \(appLeases) of \(bufferCount) buffers; the driver has at most one left and will drop frames. Release frames sooner (copy() what you keep).")
        }
        return frame
    }

    /// Throws ``CameraError/Code/allBuffersHeld`` when no frame can come
    /// because the application holds every buffer; first gives back the
    /// camera's own hold on a newest frame already taken.
    func checkStarvation(_ operation: String) throws(CameraError) {
        guard source.isStreaming, source.queuedCount == 0 else { return }
        if let latest, latestTaken, latest.slot.holds == 1 {
            self.latest = nil
            releaseHold(latest.slot)
            if source.queuedCount > 0 { return }
        }
        let pending = streams.reduce(0) { $0 + ($1.stream?.pendingCount ?? 0) }
        if pending == 0, appLeases > 0 {
            throw CameraError(.allBuffersHeld, device: device, operation: operation,
                              detail: "the application holds \(appLeases) frames of \(bufferCount) buffers; release some")
        }
    }

    /// Throws if closed or failed; starts streaming if needed.
    func prepare(_ operation: String) throws(CameraError) {
        try checkUsable(operation)
        if !source.isStreaming { try start() }
    }

    private func checkUsable(_ operation: String) throws(CameraError) {
        switch state {
        case .open: return
        case .failed(let error): throw error
        case .closed: throw CameraError(.closed, device: device, operation: operation)
        }
    }

    /// True while the camera is closed by the user (streams end rather than throw).
    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    func isCurrent(session: Int, slot: BufferSlot) -> Bool {
        guard case .open = state else { return false }
        return session == self.session && source.isStreaming && slot.generation == source.poolGeneration
    }

    // MARK: Internals: buffers

    /// Ends one lease on `slot` (a frame released or deinitialised).
    func endLease(slot: BufferSlot, handedOut: Bool) {
        if handedOut {
            appLeases -= 1
            if appLeases < max(1, bufferCount - 1) { starving = false }
        }
        releaseHold(slot)
    }

    private func releaseHold(_ slot: BufferSlot) {
        slot.holds -= 1
        if slot.holds == 0, case .open = state, slot.generation == source.poolGeneration {
            source.requeue(slot.buffer.index)
        }
    }

    private func slot(for index: Int) -> BufferSlot? {
        if slotsGeneration != source.poolGeneration {
            slotsGeneration = source.poolGeneration
            slots = source.buffers.map { BufferSlot(buffer: $0, generation: slotsGeneration) }
        }
        return index < slots.count ? slots[index] : nil
    }

    /// Forgets the pool (its memory stays mapped while frames hold it).
    private func dropPool() {
        if let latest {
            self.latest = nil
            releaseHold(latest.slot)
        }
        for entry in streams { entry.stream?.dropPending() }
        slots = []
        slotsGeneration = -1
    }

    private func finishWaiters(_ error: CameraError) {
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.fail(error) }
    }
}

// MARK: - Completions from the source

extension Camera: CaptureSink {
    func captured(_ buffer: CompletedBuffer) {
        guard case .open = state, let slot = slot(for: buffer.index) else {
            source.requeue(buffer.index)
            return
        }
        let ordinal = FrameOrdinal(session: session, sequence: buffer.sequence)
        statistics.framesCaptured += 1
        if let last = lastDequeued, last.session == session, buffer.sequence > last.sequence &+ 1 {
            statistics.droppedByDriver += Int(buffer.sequence &- last.sequence &- 1)
        }
        lastDequeued = ordinal
        if buffer.isCorrupt {
            statistics.corruptFrames += 1
            if corruptFramePolicy == .skip {
                slot.holds += 1
                releaseHold(slot)
                return
            }
        }
        slot.holds += 1  // the camera's hold on its newest frame
        if let old = latest {
            if !latestTaken { statistics.framesSuperseded += 1 }
            releaseHold(old.slot)
        }
        latest = CapturedFrame(slot: slot, ordinal: ordinal, completed: buffer, format: source.format)
        latestTaken = false
        for entry in streams {
            guard let stream = entry.stream, case .all = stream.policy, !stream.isClosed else { continue }
            stream.enqueue(latestFrame())
        }
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.wake() }
    }

    func streamRestarted(reason: CameraError) {
        session += 1
        lastDequeued = nil
        statistics.restarts += 1
    }

    func failed(_ error: CameraError) {
        guard case .open = state else { return }
        state = .failed(error)
        Camera.logger.error("\(error)")
        source.close()
        dropPool()
        finishWaiters(error)
    }
}

// MARK: - Supporting types

/// Which frames a ``FrameStream`` gives.
public enum FramePolicy: Hashable, Sendable {
    /// Each step gives the newest frame newer than the last one given: a slow
    /// consumer always gets a fresh frame and skips the rest (Windows'
    /// "Realtime" acquisition). Holds no buffer while you are not asking.
    case latest
    /// Every frame, in order, queued as leases up to `maxPending` (clamped to
    /// 1...bufferCount − 1); when full, the oldest queued frame is dropped and
    /// its buffer given back. Queued frames hold buffers: with `maxPending`
    /// near the buffer count a slow consumer starves the driver, which then
    /// drops frames itself (both kinds show as ``FrameStream/droppedFrames``).
    case all(maxPending: Int = 2)
}

/// What the camera does with buffers the driver flags as corrupt (`V4L2_BUF_FLAG_ERROR`).
public enum CorruptFramePolicy: Hashable, Sendable {
    /// Count them (``CaptureStatistics/corruptFrames``) and give them back to
    /// the driver unseen. The default.
    case skip
    /// Deliver them like other frames, with ``Frame/isCorrupt`` set.
    case deliver
}

/// Counters of a camera since it was opened.
public struct CaptureStatistics: Hashable, Sendable {
    /// Frames the driver (or the test pattern) completed, corrupt ones included.
    public var framesCaptured = 0
    /// Frames handed to the application (snapshots and stream steps).
    public var framesDelivered = 0
    /// Frames the driver dropped: gaps in the sequence numbers it delivered
    /// (it had no free buffer, or dropped them itself).
    public var droppedByDriver = 0
    /// Frames replaced as the newest by a newer one before anyone took them
    /// (what the `.latest` policy and snapshot skip on purpose).
    public var framesSuperseded = 0
    /// Buffers flagged `V4L2_BUF_FLAG_ERROR`.
    public var corruptFrames = 0
    /// Streaming restarts after an error (`EIO`).
    public var restarts = 0
    /// Times the application came to hold all but one buffer (each logged as a warning).
    public var starvationWarnings = 0

    /// Creates zeroed counters.
    public init() {}
}

/// A frame's place in capture order: the streaming session, then the driver's sequence.
struct FrameOrdinal: Comparable, Hashable {
    var session: Int
    var sequence: UInt32

    static func < (a: FrameOrdinal, b: FrameOrdinal) -> Bool {
        (a.session, a.sequence) < (b.session, b.sequence)
    }
}

/// One buffer of a pool as the camera tracks it: who holds it.
final class BufferSlot {
    let buffer: MappedBuffer
    /// The pool generation it belongs to.
    let generation: Int
    /// Leases plus the camera's own hold; 0 means it is with the source.
    var holds = 0

    init(buffer: MappedBuffer, generation: Int) {
        self.buffer = buffer
        self.generation = generation
    }
}

/// The newest completed frame, held by the camera.
struct CapturedFrame {
    let slot: BufferSlot
    let ordinal: FrameOrdinal
    let completed: CompletedBuffer
    let format: FrameFormat
}

/// A task parked until the next frame, a failure or its deadline.
final class FrameWaiter {
    private var future = Future<Void>()
    private var expired = false

    /// A frame arrived.
    func wake() { future.resolve(()) }

    /// The camera failed or closed.
    func fail(_ error: any Error) { future.fail(error) }

    /// The deadline passed.
    func expire() {
        expired = true
        future.fail(TimeoutError())
    }

    /// Waits for the next wake-up.
    ///
    /// - Throws: `TimeoutError`, the camera's error, `CancellationError`.
    func wait() async throws {
        if expired { throw TimeoutError() }
        if future.isResolved { future = Future() }
        try await future.value
    }
}

/// A weak reference to a stream.
struct WeakStream {
    weak var stream: FrameStream?
}

public import AsyncIO

/// A captured frame: a **lease** over one of the camera's buffers, read in
/// place (no copy).
///
/// The bytes are the driver's mapped buffer itself (for the test-pattern
/// camera, its pool's buffer). While you hold the lease the driver cannot
/// fill that buffer again; when you ``release()`` it, or when the last
/// reference to the `Frame` goes away, the buffer is queued back to the driver
/// (`VIDIOC_QBUF`).
///
/// `Frame` is a final class, not a `~Copyable` struct, so that frames can be
/// the elements of an `AsyncSequence` (``Camera/frames(policy:frameTimeout:)``),
/// be kept in arrays and be captured by closures. The price is that the lease
/// ends when the *last* reference goes: release explicitly (or scope the
/// frame tightly) rather than leaving one in a long-lived variable, because
/// every frame held is one buffer fewer for the driver. Holding all but one
/// buffer logs a warning; asking for a frame while holding all of them throws
/// ``CameraError/Code/allBuffersHeld`` instead of waiting.
///
/// Validity: ``bytes``, ``planes`` and ``dmabufFD`` may be used until
/// ``release()``; reading them afterwards is a programming error and traps.
/// The memory stays mapped for as long as the lease is held, even across a
/// stream restart, a format change, ``Camera/close()`` or an unplug; after a
/// restart the frame is no longer ``isCurrent`` (it came from an earlier
/// streaming session) but is still safe to read, and releasing it gives the
/// buffer to the new session when the buffer pool is unchanged. Use
/// ``copy()`` to keep the pixels beyond the lease.
///
/// A frame belongs to the camera's loop, like the camera; ``transfer()``
/// hands it to another loop or thread without a copy.
public final class Frame {
    let camera: Camera
    let slot: BufferSlot
    private let ranges: [(offset: Int, count: Int)]
    /// True once handed to the application (counted in ``Camera/heldFrames``).
    var isHandedOut = false

    /// The driver's frame counter. Gaps between the frames you get are frames
    /// you did not get (dropped by the driver, or skipped by the policy).
    public nonisolated let sequence: UInt32
    /// When the frame was captured: the driver's timestamp, as time since
    /// `CLOCK_MONOTONIC`'s epoch (Swift's `SuspendingClock` on Linux, **not**
    /// `ContinuousClock`, which is `CLOCK_BOOTTIME`).
    public nonisolated let timestamp: Duration
    /// True when the driver says its timestamps are `CLOCK_MONOTONIC`
    /// (`V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC`); otherwise ``age`` means little.
    public nonisolated let timestampIsMonotonic: Bool
    /// The format the frame was captured in.
    public nonisolated let format: FrameFormat
    /// The index of the buffer in the camera's pool (V4L2's buffer index).
    public nonisolated let bufferIndex: Int
    /// The driver flagged the data as possibly corrupt (`V4L2_BUF_FLAG_ERROR`).
    /// Such frames reach you only when ``Camera/corruptFramePolicy`` is
    /// ``CorruptFramePolicy/deliver``.
    public nonisolated let isCorrupt: Bool
    /// The raw `V4L2_BUF_FLAG_*` flags of the buffer.
    public nonisolated let flags: UInt32
    /// The streaming session the frame belongs to (the camera counts one more
    /// at every start and every restart after an error).
    public nonisolated let session: Int

    /// True once released: the buffer is back with the driver.
    public private(set) var isReleased = false

    init(camera: Camera, slot: BufferSlot, completed: CompletedBuffer, format: FrameFormat, session: Int) {
        self.camera = camera
        self.slot = slot
        ranges = completed.planes
        sequence = completed.sequence
        timestamp = .nanoseconds(completed.timestampNanoseconds)
        timestampIsMonotonic = completed.timestampIsMonotonic
        self.format = format
        bufferIndex = slot.buffer.index
        isCorrupt = completed.isCorrupt
        flags = completed.flags
        self.session = session
        slot.holds += 1
    }

    deinit {
        if !isReleased { camera.endLease(slot: slot, handedOut: isHandedOut) }
    }

    /// Ends the lease: the buffer goes back to the driver at once (if the
    /// camera still streams into the same buffer pool). Calling it again does
    /// nothing. After it, ``bytes``, ``planes`` and ``dmabufFD`` must not be used.
    public func release() {
        guard !isReleased else { return }
        isReleased = true
        camera.endLease(slot: slot, handedOut: isHandedOut)
    }

    /// The frame's data in the first plane (all of it for single-planar
    /// formats), read in place: the driver's buffer, not a copy.
    ///
    /// Valid until ``release()``; using it after that traps.
    public var bytes: UnsafeRawBufferPointer { plane(0) }

    /// The frame's planes: one for the single-planar API, one per buffer plane
    /// for the multi-planar API (NV12M: Y, then UV). Valid until ``release()``.
    public var planes: [FramePlane] {
        (0..<ranges.count).map { index in
            FramePlane(bytes: plane(index),
                       bytesPerLine: index < format.planes.count ? format.planes[index].bytesPerLine : 0,
                       dmabufFD: slot.buffer.planes[index].dmabufFD >= 0 ? slot.buffer.planes[index].dmabufFD : nil)
        }
    }

    /// Bytes of data in the first plane.
    public var bytesUsed: Int { ranges.first?.count ?? 0 }

    /// The dma-buf fd of the first plane (`VIDIOC_EXPBUF`), to hand the frame
    /// to a GPU, encoder or display without a copy; nil for the test pattern
    /// or a driver without EXPBUF. Owned by the camera: do not close it; valid
    /// while the lease is held (`dup` it to keep it longer).
    public var dmabufFD: Int32? {
        precondition(!isReleased, "Frame.dmabufFD used after release()")
        let fd = slot.buffer.planes[0].dmabufFD
        return fd >= 0 ? fd : nil
    }

    /// Now minus ``timestamp`` on `CLOCK_MONOTONIC`: how old the frame is.
    /// Signed: some drivers stamp the end of the frame period in advance
    /// (vivid on Linux 6.1 is up to one period in the future), so an age can
    /// be negative.
    public var age: Duration { .nanoseconds(LoopIO.monotonicNanoseconds()) - timestamp }

    /// True while the frame belongs to the camera's current streaming
    /// session; false after a stop, a restart after an error, a format change
    /// or a close. A frame that is not current is still safe to read.
    public var isCurrent: Bool { camera.isCurrent(session: session, slot: slot) }

    /// Calls `body` with the first plane's bytes (in place), for code that
    /// prefers a scoped view.
    ///
    /// - Throws: what `body` throws.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(bytes)
    }

    /// Copies the pixels out, so they outlive the lease (then ``release()``
    /// to give the buffer back). The only copying call on a frame.
    public func copy() -> FrameCopy {
        FrameCopy(format: format, sequence: sequence, timestamp: timestamp, isCorrupt: isCorrupt,
                  planes: (0..<ranges.count).map { Array(plane($0)) })
    }

    /// The number of planes.
    var planeCount: Int { ranges.count }

    /// Plane `index`'s bytes (for ``transfer()``).
    func planeBytes(_ index: Int) -> UnsafeRawBufferPointer { plane(index) }

    /// The lease moved to a ``FrameTransfer``: this frame no longer ends it.
    func markTransferred() { isReleased = true }

    private func plane(_ index: Int) -> UnsafeRawBufferPointer {
        precondition(!isReleased, "Frame bytes used after release(): the buffer belongs to the driver again")
        let memory = slot.buffer.planes[index]
        let range = ranges[index]
        let offset = min(range.offset, memory.length)
        return UnsafeRawBufferPointer(start: memory.base + offset, count: max(0, min(range.count, memory.length - offset)))
    }
}

/// One plane of a ``Frame``, valid while the frame's lease is held.
public struct FramePlane {
    /// The plane's data, in the driver's buffer.
    public let bytes: UnsafeRawBufferPointer
    /// The stride: bytes from one line to the next.
    public let bytesPerLine: Int
    /// The plane's dma-buf fd, if exported (owned by the camera).
    public let dmabufFD: Int32?
}

/// The pixels of a frame, copied out of the driver's buffer: owned, sendable,
/// valid for as long as you keep it.
public struct FrameCopy: Sendable {
    /// The format the frame was captured in.
    public let format: FrameFormat
    /// The driver's frame counter.
    public let sequence: UInt32
    /// The capture time on `CLOCK_MONOTONIC` (see ``Frame/timestamp``).
    public let timestamp: Duration
    /// The driver flagged the data as possibly corrupt.
    public let isCorrupt: Bool
    /// The bytes of each plane.
    public let planes: [[UInt8]]

    /// The bytes of the first plane.
    public var bytes: [UInt8] { planes.first ?? [] }
}

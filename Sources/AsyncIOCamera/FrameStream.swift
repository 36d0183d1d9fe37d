public import AsyncIO

/// Frames from a camera as an `AsyncSequence`, with a ``FramePolicy``
/// (``Camera/frames(policy:frameTimeout:)``).
///
/// ```swift
/// for try await frame in camera.frames(policy: .latest) {
///     process(frame.bytes)
///     frame.release()
/// }
/// ```
///
/// Each element is a lease (``Frame``). The stream ends (`nil`) after
/// ``close()`` or ``Camera/close()``; it throws the camera's error on a
/// disconnect or a failed restart, `TimeoutError` when a step waits longer
/// than its frame timeout, and ``CameraError/Code/allBuffersHeld`` when you
/// hold every buffer.
public final class FrameStream: AsyncSequence {
    /// A lease on one frame.
    public typealias Element = Frame
    /// Iteration throws ``CameraError``, `TimeoutError` or `CancellationError`.
    public typealias Failure = any Error

    private let camera: Camera
    /// The policy the stream was made with.
    public nonisolated let policy: FramePolicy
    /// How long one step waits for a frame (nil: no limit).
    public nonisolated let frameTimeout: Duration?
    /// Frames queued for `.all`, oldest first (each holds its buffer).
    private var pending: [Frame] = []
    private var lastDelivered: FrameOrdinal?
    private(set) var isClosed = false

    /// Frames this stream did not give you: gaps in the sequence numbers of
    /// the frames it gave (dropped by the driver, skipped by `.latest`, or
    /// pushed out of a full `.all` queue). After a restart the new session's
    /// first sequence number counts as the gap.
    public private(set) var droppedFrames = 0

    /// Frames this stream gave you.
    public private(set) var deliveredFrames = 0

    init(camera: Camera, policy: FramePolicy, frameTimeout: Duration?) {
        self.camera = camera
        self.policy = policy
        self.frameTimeout = frameTimeout
    }

    /// Frames queued and not yet taken.
    var pendingCount: Int { pending.count }

    /// The next frame: for `.latest` the newest one newer than the last given,
    /// for `.all` the oldest queued one; waits if there is none. Starts
    /// streaming if needed.
    ///
    /// - Returns: a lease, or nil once the stream or the camera was closed.
    /// - Throws: ``CameraError`` (disconnected, streaming failed,
    ///   all buffers held), `TimeoutError`, `CancellationError`.
    public func next() async throws -> Frame? {
        if isClosed || camera.isClosed { return nil }
        do {
            return try await camera.nextFrame(timeout: frameTimeout, operation: "frames") { [self] in take() }
        } catch let error as CameraError where error.code == .closed {
            return nil
        }
    }

    /// Ends the stream: queued frames are released and later ``next()`` calls
    /// return nil.
    public func close() {
        isClosed = true
        dropPending()
    }

    /// Iterates by calling ``next()``.
    public nonisolated func makeAsyncIterator() -> Iterator { Iterator(stream: self) }

    /// The iterator of a ``FrameStream``.
    public struct Iterator: AsyncIteratorProtocol {
        let stream: FrameStream

        /// The next frame (see ``FrameStream/next()``).
        ///
        /// - Throws: as ``FrameStream/next()``.
        public mutating func next() async throws -> Frame? {
            try await stream.next()
        }

        /// The next element, waiting in the caller's isolation (what `for try await` calls).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Frame? {
            try await next()
        }
    }

    // MARK: Internals

    /// A new frame for an `.all` stream.
    func enqueue(_ frame: Frame) {
        let limit: Int
        if case .all(let maxPending) = policy { limit = Swift.max(1, Swift.min(maxPending, Swift.max(1, camera.bufferCount - 1))) } else { limit = 1 }
        while pending.count >= limit {
            pending.removeFirst().release()
        }
        pending.append(frame)
    }

    /// Releases the queued frames (close, format change, failure).
    func dropPending() {
        let dropped = pending
        pending.removeAll()
        for frame in dropped { frame.release() }
    }

    private func take() -> Frame? {
        let frame: Frame
        switch policy {
        case .latest:
            guard let latest = camera.latest, lastDelivered.map({ latest.ordinal > $0 }) ?? true else { return nil }
            frame = camera.latestFrame()
        case .all:
            guard !pending.isEmpty else { return nil }
            frame = pending.removeFirst()
        }
        let ordinal = FrameOrdinal(session: frame.session, sequence: frame.sequence)
        if let last = lastDelivered {
            if last.session == ordinal.session {
                if ordinal.sequence > last.sequence &+ 1 { droppedFrames += Int(ordinal.sequence &- last.sequence &- 1) }
            } else {
                droppedFrames += Int(ordinal.sequence)
            }
        }
        lastDelivered = ordinal
        deliveredFrames += 1
        return camera.handOut(frame)
    }
}

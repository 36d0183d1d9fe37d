public import AsyncIO
import Synchronization

extension Frame {
    /// Hands the frame to another loop or thread without a copy: the lease
    /// moves into the returned ``FrameTransfer``, which is Sendable, and this
    /// frame counts as released (its bytes must not be used any more).
    ///
    /// The buffer stays with the application until the transfer is released
    /// (or deinitialised), on whichever thread; the release is then posted to
    /// the camera's loop, which gives the buffer back to the driver there.
    ///
    /// Traps if the frame was already released, or off the camera's loop.
    public func transfer() -> FrameTransfer {
        precondition(!isReleased, "Frame.transfer() after release()")
        guard let owner = Loop.current else { preconditionFailure("Frame.transfer() must be called on the camera's loop") }
        let planes = (0..<planeCount).map { index -> FrameTransfer.Plane in
            let bytes = planeBytes(index)
            return FrameTransfer.Plane(address: UInt(bitPattern: bytes.baseAddress), count: bytes.count)
        }
        let lease = LeaseReturn(camera: camera, slot: slot, handedOut: isHandedOut, owner: owner)
        markTransferred()
        return FrameTransfer(frame: self, planes: planes, lease: lease)
    }
}

/// A ``Frame`` handed to another loop or thread (``Frame/transfer()``): its
/// planes, read in place, and its metadata. Release it when done, from any
/// thread; the buffer then returns to the driver on the camera's loop.
public final class FrameTransfer: Sendable {
    /// One plane's place in the driver's buffer (an address, so the transfer stays Sendable).
    struct Plane: Sendable {
        let address: UInt
        let count: Int
    }

    /// The driver's frame counter (``Frame/sequence``).
    public let sequence: UInt32
    /// The capture time on `CLOCK_MONOTONIC` (``Frame/timestamp``).
    public let timestamp: Duration
    /// The format the frame was captured in.
    public let format: FrameFormat
    /// The driver flagged the data as possibly corrupt.
    public let isCorrupt: Bool
    private let planeAddresses: [Plane]
    private let lease: LeaseReturn
    private let released = Atomic<Bool>(false)

    init(frame: Frame, planes: [Plane], lease: LeaseReturn) {
        sequence = frame.sequence
        timestamp = frame.timestamp
        format = frame.format
        isCorrupt = frame.isCorrupt
        planeAddresses = planes
        self.lease = lease
    }

    deinit { release() }

    /// True once released.
    public var isReleased: Bool { released.load(ordering: .acquiring) }

    /// The number of planes (one for single-planar formats).
    public var planeCount: Int { planeAddresses.count }

    /// Calls `body` with plane `index`'s bytes, in the driver's buffer.
    ///
    /// Traps after ``release()`` (the buffer belongs to the driver again) or for an index out of range.
    ///
    /// - Throws: what `body` throws.
    public func withPlane<R, E: Error>(_ index: Int = 0, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        precondition(!isReleased, "FrameTransfer bytes used after release()")
        let plane = planeAddresses[index]
        return try body(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: plane.address), count: plane.count))
    }

    /// Ends the lease: the camera's loop gives the buffer back to the driver.
    /// Safe from any thread; calling it again does nothing.
    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let lease = lease
        lease.owner.post { _ in lease.end() }
    }
}

/// How a transferred frame's lease returns to its camera: the camera and the
/// buffer's slot belong to the camera's loop and are touched only there.
final class LeaseReturn: @unchecked Sendable {
    // @unchecked Sendable: `camera` and `slot` are used only by `end()`, which
    // runs on `owner` (posted there by `FrameTransfer.release()`).
    private let camera: Camera
    private let slot: BufferSlot
    private let handedOut: Bool
    let owner: Loop

    init(camera: Camera, slot: BufferSlot, handedOut: Bool, owner: Loop) {
        self.camera = camera
        self.slot = slot
        self.handedOut = handedOut
        self.owner = owner
    }

    /// Ends the lease. Runs on the camera's loop.
    func end() { camera.endLease(slot: slot, handedOut: handedOut) }
}

import AsyncIO
#if canImport(Glibc)
import Glibc
#endif

/// The memory of one capture buffer: a mapping (or allocation) per plane and,
/// for a V4L2 buffer, its dma-buf fd per plane.
///
/// Retained by the source's pool and by every ``Frame`` that leases it, so the
/// bytes stay mapped while any lease exists, even after the camera
/// reallocated its buffers, closed, or lost its device. Unmapped (or freed)
/// and its dma-buf fds closed in `deinit`, which is safe on any thread.
final class MappedBuffer {
    /// One plane's memory.
    struct Plane {
        /// Start of the plane's memory.
        let base: UnsafeMutableRawPointer
        /// Mapped (or allocated) length in bytes.
        let length: Int
        /// The dma-buf fd exported for this plane, -1 if none.
        let dmabufFD: Int32
    }

    /// Where the memory came from.
    enum Storage {
        /// `mmap` of the device (V4L2 `MMAP` buffers): `munmap` on release.
        case deviceMapping
        /// Heap memory (the test-pattern pool): deallocated on release.
        case heap
    }

    /// The buffer's index in its pool (V4L2's buffer index).
    let index: Int
    /// The planes.
    let planes: [Plane]
    /// Where the memory came from.
    let storage: Storage

    init(index: Int, planes: [Plane], storage: Storage) {
        self.index = index
        self.planes = planes
        self.storage = storage
    }

    /// A heap buffer of `length` bytes per plane, page aligned and zeroed.
    static func heap(index: Int, lengths: [Int]) -> MappedBuffer {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let planes = lengths.map { length -> Plane in
            let rounded = max(page, (length + page - 1) / page * page)
            let base = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: page)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: rounded)
            return Plane(base: base, length: length, dmabufFD: -1)
        }
        return MappedBuffer(index: index, planes: planes, storage: .heap)
    }

    deinit {
        for plane in planes {
            switch storage {
            case .deviceMapping: munmap(plane.base, plane.length)
            case .heap: plane.base.deallocate()
            }
            if plane.dmabufFD >= 0 { Glibc.close(plane.dmabufFD) }
        }
    }
}

/// One completed buffer, as a source reports it to the camera.
struct CompletedBuffer {
    /// The buffer's index in the source's current pool.
    var index: Int
    /// The driver's frame counter (gaps are drops).
    var sequence: UInt32
    /// When the frame was captured, in nanoseconds of `CLOCK_MONOTONIC`
    /// (when ``timestampIsMonotonic``).
    var timestampNanoseconds: Int64
    /// True when the driver says its timestamps are `CLOCK_MONOTONIC`.
    var timestampIsMonotonic: Bool
    /// Per plane: where the data starts in the plane's memory and how many bytes
    /// of it are used (V4L2's `data_offset` and `bytesused − data_offset`).
    var planes: [(offset: Int, count: Int)]
    /// The raw `V4L2_BUF_FLAG_*` flags.
    var flags: UInt32
    /// The driver flagged the data as possibly corrupt (`V4L2_BUF_FLAG_ERROR`).
    var isCorrupt: Bool
}

/// What a source tells its camera. Loop thread only.
protocol CaptureSink: AnyObject {
    /// A buffer completed; it now belongs to the camera until
    /// ``CaptureSource/requeue(_:)`` hands it back.
    func captured(_ buffer: CompletedBuffer)
    /// Streaming was restarted after an error (`EIO`): the frame sequence
    /// starts over. Buffers the camera holds stay its own.
    func streamRestarted(reason: CameraError)
    /// A terminal failure (disconnect, restart failed). The source has stopped
    /// and released its pool; it closes its fd itself.
    func failed(_ error: CameraError)
}

/// A producer of frames into a pool of buffers: a V4L2 device or the test
/// pattern. The camera owns the lease logic; a source owns its buffers'
/// queueing. Loop thread only.
protocol CaptureSource: AnyObject {
    /// The device node, or `"test-pattern"`.
    var device: String { get }
    /// What the device is.
    var info: CameraInfo { get }
    /// The current format.
    var format: FrameFormat { get }
    /// The current frame interval, if the device reports one.
    var frameInterval: FrameInterval? { get }
    /// The current buffer pool (empty until started).
    var buffers: [MappedBuffer] { get }
    /// Bumped every time the pool is reallocated.
    var poolGeneration: Int { get }
    /// How many buffers the producer has to fill right now.
    var queuedCount: Int { get }
    /// True while streaming.
    var isStreaming: Bool { get }
    /// Where completions go (weak: the camera owns the source).
    var sink: (any CaptureSink)? { get set }

    /// Allocates the pool if needed, queues every buffer the source owns and
    /// starts streaming.
    func start() throws(CameraError)
    /// Stops streaming; buffers the camera holds stay its own, the others stay
    /// with the source, to be queued again by ``start()``.
    func stop()
    /// Hands a buffer of the current pool back to be filled again.
    func requeue(_ index: Int)
    /// Releases the pool (the source must be stopped and own every buffer it
    /// still tracks); the next ``start()`` allocates a new one.
    func releasePool() throws(CameraError)
    /// Changes the format (stopped, pool released). Returns what was chosen.
    func configure(width: Int, height: Int, pixelFormat: PixelFormat) throws(CameraError) -> FrameFormat
    /// Changes the frame rate. Returns the interval the device chose.
    func setFrameRate(_ fps: Double) throws(CameraError) -> FrameInterval?
    /// The pixel formats the device offers.
    func supportedFormats() throws(CameraError) -> [PixelFormat]
    /// The controls the device has.
    func controls() throws(CameraError) -> [ControlInfo]
    /// A control's value.
    func control(_ id: CameraControl) throws(CameraError) -> Int32
    /// Sets a control.
    func setControl(_ id: CameraControl, to value: Int32) throws(CameraError)
    /// Stops, releases the pool and closes the device.
    func close()
}

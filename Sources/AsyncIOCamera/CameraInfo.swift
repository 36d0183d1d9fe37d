import CV4L2
#if canImport(Glibc)
import Glibc
#endif

/// What a video device says it is (`VIDIOC_QUERYCAP`).
public struct CameraInfo: Hashable, Sendable, CustomStringConvertible {
    /// Device capabilities (`V4L2_CAP_*`).
    public struct Capabilities: OptionSet, Hashable, Sendable {
        /// The raw `V4L2_CAP_*` bits.
        public let rawValue: UInt32
        /// Wraps raw bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Single-planar video capture (`V4L2_CAP_VIDEO_CAPTURE`).
        public static let videoCapture = Capabilities(rawValue: 0x0000_0001)
        /// Multi-planar video capture (`V4L2_CAP_VIDEO_CAPTURE_MPLANE`).
        public static let videoCaptureMultiplanar = Capabilities(rawValue: 0x0000_1000)
        /// Video output.
        public static let videoOutput = Capabilities(rawValue: 0x0000_0002)
        /// A memory-to-memory device (codec, scaler).
        public static let videoMemoryToMemory = Capabilities(rawValue: 0x0000_8000)
        /// Metadata capture.
        public static let metaCapture = Capabilities(rawValue: 0x0080_0000)
        /// The `read()` I/O method (copies; not used by this module).
        public static let readWrite = Capabilities(rawValue: 0x0100_0000)
        /// Streaming I/O (`MMAP` buffers): required by ``Camera``.
        public static let streaming = Capabilities(rawValue: 0x0400_0000)
        /// The extended pixel-format fields are valid.
        public static let extendedPixelFormat = Capabilities(rawValue: 0x0020_0000)
        /// Input/output is controlled through the media controller.
        public static let mediaController = Capabilities(rawValue: 0x2000_0000)
    }

    /// The device node (`/dev/video0`), or `"test-pattern"`.
    public var device: String
    /// The driver's name (`"vivid"`, `"uvcvideo"`).
    public var driver: String
    /// The device's name (`"vivid"`, the webcam's model).
    public var card: String
    /// Where it is attached (`"platform:vivid-000"`, `"usb-0000:00:14.0-1"`).
    public var busInfo: String
    /// The capabilities of this node (`device_caps`, or `capabilities` for old drivers).
    public var capabilities: Capabilities

    /// Creates a description.
    public init(device: String, driver: String, card: String, busInfo: String, capabilities: Capabilities) {
        self.device = device
        self.driver = driver
        self.card = card
        self.busInfo = busInfo
        self.capabilities = capabilities
    }

    /// True when ``Camera`` can stream from this node: video capture
    /// (single- or multi-planar) with streaming I/O.
    public var isStreamingCapture: Bool {
        !capabilities.isDisjoint(with: [.videoCapture, .videoCaptureMultiplanar]) && capabilities.contains(.streaming)
    }

    /// `/dev/video0: vivid (vivid) platform:vivid-000 [capture, streaming]`.
    public var description: String {
        var caps: [String] = []
        if capabilities.contains(.videoCapture) { caps.append("capture") }
        if capabilities.contains(.videoCaptureMultiplanar) { caps.append("capture-mplane") }
        if capabilities.contains(.streaming) { caps.append("streaming") }
        if capabilities.contains(.metaCapture) { caps.append("meta") }
        if capabilities.contains(.videoOutput) { caps.append("output") }
        return "\(device): \(card) (\(driver)) \(busInfo) [\(caps.joined(separator: ", "))]"
    }

    /// Reads `VIDIOC_QUERYCAP` from an open device.
    static func query(fd: Int32, device: String) -> Result<CameraInfo, CameraError> {
        var cap = v4l2_capability()
        let rc = cv4l2_ioctl(fd, CV4L2_VIDIOC_QUERYCAP, &cap)
        if rc < 0 { return .failure(.from(errno: -rc, device: device, operation: "VIDIOC_QUERYCAP")) }
        let caps = cap.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities
        return .success(CameraInfo(
            device: device,
            driver: cString(cap.driver), card: cString(cap.card), busInfo: cString(cap.bus_info),
            capabilities: Capabilities(rawValue: caps)))
    }
}

/// The text of a fixed-size C `char`/`__u8` array field.
func cString<T>(_ field: T) -> String {
    withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

extension Camera {
    /// Lists the `/dev/video*` nodes with what each says it is, in numeric
    /// order. Nodes that cannot be opened or queried are left out.
    ///
    /// Opens and closes each node (synchronous, non-blocking calls; a node that
    /// another process streams from can still be queried).
    ///
    /// - Parameter captureOnly: when true (the default), only nodes ``Camera``
    ///   can stream from (video capture with streaming I/O).
    /// - Returns: the devices found; empty when there is none.
    public nonisolated static func devices(captureOnly: Bool = true) -> [CameraInfo] {
        deviceNodes().compactMap { path -> CameraInfo? in
            let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { Glibc.close(fd) }
            guard case .success(let info) = CameraInfo.query(fd: fd, device: path) else { return nil }
            return !captureOnly || info.isStreamingCapture ? info : nil
        }
    }

    /// `/dev/video*` paths, sorted by number.
    nonisolated static func deviceNodes(directory: String = "/dev") -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var numbers: [Int] = []
        while let entry = readdir(dir) {
            let name = cString(entry.pointee.d_name)
            if name.hasPrefix("video"), let n = Int(name.dropFirst(5)) { numbers.append(n) }
        }
        return numbers.sorted().map { "\(directory)/video\($0)" }
    }
}

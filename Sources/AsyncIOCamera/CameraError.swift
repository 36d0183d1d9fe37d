#if canImport(Glibc)
import Glibc
#endif

/// A camera failure: what went wrong (``code``), on which device, in which
/// call, and the system error behind it.
///
/// Match on the code:
///
/// ```swift
/// do { let frame = try await camera.snapshot() }
/// catch let error as CameraError where error.code == .disconnected { ... }
/// ```
public struct CameraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// No such device node (`ENOENT`).
        case notFound
        /// The process may not open the node (`EACCES`, `EPERM`): add the user to the `video` group.
        case permissionDenied
        /// Another process (or another open of this node) is streaming (`EBUSY`).
        case busy
        /// The node is not a streaming video capture device.
        case notACaptureDevice
        /// The driver does not offer the requested pixel format (it substituted another).
        case unsupportedFormat
        /// The device has no such control, or refused its value.
        case unsupportedControl
        /// The device is gone (`ENODEV`, `POLLHUP`/`POLLERR` on unplug). Terminal:
        /// the camera is closed; reopening is a new ``Camera``.
        case disconnected
        /// Streaming failed and could not be restarted (`EIO` again and again).
        case streamingFailed
        /// The application holds every buffer, so no new frame can be captured:
        /// release frames (or ``Frame/copy()`` and release) before asking for more.
        case allBuffersHeld
        /// The camera was closed by ``Camera/close()``.
        case closed
        /// A parameter was out of range (a size of 0, a rate of 0, ...).
        case invalidArgument
        /// Any other failed system call; see ``CameraError/errno``.
        case system
    }

    /// The kind of failure.
    public let code: Code
    /// The device node, or `"test-pattern"`.
    public let device: String
    /// The call or step that failed (`"VIDIOC_S_FMT"`, `"open"`, ...).
    public let operation: String
    /// The `errno` behind the failure, 0 when there is none.
    public let errno: Int32
    /// More detail, when there is some (the format the driver offered instead, ...).
    public let detail: String?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - device: the device node.
    ///   - operation: the call that failed.
    ///   - errno: the system error, 0 if none.
    ///   - detail: optional detail.
    public init(_ code: Code, device: String, operation: String, errno: Int32 = 0, detail: String? = nil) {
        self.code = code
        self.device = device
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    /// Maps a failed call's `errno` to the matching code: `ENODEV`/`ENXIO` →
    /// ``Code/disconnected``, `EBUSY` → ``Code/busy``, `EACCES`/`EPERM` →
    /// ``Code/permissionDenied``, `ENOENT` → ``Code/notFound``, others →
    /// ``Code/system``.
    static func from(errno value: Int32, device: String, operation: String, detail: String? = nil) -> CameraError {
        let code: Code
        switch value {
        case ENODEV, ENXIO: code = .disconnected
        case EBUSY: code = .busy
        case EACCES, EPERM: code = .permissionDenied
        case ENOENT: code = .notFound
        default: code = .system
        }
        return CameraError(code, device: device, operation: operation, errno: value, detail: detail)
    }

    /// One line: code, device, operation, the system error and the detail.
    public var description: String {
        var text = "camera \(device): \(code.rawValue) in \(operation)"
        if errno != 0 { text += ": \(String(cString: strerror(errno))) (errno \(errno))" }
        if let detail { text += " — \(detail)" }
        return text
    }
}

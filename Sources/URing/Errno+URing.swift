import CURing
#if canImport(Glibc)
import Glibc
#endif

/// A POSIX error number, as system calls and io_uring completions report them.
///
/// The ring layer throws it (typed throws); the runtime maps it to its own errors.
/// swift-system's `Errno` is not used because its C module ships a second copy
/// of `<linux/io_uring.h>` that conflicts with liburing's in one Swift module.
public struct Errno: Error, Sendable, Hashable, CustomStringConvertible {
    /// The raw value (`EAGAIN`, ...).
    public let rawValue: Int32

    /// Wraps a raw error number.
    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Creates the error for a negated result as liburing and completions return it (`-EAGAIN`).
    @inlinable public init(negatedResult result: Int32) {
        precondition(result < 0, "not a negated errno: \(result)")
        self.init(rawValue: -result)
    }

    /// The calling thread's `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    /// `EPERM`
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `ENOENT`
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// `EINTR`
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EIO`
    public static let ioError = Errno(rawValue: EIO)
    /// `EBADF`
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// `EAGAIN`
    public static let resourceTemporarilyUnavailable = Errno(rawValue: EAGAIN)
    /// `ENOMEM`
    public static let noMemory = Errno(rawValue: ENOMEM)
    /// `EBUSY`
    public static let resourceBusy = Errno(rawValue: EBUSY)
    /// `EINVAL`
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// `EMFILE`
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// `ENFILE`
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)
    /// `EPIPE`
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// `ENOSYS`
    public static let noFunction = Errno(rawValue: ENOSYS)
    /// `ETIME`
    public static let timerExpired = Errno(rawValue: ETIME)
    /// `ECANCELED`
    public static let canceled = Errno(rawValue: ECANCELED)
    /// `EALREADY`
    public static let alreadyInProgress = Errno(rawValue: EALREADY)
    /// `ECONNRESET`
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    /// `ECONNREFUSED`
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)

    /// The symbolic name and the C library's message, e.g. `EPERM (Operation not permitted)`.
    public var description: String {
        let message = String(cString: strerror(rawValue))
        if let name = CURing_errno_name(rawValue) { return "\(String(cString: name)) (\(message))" }
        return "errno \(rawValue) (\(message))"
    }
}

/// io_uring could not be set up on this machine, with the cause spelled out.
///
/// Thrown by ``Ring/init(_:)``. The runtime treats it as "use another backend";
/// a program that insisted on io_uring shows ``description`` to its user.
public struct RingUnavailableError: Error, Sendable, CustomStringConvertible {
    /// The error `io_uring_setup` (or a required probe) returned.
    public var errno: Errno
    /// A human explanation of the likely cause and what to do about it.
    public var reason: String

    /// Creates the error from the setup call's errno, explaining the usual causes.
    public init(setupErrno errno: Errno) {
        self.errno = errno
        switch errno {
        case .notPermitted:
            reason = "io_uring_setup was denied (EPERM): a seccomp policy (Docker's default profile) or the kernel.io_uring_disabled sysctl forbids io_uring here"
        case .noFunction:
            reason = "io_uring_setup does not exist (ENOSYS): the kernel was built without io_uring or a sandbox hides it"
        case .noMemory:
            reason = "io_uring_setup could not allocate a ring (ENOMEM) even at 64 entries; raise RLIMIT_MEMLOCK or free memory"
        case .invalidArgument:
            reason = "io_uring_setup rejected every configuration tried (EINVAL): the kernel is too old"
        default:
            reason = "io_uring_setup failed: \(errno)"
        }
    }

    /// Creates the error for a kernel that lacks something the runtime requires.
    public init(missing what: String) {
        self.errno = .noFunction
        self.reason = "this kernel's io_uring lacks \(what)"
    }

    /// A readable form, for logs and messages.
    public var description: String { reason }
}

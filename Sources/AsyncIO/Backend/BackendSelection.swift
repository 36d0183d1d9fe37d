import Synchronization
import Logging
import URing
#if canImport(Glibc)
import Glibc
#endif

/// The kernel interface under the loop.
public enum BackendKind: String, Sendable, CustomStringConvertible {
    /// io_uring: submissions and completions through a shared ring.
    case ioUring = "io_uring"
    /// epoll: readiness notification plus non-blocking system calls.
    case epoll

    /// A readable form, for logs and messages.
    public var description: String { rawValue }
}

/// Chooses and creates the loop's backend: io_uring when the kernel permits it,
/// epoll otherwise; `ASYNCIO_BACKEND=uring|epoll` forces one.
enum BackendSelection {
    private static let logger = Logger(label: "AsyncIO")
    /// Set by the first loop to open a backend (loops of a group open theirs at once).
    private static let logged = Atomic<Bool>(false)

    /// What the environment asks for (nil: choose automatically).
    static var forced: BackendKind? {
        guard let raw = getenv("ASYNCIO_BACKEND").map({ String(cString: $0).lowercased() }) else { return nil }
        switch raw {
        case "uring", "io_uring", "iouring": return .ioUring
        case "epoll": return .epoll
        default: return nil
        }
    }

    /// Creates the backend. Loop thread only.
    ///
    /// - Returns: the backend, its kind, and why it was chosen.
    /// - Throws: ``LoopError/backendUnavailable(reason:)`` if io_uring was forced
    ///   but cannot be set up, or if neither backend can start.
    static func make(deliver: @escaping (Completion) -> Void) throws(LoopError) -> (any LoopBackend, BackendKind, String) {
        let choice: (any LoopBackend, BackendKind, String)
        switch forced {
        case .epoll?:
            choice = (try makeEpoll(deliver), .epoll, "forced by ASYNCIO_BACKEND=epoll")
        case .ioUring?:
            do {
                choice = (try UringBackend(entries: 256, deliver: deliver), .ioUring, "forced by ASYNCIO_BACKEND=uring")
            } catch {
                throw LoopError.backendUnavailable(reason: "ASYNCIO_BACKEND=uring, but \(error.description)")
            }
        case nil:
            do {
                choice = (try UringBackend(entries: 256, deliver: deliver), .ioUring, "io_uring is available")
            } catch {
                choice = (try makeEpoll(deliver), .epoll, "io_uring unavailable: \(error.description)")
            }
        }
        if !logged.exchange(true, ordering: .relaxed) {
            logger.debug("event loop backend: \(choice.1) (\(choice.2))")
        }
        return choice
    }

    private static func makeEpoll(_ deliver: @escaping (Completion) -> Void) throws(LoopError) -> EpollBackend {
        do {
            return try EpollBackend(deliver: deliver)
        } catch {
            throw LoopError.backendUnavailable(reason: "epoll_create1 failed: \(error)")
        }
    }
}

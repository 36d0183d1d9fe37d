#if canImport(Glibc)
import Glibc
#endif

/// An I/O operation the loop asks its backend to perform.
///
/// Every pointer is owned by the awaiting task, which does not return before
/// the operation's final completion, even when it is cancelled; so the memory
/// outlives the kernel's use of it (docs/architecture.md, "Ownership").
enum IORequest {
    /// Completes at once with 0: the cost of one trip through the ring.
    case nop
    /// `read(2)` of up to `count` bytes at the current position.
    case read(fd: Int32, buffer: UnsafeMutableRawPointer, count: UInt32)
    /// `write(2)` of `count` bytes (never for sockets; see `send`).
    case write(fd: Int32, buffer: UnsafeRawPointer, count: UInt32)
    /// Waits for `events` on `fd`; the result is the revents mask.
    case poll(fd: Int32, events: UInt32)
    /// Multishot poll: one completion per readiness event (`IORING_CQE_F_MORE`
    /// on all but the last), until cancelled or the fd fails.
    case pollMultishot(fd: Int32, events: UInt32)
    /// `recv(2)` of up to `count` bytes from a stream socket (datagram sockets use
    /// `receiveMessage`). `likelyEmpty`: the previous receive drained the socket,
    /// so io_uring waits for readiness before trying (`IORING_RECVSEND_POLL_FIRST`)
    /// instead of failing a first try with `EAGAIN`. The epoll backend keeps its
    /// own record (a result short of `count` means drained) and ignores the
    /// hint: an edge that arrived after that receive makes the hint stale, and
    /// only the backend sees the edge.
    case receive(fd: Int32, buffer: UnsafeMutableRawPointer, count: Int, flags: Int32, likelyEmpty: Bool)
    /// `send(2)` with `MSG_NOSIGNAL` of `count` bytes.
    case send(fd: Int32, buffer: UnsafeRawPointer, count: Int, flags: Int32)
    /// `accept4(2)` with `SOCK_CLOEXEC | SOCK_NONBLOCK`; the result is the new fd.
    case accept(fd: Int32)
    /// Multishot accept: one completion per connection (`IORING_CQE_F_MORE` on
    /// all but the last) until cancelled or failed.
    case acceptMultishot(fd: Int32)
    /// `sendmsg(2)` with `MSG_NOSIGNAL` (datagrams with a destination).
    case sendMessage(fd: Int32, message: UnsafePointer<msghdr>)
    /// `recvmsg(2)` (datagrams, with the sender's address).
    case receiveMessage(fd: Int32, message: UnsafeMutablePointer<msghdr>)
    /// `connect(2)`.
    case connect(fd: Int32, address: UnsafePointer<sockaddr>, length: socklen_t)
    /// `close(2)`.
    case close(fd: Int32)
}

/// The kernel interface the loop drives: io_uring now, epoll where io_uring
/// is not permitted (a later backend).
///
/// Loop-thread only. Completions are delivered through the handler given at
/// creation, from inside ``submit(_:userData:)`` (when the kernel wants
/// completions reaped before it takes more) or ``poll(timeoutNanoseconds:)``.
protocol LoopBackend: AnyObject {
    /// A short name for logs and ``Loop/backendDescription``.
    var description: String { get }
    /// True while submissions are prepared but not yet handed to the kernel.
    var hasPendingSubmissions: Bool { get }
    /// Queues `request`; its completion will carry `userData`.
    func submit(_ request: IORequest, userData: UInt64)
    /// Asks the kernel to cancel the operation submitted with `target`. The
    /// cancel's own completion carries ``OperationTable/cancelTag``.
    func cancel(userData target: UInt64)
    /// Submits what is queued and delivers completions, waiting at most
    /// `timeoutNanoseconds` for one (0: do not wait; nil: no limit).
    func poll(timeoutNanoseconds: Int64?)
}

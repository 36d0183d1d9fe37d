public import CURing
import Glibc

/// A typed view of one submission queue entry, with builders for the
/// operations the runtime uses.
///
/// Every pointer handed to a builder must stay valid until the operation's
/// final completion arrives (for timespecs: until the entry is submitted).
/// The runtime's operation slots own that memory; see docs/architecture.md.
public struct SubmissionEntry {
    /// The raw entry in the SQ ring.
    public let raw: UnsafeMutablePointer<io_uring_sqe>

    /// Wraps an entry obtained from the ring.
    @inlinable public init(_ raw: UnsafeMutablePointer<io_uring_sqe>) { self.raw = raw }

    /// The value the completion will carry back.
    @inlinable public var userData: UInt64 {
        get { raw.pointee.user_data }
        nonmutating set { io_uring_sqe_set_data64(raw, newValue) }
    }

    /// Links the next entry to this one: it starts only when this one succeeds (`IOSQE_IO_LINK`).
    @inlinable public func link() { raw.pointee.flags |= CURing_IOSQE_IO_LINK }

    /// Posts no completion when the operation succeeds (`IOSQE_CQE_SKIP_SUCCESS`).
    @inlinable public func skipSuccessCompletion() { raw.pointee.flags |= CURing_IOSQE_CQE_SKIP_SUCCESS }

    /// `IORING_OP_NOP`: completes at once with result 0.
    @inlinable public func nop() { io_uring_prep_nop(raw) }

    /// `IORING_OP_TIMEOUT`: completes with `-ETIME` after `timespec`, or earlier
    /// once `count` other completions were posted (0: time only).
    @inlinable public func timeout(_ timespec: UnsafeMutablePointer<__kernel_timespec>, count: UInt32 = 0, flags: UInt32 = 0) {
        io_uring_prep_timeout(raw, timespec, count, flags)
    }

    /// `IORING_OP_LINK_TIMEOUT`: cancels the linked previous entry if it has not completed after `timespec`.
    @inlinable public func linkTimeout(_ timespec: UnsafeMutablePointer<__kernel_timespec>, flags: UInt32 = 0) {
        io_uring_prep_link_timeout(raw, timespec, flags)
    }

    /// `IORING_OP_POLL_ADD` for `events` (`POLLIN`, ...); multishot keeps it armed (`IORING_POLL_ADD_MULTI`).
    @inlinable public func poll(fd: Int32, events: UInt32, multishot: Bool = false) {
        if multishot { io_uring_prep_poll_multishot(raw, fd, events) } else { io_uring_prep_poll_add(raw, fd, events) }
    }

    /// `IORING_OP_READ` of up to `count` bytes at `offset` (-1: the file position).
    @inlinable public func read(fd: Int32, into buffer: UnsafeMutableRawPointer, count: UInt32, offset: UInt64 = UInt64.max) {
        io_uring_prep_read(raw, fd, buffer, count, offset)
    }

    /// `IORING_OP_WRITE` of `count` bytes at `offset` (-1: the file position). Never for sockets: use ``send(fd:from:count:flags:)``.
    @inlinable public func write(fd: Int32, from buffer: UnsafeRawPointer, count: UInt32, offset: UInt64 = UInt64.max) {
        io_uring_prep_write(raw, fd, buffer, count, offset)
    }

    /// `IORING_OP_RECV` of up to `count` bytes. `pollFirst` sets
    /// `IORING_RECVSEND_POLL_FIRST` (Linux 5.19): the kernel waits for readiness
    /// before the first try, for sockets that are probably empty (a try that
    /// fails with `EAGAIN` costs a socket lock and a full `tcp_recvmsg`).
    @inlinable public func receive(
        fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, flags: Int32 = 0, pollFirst: Bool = false
    ) {
        io_uring_prep_recv(raw, fd, buffer, count, flags)
        if pollFirst { raw.pointee.ioprio |= UInt16(IORING_RECVSEND_POLL_FIRST) }
    }

    /// `IORING_OP_SEND` of `count` bytes; `MSG_NOSIGNAL` is always added, so a
    /// closed peer gives `-EPIPE` rather than a process-killing SIGPIPE.
    @inlinable public func send(fd: Int32, from buffer: UnsafeRawPointer, count: Int, flags: Int32 = 0) {
        io_uring_prep_send(raw, fd, buffer, count, flags | Int32(MSG_NOSIGNAL))
    }

    /// `IORING_OP_ACCEPT`; multishot posts one completion per connection until cancelled.
    /// `address`/`length` must be nil for multishot (each CQE would overwrite them).
    @inlinable public func accept(
        fd: Int32, address: UnsafeMutablePointer<sockaddr>?, length: UnsafeMutablePointer<socklen_t>?,
        flags: Int32 = Int32(SOCK_CLOEXEC.rawValue), multishot: Bool = false
    ) {
        if multishot {
            io_uring_prep_multishot_accept(raw, fd, address, length, flags)
        } else {
            io_uring_prep_accept(raw, fd, address, length, flags)
        }
    }

    /// `IORING_OP_SENDMSG` with `MSG_NOSIGNAL` added.
    @inlinable public func sendMessage(fd: Int32, message: UnsafePointer<msghdr>, flags: UInt32 = 0) {
        io_uring_prep_sendmsg(raw, fd, message, flags | UInt32(MSG_NOSIGNAL))
    }

    /// `IORING_OP_RECVMSG`.
    @inlinable public func receiveMessage(fd: Int32, message: UnsafeMutablePointer<msghdr>, flags: UInt32 = 0) {
        io_uring_prep_recvmsg(raw, fd, message, flags)
    }

    /// `IORING_OP_CONNECT` to `address`.
    @inlinable public func connect(fd: Int32, address: UnsafePointer<sockaddr>, length: socklen_t) {
        io_uring_prep_connect(raw, fd, address, length)
    }

    /// `IORING_OP_CLOSE` of `fd`.
    @inlinable public func close(fd: Int32) { io_uring_prep_close(raw, fd) }

    /// `IORING_OP_ASYNC_CANCEL` of the operation submitted with `userData`.
    @inlinable public func cancel(userData target: UInt64, flags: Int32 = 0) {
        io_uring_prep_cancel64(raw, target, flags)
    }

    /// `IORING_OP_ASYNC_CANCEL` of every operation on `fd` (`IORING_ASYNC_CANCEL_FD|ALL`, Linux 5.19+).
    @inlinable public func cancelAll(fd: Int32) {
        io_uring_prep_cancel_fd(raw, fd, UInt32(IORING_ASYNC_CANCEL_ALL))
    }
}

import CLinuxSys
import CURing
import URing
#if canImport(Glibc)
import Glibc
#endif

/// The epoll backend, for machines where io_uring is not permitted (Docker's
/// default seccomp profile, `kernel.io_uring_disabled`, gVisor).
///
/// Each request becomes readiness plus a non-blocking system call. Socket data
/// operations (`recv`, `send`, `recvmsg`, `sendmsg`) register their fd once,
/// edge-triggered, for as long as it lives (until the `close` request): the
/// backend remembers per direction whether the last call hit `EAGAIN` (or, for
/// a stream receive, came back short: the socket is empty), and until an event
/// says otherwise it waits without trying the call again. An echo round trip
/// is then one `recv` and one `send`, as in a hand-written epoll server,
/// instead of two `epoll_ctl` and a failed `recv` more (docs/decisions/0004
/// and 0006). `read`, `write`, `accept`, `poll` and `connect` wait for
/// readiness first (the fds given to them may be blocking, and may be closed
/// without a `close` request), with a level-triggered registration held only
/// while they wait. Completions are delivered in the same shape as io_uring's,
/// so the loop above cannot tell the difference.
final class EpollBackend: LoopBackend {
    fileprivate struct Operation {
        var userData: UInt64
        var request: IORequest
    }

    /// The operations waiting on one fd, by direction, in FIFO order.
    fileprivate struct Interest {
        var readers: [Operation] = []
        var writers: [Operation] = []
        /// The events registered with the kernel; 0 when not registered.
        var registered: UInt32 = 0
        /// Persistent fds: false once a call in that direction returned
        /// `EAGAIN` (or a stream receive came back short), until the next event
        /// reports readiness again.
        var mayRead = true
        var mayWrite = true
        /// An event reported end of input or an error (`EPOLLRDHUP`, `EPOLLHUP`,
        /// `EPOLLERR`): final, so a short receive no longer means "drained".
        var readClosed = false

        /// Registered edge-triggered until the `close` request, not only while
        /// operations wait (socket data operations): only that registration
        /// is edge-triggered.
        var persistent: Bool { registered & UInt32(EPOLLET.rawValue) != 0 }

        var wanted: UInt32 {
            (readers.isEmpty ? 0 : UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue))
                | (writers.isEmpty ? 0 : UInt32(EPOLLOUT.rawValue))
        }
    }

    private let epfd: Int32
    private let deliver: (Completion) -> Void
    // @exclusivity(unchecked) here and below: loop-thread state on the hot path; the
    // compiler still checks exclusivity statically, the run-time check cost ~15% of an
    // echo server's user time (docs/decisions/0005).
    @exclusivity(unchecked) private var interests = InterestTable()
    @exclusivity(unchecked) private var fdOfOperation = WaitingOperations()
    /// Completions produced outside `epoll_wait` (NOP, immediate results, cancels).
    @exclusivity(unchecked) private var ready: [Completion] = []
    /// The completions `poll` is delivering (the previous `ready`, kept for its capacity).
    @exclusivity(unchecked) private var delivering: [Completion] = []
    private var events: UnsafeMutablePointer<epoll_event>
    private let eventCapacity = 128

    /// Creates an epoll instance.
    ///
    /// - Throws: ``Errno`` if `epoll_create1` fails (`EMFILE`, `ENOMEM`).
    init(deliver: @escaping (Completion) -> Void) throws(Errno) {
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epfd >= 0 else { throw Errno.current }
        self.deliver = deliver
        events = .allocate(capacity: eventCapacity)
    }

    deinit {
        events.deallocate()
        close(epfd)
    }

    var description: String { "epoll" }

    var hasPendingSubmissions: Bool { !ready.isEmpty }

    func submit(_ request: IORequest, userData: UInt64) {
        switch request {
        case .nop:
            ready.append(Completion(userData: userData, result: 0))
        case .receive(let fd, _, _, _, _), .receiveMessage(let fd, _):
            submitSocketData(Operation(userData: userData, request: request), fd: fd, reading: true)
        case .send(let fd, _, _, _), .sendMessage(let fd, _):
            submitSocketData(Operation(userData: userData, request: request), fd: fd, reading: false)
        case .connect(let fd, let address, let length):
            if Glibc.connect(fd, address, length) == 0 {
                ready.append(Completion(userData: userData, result: 0))
            } else if errno == EINPROGRESS {
                wait(Operation(userData: userData, request: request), fd: fd, reading: false)
            } else {
                ready.append(Completion(userData: userData, result: -errno))
            }
        case .read(let fd, _, _), .accept(let fd), .acceptMultishot(let fd):
            wait(Operation(userData: userData, request: request), fd: fd, reading: true)
        case .write(let fd, _, _):
            wait(Operation(userData: userData, request: request), fd: fd, reading: false)
        case .poll(let fd, let mask), .pollMultishot(let fd, let mask):
            let reading = mask & UInt32(POLLIN | POLLPRI) != 0
            wait(Operation(userData: userData, request: request), fd: fd, reading: reading)
        case .close(let fd):
            // Operations still waiting on the fd end before it goes away. A socket's
            // receive or send is tried once more, as io_uring's completes: after the
            // stream's shutdown a receive gets end of stream (0) and a send EPIPE, so
            // an aborted stream's reader sees what it sees on io_uring. The rest, and
            // what would still block, end as cancelled.
            if let interest = interests.take(fd) {
                if interest.registered != 0 { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil) }
                for op in interest.readers + interest.writers {
                    fdOfOperation.removeValue(forKey: op.userData)
                    var result = -ECANCELED
                    switch op.request {
                    case .receive, .send: result = attempt(op.request, revents: 0) ?? -ECANCELED
                    default: break
                    }
                    ready.append(Completion(userData: op.userData, result: result))
                }
            }
            ready.append(Completion(userData: userData, result: Glibc.close(fd) == 0 ? 0 : -errno))
        }
    }

    func cancel(userData target: UInt64) {
        guard let fd = fdOfOperation.removeValue(forKey: target), var interest = interests.take(fd) else {
            ready.append(Completion(userData: OperationTable.cancelTag, result: -ENOENT))
            return
        }
        interest.readers.removeAll { $0.userData == target }
        interest.writers.removeAll { $0.userData == target }
        update(fd, interest)
        ready.append(Completion(userData: target, result: -ECANCELED))
        ready.append(Completion(userData: OperationTable.cancelTag, result: 0))
    }

    func poll(timeoutNanoseconds: Int64?) {
        let timeout: Int64 = ready.isEmpty ? (timeoutNanoseconds ?? -1) : 0
        let n = CLinuxSys_epoll_wait_ns(epfd, events, Int32(eventCapacity), timeout)
        if n < 0 && errno != EINTR {
            preconditionFailure("epoll_pwait2 failed on the loop's own epoll fd: \(Errno.current)")
        }
        for i in 0..<max(0, Int(n)) {
            let event = events[i]
            let fd = event.data.fd
            guard var interest = interests.take(fd) else { continue }
            let failed = event.events & UInt32(EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
            if event.events & UInt32(EPOLLRDHUP.rawValue) != 0 || failed { interest.readClosed = true }
            if event.events & UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 || failed {
                interest.mayRead = progress(&interest.readers, revents: event.events, readClosed: interest.readClosed)
            }
            if event.events & UInt32(EPOLLOUT.rawValue) != 0 || failed {
                interest.mayWrite = progress(&interest.writers, revents: event.events)
            }
            update(fd, interest)
        }
        // Swap buffers instead of copying: delivering may submit, which appends to `ready`.
        swap(&ready, &delivering)
        for completion in delivering { deliver(completion) }
        delivering.removeAll(keepingCapacity: true)
    }

    // MARK: Readiness

    /// The events of a persistent registration.
    private static let persistentEvents = UInt32(EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue)
        | UInt32(EPOLLET.rawValue)

    /// A socket data operation: tried at once unless the last call in its
    /// direction hit `EAGAIN` (and no event came since) or others wait before
    /// it; if it would block, it waits on the fd's persistent registration.
    private func submitSocketData(_ op: Operation, fd: Int32, reading: Bool) {
        var interest = interests.take(fd) ?? Interest()
        let mayTry = reading ? interest.mayRead && interest.readers.isEmpty : interest.mayWrite && interest.writers.isEmpty
        if mayTry, let result = attempt(op.request, revents: 0) {
            ready.append(Completion(userData: op.userData, result: result))
            if Self.drained(op.request, result: result, readClosed: interest.readClosed) {
                interest.mayRead = false
                interests[fd] = interest
            } else if interest.registered != 0 {
                interests[fd] = interest
            }
            return
        }
        if reading {
            interest.mayRead = false
            interest.readers.append(op)
        } else {
            interest.mayWrite = false
            interest.writers.append(op)
        }
        fdOfOperation.record(op.userData, fd: fd)
        if !interest.persistent {
            // Registering reports readiness that arrived since the call above.
            var event = epoll_event()
            event.events = Self.persistentEvents
            event.data.fd = fd
            if epoll_ctl(epfd, interest.registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event) != 0 {
                fail(fd, interest, errno: errno)
                return
            }
            interest.registered = Self.persistentEvents
        }
        interests[fd] = interest
    }

    private func wait(_ op: Operation, fd: Int32, reading: Bool) {
        var interest = interests.take(fd) ?? Interest()
        if reading { interest.readers.append(op) } else { interest.writers.append(op) }
        fdOfOperation.record(op.userData, fd: fd)
        if interest.persistent {
            // An edge-triggered registration reports only changes: check the
            // fd's readiness now (this is not a socket data operation, so rare).
            var pollfd = pollfd(fd: fd, events: Int16(POLLIN | POLLOUT), revents: 0)
            if Glibc.poll(&pollfd, 1, 0) > 0 {
                let revents = UInt32(UInt16(bitPattern: pollfd.revents))
                if reading { interest.mayRead = progress(&interest.readers, revents: revents, readClosed: interest.readClosed) }
                else { interest.mayWrite = progress(&interest.writers, revents: revents) }
            }
        }
        update(fd, interest)
    }

    /// Fails the operations waiting on `fd` with `errno` and forgets it.
    private func fail(_ fd: Int32, _ interest: Interest, errno error: Int32) {
        for op in interest.readers + interest.writers {
            fdOfOperation.removeValue(forKey: op.userData)
            ready.append(Completion(userData: op.userData, result: -error))
        }
        if interest.registered != 0 { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil) }
        _ = interests.take(fd)
    }

    /// Re-registers `fd` when the wanted events changed; forgets it when idle.
    /// A persistent registration stays as it is until the `close` request.
    private func update(_ fd: Int32, _ interest: Interest) {
        if interest.persistent {
            interests[fd] = interest
            return
        }
        let wanted = interest.wanted
        if wanted != interest.registered {
            var event = epoll_event()
            event.events = wanted
            event.data.fd = fd
            let op = interest.registered == 0 ? EPOLL_CTL_ADD : (wanted == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD)
            if epoll_ctl(epfd, op, fd, &event) != 0 {
                // The fd is not pollable or not open: fail its operations at once.
                fail(fd, interest, errno: errno)
                return
            }
        }
        var stored = interest
        stored.registered = wanted
        if wanted == 0 { _ = interests.take(fd) } else { interests[fd] = stored }
    }

    /// True when a stream receive's result shows that it took all the socket
    /// held: fewer bytes than asked for, and no end of input reported. TCP's
    /// `recv` stops short only when the receive queue is empty, and bytes that
    /// arrive later raise a new edge-triggered event, so the next receive can
    /// wait for that event instead of first failing with `EAGAIN` (tokio
    /// clears readiness on a short read the same way).
    private static func drained(_ request: IORequest, result: Int32, readClosed: Bool) -> Bool {
        guard case .receive(_, _, let count, _, _) = request, !readClosed else { return false }
        return result > 0 && Int(result) < count
    }

    /// Runs the waiting operations of one direction in order until one would block.
    ///
    /// - Parameter readClosed: the fd reported end of input, so a short stream
    ///   receive does not mean drained (irrelevant for writers: never receives).
    /// - Returns: false if one would block (a call returned `EAGAIN`, the
    ///   readiness it waits for is absent, or a short stream receive drained the
    ///   socket), true if the queue ran empty.
    @discardableResult
    private func progress(_ queue: inout [Operation], revents: UInt32, readClosed: Bool = false) -> Bool {
        var drained = false
        while let op = queue.first {
            if case .pollMultishot(_, let mask) = op.request {
                // Stays armed: one completion per readiness report; an error or
                // hang-up ends it (as io_uring's multishot poll does).
                let occurred = Int32(revents) & (Int32(mask) | Int32(POLLERR | POLLHUP))
                if occurred == 0 { return false }
                let final = occurred & Int32(POLLERR | POLLHUP) != 0
                ready.append(Completion(userData: op.userData, result: occurred, flags: final ? 0 : IORING_CQE_F_MORE))
                if final {
                    queue.removeFirst()
                    fdOfOperation.removeValue(forKey: op.userData)
                    continue
                }
                return false
            }
            if case .acceptMultishot(let fd) = op.request {
                // Stays first in the queue, posting one completion per connection,
                // until accept fails with something other than EAGAIN.
                while true {
                    let socket = CLinuxSys_accept4(fd, Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue))
                    if socket >= 0 {
                        ready.append(Completion(userData: op.userData, result: socket, flags: IORING_CQE_F_MORE))
                    } else if errno == EAGAIN {
                        return false
                    } else {
                        ready.append(Completion(userData: op.userData, result: -errno))
                        queue.removeFirst()
                        fdOfOperation.removeValue(forKey: op.userData)
                        break
                    }
                }
                continue
            }
            guard let result = attempt(op.request, revents: revents) else { return false }
            queue.removeFirst()
            fdOfOperation.removeValue(forKey: op.userData)
            ready.append(Completion(userData: op.userData, result: result))
            if Self.drained(op.request, result: result, readClosed: readClosed) { drained = true }
        }
        return !drained
    }

    /// Performs a ready operation; nil if it would still block.
    private func attempt(_ request: IORequest, revents: UInt32) -> Int32? {
        func result(_ n: Int) -> Int32? {
            if n >= 0 { return Int32(truncatingIfNeeded: n) }
            return errno == EAGAIN ? nil : -errno
        }
        switch request {
        case .read(let fd, let buffer, let count):
            return result(Glibc.read(fd, buffer, Int(count)))
        case .write(let fd, let buffer, let count):
            return result(Glibc.write(fd, buffer, Int(count)))
        case .receive(let fd, let buffer, let count, let flags, _):
            return result(recv(fd, buffer, count, flags | Int32(MSG_DONTWAIT)))
        case .send(let fd, let buffer, let count, let flags):
            return result(Glibc.send(fd, buffer, count, flags | Int32(MSG_DONTWAIT | MSG_NOSIGNAL)))
        case .accept(let fd):
            return result(Int(CLinuxSys_accept4(fd, Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue))))
        case .connect(let fd, _, _):
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            return -error
        case .poll(_, let mask):
            let occurred = Int32(revents) & (Int32(mask) | Int32(POLLERR | POLLHUP))
            return occurred == 0 ? nil : occurred
        case .sendMessage(let fd, let message):
            return result(sendmsg(fd, message, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)))
        case .receiveMessage(let fd, let message):
            return result(recvmsg(fd, message, Int32(MSG_DONTWAIT)))
        case .nop, .close, .acceptMultishot, .pollMultishot:
            return 0
        }
    }
}

/// The epoll backend's per-fd state, indexed by fd (fds are small and dense).
/// ``take(_:)`` moves an entry out so that its queues are mutated without a
/// copy-on-write, then the caller stores it back.
private struct InterestTable {
    private var entries: [EpollBackend.Interest?] = []

    /// Moves the entry of `fd` out, leaving none.
    mutating func take(_ fd: Int32) -> EpollBackend.Interest? {
        guard fd >= 0, Int(fd) < entries.count else { return nil }
        return entries[Int(fd)].take()
    }

    subscript(fd: Int32) -> EpollBackend.Interest? {
        get { fd >= 0 && Int(fd) < entries.count ? entries[Int(fd)] : nil }
        set {
            if Int(fd) >= entries.count {
                guard newValue != nil else { return }
                entries.append(contentsOf: repeatElement(nil, count: max(Int(fd) + 1, entries.count * 2) - entries.count))
            }
            entries[Int(fd)] = newValue
        }
    }
}

/// The fd each waiting operation waits on, for ``EpollBackend/cancel(userData:)``,
/// indexed by the operation table's slot (the low 32 bits of `user_data`).
private struct WaitingOperations {
    private var entries: [(userData: UInt64, fd: Int32)] = []
    private var overflow: [UInt64: Int32] = [:]
    private static let indexLimit = 1 << 24

    /// Records that the operation `userData` waits on `fd`.
    mutating func record(_ userData: UInt64, fd: Int32) {
        let index = Int(truncatingIfNeeded: userData & 0xffff_ffff)
        if index >= Self.indexLimit {
            // The loop's own tags (the wake-up read) are not table slots.
            overflow[userData] = fd
            return
        }
        if index >= entries.count {
            let empty: (userData: UInt64, fd: Int32) = (0, -1)
            entries.append(contentsOf: repeatElement(empty, count: max(index + 1, entries.count * 2) - entries.count))
        }
        entries[index] = (userData, fd)
    }

    /// Forgets the operation and returns its fd, if it was waiting.
    @discardableResult
    mutating func removeValue(forKey userData: UInt64) -> Int32? {
        let index = Int(truncatingIfNeeded: userData & 0xffff_ffff)
        if index >= Self.indexLimit { return overflow.removeValue(forKey: userData) }
        guard index < entries.count, entries[index].userData == userData, entries[index].fd >= 0 else { return nil }
        let fd = entries[index].fd
        entries[index] = (0, -1)
        return fd
    }
}

import CLinuxSys
import CURing
import URing
#if canImport(Glibc)
import Glibc
#endif

/// The epoll backend, for machines where io_uring is not permitted (Docker's
/// default seccomp profile, `kernel.io_uring_disabled`, gVisor).
///
/// Each request becomes readiness plus a non-blocking system call: `recv`/`send`
/// are tried at once with `MSG_DONTWAIT` and wait for readiness only on
/// `EAGAIN`; `read`, `write`, `accept`, `poll` and `connect` wait for readiness
/// first (the fds given to them may be blocking). Completions are delivered in
/// the same shape as io_uring's, so the loop above cannot tell the difference.
final class EpollBackend: LoopBackend {
    private struct Operation {
        var userData: UInt64
        var request: IORequest
    }

    /// The operations waiting on one fd, by direction, in FIFO order.
    private struct Interest {
        var readers: [Operation] = []
        var writers: [Operation] = []
        var registered: UInt32 = 0

        var wanted: UInt32 {
            (readers.isEmpty ? 0 : UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue))
                | (writers.isEmpty ? 0 : UInt32(EPOLLOUT.rawValue))
        }
    }

    private let epfd: Int32
    private let deliver: (Completion) -> Void
    private var interests: [Int32: Interest] = [:]
    private var fdOfOperation: [UInt64: Int32] = [:]
    /// Completions produced outside `epoll_wait` (NOP, immediate results, cancels).
    private var ready: [Completion] = []
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
        case .receive(let fd, let buffer, let count, let flags):
            let n = recv(fd, buffer, count, flags | Int32(MSG_DONTWAIT))
            if n >= 0 || errno != EAGAIN {
                ready.append(Completion(userData: userData, result: n >= 0 ? Int32(n) : -errno))
            } else {
                wait(Operation(userData: userData, request: request), fd: fd, reading: true)
            }
        case .send(let fd, let buffer, let count, let flags):
            let n = Glibc.send(fd, buffer, count, flags | Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            if n >= 0 || errno != EAGAIN {
                ready.append(Completion(userData: userData, result: n >= 0 ? Int32(n) : -errno))
            } else {
                wait(Operation(userData: userData, request: request), fd: fd, reading: false)
            }
        case .connect(let fd, let address, let length):
            if Glibc.connect(fd, address, length) == 0 {
                ready.append(Completion(userData: userData, result: 0))
            } else if errno == EINPROGRESS {
                wait(Operation(userData: userData, request: request), fd: fd, reading: false)
            } else {
                ready.append(Completion(userData: userData, result: -errno))
            }
        case .sendMessage(let fd, let message):
            let n = sendmsg(fd, message, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            if n >= 0 || errno != EAGAIN {
                ready.append(Completion(userData: userData, result: n >= 0 ? Int32(n) : -errno))
            } else {
                wait(Operation(userData: userData, request: request), fd: fd, reading: false)
            }
        case .receiveMessage(let fd, let message):
            let n = recvmsg(fd, message, Int32(MSG_DONTWAIT))
            if n >= 0 || errno != EAGAIN {
                ready.append(Completion(userData: userData, result: n >= 0 ? Int32(n) : -errno))
            } else {
                wait(Operation(userData: userData, request: request), fd: fd, reading: true)
            }
        case .read(let fd, _, _), .accept(let fd), .acceptMultishot(let fd):
            wait(Operation(userData: userData, request: request), fd: fd, reading: true)
        case .write(let fd, _, _):
            wait(Operation(userData: userData, request: request), fd: fd, reading: false)
        case .poll(let fd, let mask), .pollMultishot(let fd, let mask):
            let reading = mask & UInt32(POLLIN | POLLPRI) != 0
            wait(Operation(userData: userData, request: request), fd: fd, reading: reading)
        case .close(let fd):
            // Operations still waiting on the fd end as cancelled, as the fd goes away.
            if let interest = interests.removeValue(forKey: fd) {
                if interest.registered != 0 { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil) }
                for op in interest.readers + interest.writers {
                    fdOfOperation.removeValue(forKey: op.userData)
                    ready.append(Completion(userData: op.userData, result: -ECANCELED))
                }
            }
            ready.append(Completion(userData: userData, result: Glibc.close(fd) == 0 ? 0 : -errno))
        }
    }

    func cancel(userData target: UInt64) {
        guard let fd = fdOfOperation.removeValue(forKey: target), var interest = interests[fd] else {
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
            guard var interest = interests[fd] else { continue }
            let failed = event.events & UInt32(EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
            if event.events & UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 || failed {
                progress(&interest.readers, revents: event.events)
            }
            if event.events & UInt32(EPOLLOUT.rawValue) != 0 || failed {
                progress(&interest.writers, revents: event.events)
            }
            update(fd, interest)
        }
        let completions = ready
        ready.removeAll(keepingCapacity: true)
        for completion in completions { deliver(completion) }
    }

    // MARK: Readiness

    private func wait(_ op: Operation, fd: Int32, reading: Bool) {
        var interest = interests[fd] ?? Interest()
        if reading { interest.readers.append(op) } else { interest.writers.append(op) }
        fdOfOperation[op.userData] = fd
        update(fd, interest)
    }

    /// Re-registers `fd` when the wanted events changed; forgets it when idle.
    private func update(_ fd: Int32, _ interest: Interest) {
        let wanted = interest.wanted
        if wanted != interest.registered {
            var event = epoll_event()
            event.events = wanted
            event.data.fd = fd
            let op = interest.registered == 0 ? EPOLL_CTL_ADD : (wanted == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD)
            if epoll_ctl(epfd, op, fd, &event) != 0 {
                // The fd is not pollable or not open: fail its operations at once.
                let error = errno
                for op in interest.readers + interest.writers {
                    fdOfOperation.removeValue(forKey: op.userData)
                    ready.append(Completion(userData: op.userData, result: -error))
                }
                if interest.registered != 0 { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil) }
                interests.removeValue(forKey: fd)
                return
            }
        }
        var stored = interest
        stored.registered = wanted
        if wanted == 0 { interests.removeValue(forKey: fd) } else { interests[fd] = stored }
    }

    /// Runs the waiting operations of one direction in order until one would block.
    private func progress(_ queue: inout [Operation], revents: UInt32) {
        while let op = queue.first {
            if case .pollMultishot(_, let mask) = op.request {
                // Stays armed: one completion per readiness report; an error or
                // hang-up ends it (as io_uring's multishot poll does).
                let occurred = Int32(revents) & (Int32(mask) | Int32(POLLERR | POLLHUP))
                if occurred == 0 { return }
                let final = occurred & Int32(POLLERR | POLLHUP) != 0
                ready.append(Completion(userData: op.userData, result: occurred, flags: final ? 0 : IORING_CQE_F_MORE))
                if final {
                    queue.removeFirst()
                    fdOfOperation.removeValue(forKey: op.userData)
                    continue
                }
                return
            }
            if case .acceptMultishot(let fd) = op.request {
                // Stays first in the queue, posting one completion per connection,
                // until accept fails with something other than EAGAIN.
                while true {
                    let socket = CLinuxSys_accept4(fd, Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue))
                    if socket >= 0 {
                        ready.append(Completion(userData: op.userData, result: socket, flags: IORING_CQE_F_MORE))
                    } else if errno == EAGAIN {
                        return
                    } else {
                        ready.append(Completion(userData: op.userData, result: -errno))
                        queue.removeFirst()
                        fdOfOperation.removeValue(forKey: op.userData)
                        break
                    }
                }
                continue
            }
            guard let result = attempt(op.request, revents: revents) else { return }
            queue.removeFirst()
            fdOfOperation.removeValue(forKey: op.userData)
            ready.append(Completion(userData: op.userData, result: result))
        }
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
        case .receive(let fd, let buffer, let count, let flags):
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

import CLinuxSys
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Work handed to the loop from another thread.
enum InboxItem: Sendable {
    /// A job enqueued off the loop thread.
    case job(UnownedJob)
    /// A closure to run on the loop thread (cancellation requests, thread-safe calls).
    case callback(@Sendable () -> Void)
}

/// The only door into the loop from other threads: a locked list plus an
/// eventfd the loop keeps a read armed on, so a post wakes a sleeping loop.
///
/// At most one eventfd write is outstanding per wake-up (`wakePending`), so a
/// burst of posts costs one syscall.
final class Inbox: Sendable {
    // A pthread mutex, not `Synchronization.Mutex`: ThreadSanitizer cannot see the
    // latter's synchronisation and reported contended posts as races (PThreadLock.swift).
    private let items = PThreadLock<[InboxItem]>([])
    private let wakePending = Atomic<Bool>(false)
    /// The eventfd (non-blocking, close-on-exec).
    let eventFD: Int32

    init() {
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(fd >= 0, "eventfd failed: errno \(errno)")
        eventFD = fd
    }

    deinit { Glibc.close(eventFD) }

    /// True when posts wait to be taken (a relaxed read: the loop's cheap check per pass).
    var hasItems: Bool { wakePending.load(ordering: .relaxed) }

    /// Posts work for the loop and wakes it. Safe from any thread.
    func post(_ item: InboxItem) {
        items.withLock { $0.append(item) }
        wake()
    }

    /// Wakes the loop without posting (used by `Loop.stop()` and thread-safe flags).
    /// Async-signal-safe: one atomic exchange and at most one `write(2)`.
    func wake() {
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = Glibc.write(eventFD, &one, 8)
        }
    }

    /// Takes every posted item. Loop thread only.
    func take() -> [InboxItem] {
        wakePending.store(false, ordering: .sequentiallyConsistent)
        return items.withLock { list in
            let taken = list
            list.removeAll(keepingCapacity: true)
            return taken
        }
    }
}

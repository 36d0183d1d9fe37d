#if canImport(Glibc)
import Glibc
#endif

/// A value behind a `pthread_mutex_t`, for state that several loops' threads share.
///
/// Used instead of `Synchronization.Mutex` where loops meet (groups, `LoopChannel`):
/// ThreadSanitizer intercepts pthread mutexes, while `Mutex`'s futex and its
/// uninstrumented atomics are invisible to it, so `make test-tsan` reported every
/// contended `Mutex` section as a race.
final class PThreadLock<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is touched only between lock and unlock.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    @inline(__always)
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

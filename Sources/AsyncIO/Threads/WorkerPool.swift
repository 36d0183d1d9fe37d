#if canImport(Glibc)
import Glibc
#endif

/// The threads ``toThread(_:)`` runs blocking work on (CPython's default
/// executor): started on demand, at most `maximumWorkers` of them, kept
/// waiting for more work once started. Shared by every caller; any thread.
final class WorkerPool: @unchecked Sendable {
    // @unchecked Sendable: every mutable field is guarded by `mutex`.

    /// The pool `toThread` uses: CPython's default size, `min(32, cores + 4)`.
    static let shared = WorkerPool(maximumWorkers: min(32, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 4))

    let maximumWorkers: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending: [@Sendable () -> Void] = []
    private var pendingHead = 0
    private var workers = 0
    private var idleWorkers = 0

    init(maximumWorkers: Int) {
        self.maximumWorkers = max(1, maximumWorkers)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workAvailable, nil)
    }

    /// Runs `work` on a worker thread, starting one if none is idle and the
    /// pool is not full; otherwise `work` waits for the next free worker.
    func submit(_ work: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        pending.append(work)
        let startWorker = idleWorkers == 0 && workers < maximumWorkers
        if startWorker { workers += 1 }
        pthread_cond_signal(workAvailable)
        pthread_mutex_unlock(mutex)
        if startWorker { start() }
    }

    private func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { context in
            Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue().work()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }

    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            while pendingHead == pending.count {
                idleWorkers += 1
                pthread_cond_wait(workAvailable, mutex)
                idleWorkers -= 1
            }
            let next = pending[pendingHead]
            pendingHead += 1
            if pendingHead == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingHead = 0
            }
            pthread_mutex_unlock(mutex)
            next()
        }
    }
}

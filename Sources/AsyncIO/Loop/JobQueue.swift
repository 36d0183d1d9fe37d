/// How a queued job must be run: with the identity it was enqueued through
/// (running it under another identity makes the runtime hop again; see
/// docs/decisions/0001-loop-executor.md).
enum JobKind: UInt8 {
    /// Enqueued on the loop's serial executor (code isolated to `@Loop`).
    case serial
    /// Enqueued on the loop's task executor (nonisolated code of a task that prefers the loop).
    case task
    /// A job with no executor of its own, such as `Task.sleep`'s wake-up.
    case generic
}

/// The loop's ready queue: a growable power-of-two ring buffer of jobs.
///
/// Loop-thread only. It never shrinks, so a burst costs one allocation once.
struct JobQueue {
    private var jobs: UnsafeMutablePointer<UnownedJob>
    private var kinds: UnsafeMutablePointer<JobKind>
    private var capacity: Int
    private var head = 0
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = capacity
        jobs = .allocate(capacity: capacity)
        kinds = .allocate(capacity: capacity)
    }

    /// Frees the storage. Jobs still queued are dropped (the loop drains first).
    func deallocate() {
        jobs.deallocate()
        kinds.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    mutating func push(_ job: UnownedJob, _ kind: JobKind) {
        if count == capacity { grow() }
        let slot = (head &+ count) & (capacity &- 1)
        (jobs + slot).initialize(to: job)
        kinds[slot] = kind
        count &+= 1
    }

    mutating func pop() -> (UnownedJob, JobKind)? {
        guard count > 0 else { return nil }
        let job = (jobs + head).move()
        let kind = kinds[head]
        head = (head &+ 1) & (capacity &- 1)
        count &-= 1
        return (job, kind)
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newJobs = UnsafeMutablePointer<UnownedJob>.allocate(capacity: newCapacity)
        let newKinds = UnsafeMutablePointer<JobKind>.allocate(capacity: newCapacity)
        for i in 0..<count {
            let from = (head + i) & (capacity - 1)
            (newJobs + i).initialize(to: (jobs + from).move())
            newKinds[i] = kinds[from]
        }
        jobs.deallocate()
        kinds.deallocate()
        jobs = newJobs
        kinds = newKinds
        capacity = newCapacity
        head = 0
    }
}

/// The loop's ready queue: a growable power-of-two ring buffer of jobs.
///
/// Loop-thread only. It never shrinks, so a burst costs one allocation once;
/// it belongs to the default loop, which lives as long as the process.
struct JobQueue {
    private var jobs: UnsafeMutablePointer<UnownedJob>
    private var capacity: Int
    private var head = 0
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = capacity
        jobs = .allocate(capacity: capacity)
    }

    var isEmpty: Bool { count == 0 }

    mutating func push(_ job: UnownedJob) {
        if count == capacity { grow() }
        (jobs + ((head &+ count) & (capacity &- 1))).initialize(to: job)
        count &+= 1
    }

    /// Queues `job` ahead of every other job (a priority wake-up).
    mutating func pushFront(_ job: UnownedJob) {
        if count == capacity { grow() }
        head = (head &- 1) & (capacity &- 1)
        (jobs + head).initialize(to: job)
        count &+= 1
    }

    mutating func pop() -> UnownedJob? {
        guard count > 0 else { return nil }
        let job = (jobs + head).move()
        head = (head &+ 1) & (capacity &- 1)
        count &-= 1
        return job
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newJobs = UnsafeMutablePointer<UnownedJob>.allocate(capacity: newCapacity)
        for i in 0..<count {
            (newJobs + i).initialize(to: (jobs + ((head + i) & (capacity - 1))).move())
        }
        jobs.deallocate()
        jobs = newJobs
        capacity = newCapacity
        head = 0
    }
}

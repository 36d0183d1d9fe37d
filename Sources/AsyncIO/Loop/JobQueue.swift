/// The loop's ready queue: a growable power-of-two ring buffer of jobs and
/// callbacks, in the order they became ready (MicroPython's run queue).
///
/// An entry is one word: a job's address, or a retained ``LoopCallback``'s
/// address with the low bit set (both are at least 16-byte aligned), so the
/// common case, a job, costs one bit test. Loop-thread only. It never shrinks,
/// so a burst costs one allocation once; it belongs to the default loop, which
/// lives as long as the process.
struct JobQueue {
    private var entries: UnsafeMutablePointer<UInt>
    private var capacity: Int
    private var head = 0
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = capacity
        entries = .allocate(capacity: capacity)
    }

    var isEmpty: Bool { count == 0 }

    /// Queues `job` behind every other entry.
    @inline(__always)
    mutating func push(_ job: UnownedJob) {
        append(unsafeBitCast(job, to: UInt.self))
    }

    /// Queues `job` ahead of every other entry (a priority wake-up).
    mutating func pushFront(_ job: UnownedJob) {
        if count == capacity { grow() }
        head = (head &- 1) & (capacity &- 1)
        (entries + head).initialize(to: unsafeBitCast(job, to: UInt.self))
        count &+= 1
    }

    /// Queues a callback behind every other entry (``EventLoop/callSoon(_:)``).
    mutating func push(_ callback: LoopCallback) {
        append(UInt(bitPattern: Unmanaged.passRetained(callback).toOpaque()) | 1)
    }

    /// Takes the oldest entry.
    @inline(__always)
    mutating func pop() -> ReadyEntry? {
        guard count > 0 else { return nil }
        let raw = (entries + head).move()
        head = (head &+ 1) & (capacity &- 1)
        count &-= 1
        if raw & 1 == 0 { return .job(unsafeBitCast(raw, to: UnownedJob.self)) }
        return .callback(Unmanaged<LoopCallback>.fromOpaque(UnsafeRawPointer(bitPattern: raw & ~1)!).takeRetainedValue())
    }

    @inline(__always)
    private mutating func append(_ raw: UInt) {
        if count == capacity { grow() }
        (entries + ((head &+ count) & (capacity &- 1))).initialize(to: raw)
        count &+= 1
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newEntries = UnsafeMutablePointer<UInt>.allocate(capacity: newCapacity)
        for i in 0..<count {
            (newEntries + i).initialize(to: (entries + ((head + i) & (capacity - 1))).move())
        }
        entries.deallocate()
        entries = newEntries
        capacity = newCapacity
        head = 0
    }
}

/// One entry of the ready queue.
enum ReadyEntry {
    /// A task's (or an actor's) job.
    case job(UnownedJob)
    /// A callback queued with ``EventLoop/callSoon(_:)``.
    case callback(LoopCallback)
}

/// A callback in the ready queue (a class, so an entry stays one word).
final class LoopCallback {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

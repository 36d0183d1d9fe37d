/// What a timer does when it fires.
enum TimerAction {
    /// Resume a task sleeping in `sleep(_:)`.
    case resume(UnsafeContinuation<Void, any Error>)
    /// Run a job scheduled by `Task.sleep` through `SchedulingExecutor`.
    case job(UnownedJob)
    /// Call a closure on the loop thread (`waitFor`'s deadline).
    case call(() -> Void)
}

/// Identifies one armed timer, so it can be cancelled in O(1).
struct TimerID: Hashable, Sendable {
    var index: UInt32
    var generation: UInt32
}

/// The loop's timers: a binary min-heap of deadlines over a slab of actions.
///
/// Cancelling a timer frees its slab slot at once; its heap entry becomes
/// stale and is discarded when it reaches the top. The loop waits in the kernel
/// with the nearest live deadline as timeout, so timers cost no SQE.
struct TimerHeap {
    private struct Entry {
        var deadline: Int64
        var sequence: UInt64
        var id: TimerID
    }
    private struct Slot {
        var generation: UInt32 = 0
        var action: TimerAction?
    }

    private var heap: [Entry] = []
    private var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    private var sequence: UInt64 = 0
    /// Armed (not yet fired or cancelled) timers.
    private(set) var count = 0

    init() {
        heap.reserveCapacity(256)
        slots.reserveCapacity(256)
    }

    /// Reserves an identity for a timer that ``arm(_:at:_:)`` will arm, so a
    /// cancellation handler can name it before the timer exists.
    mutating func reserve() -> TimerID {
        let index: UInt32
        if let free = freeSlots.popLast() {
            index = free
        } else {
            index = UInt32(slots.count)
            slots.append(Slot())
        }
        return TimerID(index: index, generation: slots[Int(index)].generation)
    }

    /// Arms a reserved timer for `deadline` (monotonic nanoseconds). Timers with
    /// equal deadlines fire in the order they were armed.
    ///
    /// - Returns: false if the reservation was cancelled first (nothing is armed).
    mutating func arm(_ id: TimerID, at deadline: Int64, _ action: TimerAction) -> Bool {
        guard slots[Int(id.index)].generation == id.generation else { return false }
        slots[Int(id.index)].action = action
        sequence &+= 1
        heap.append(Entry(deadline: deadline, sequence: sequence, id: id))
        siftUp(heap.count - 1)
        count += 1
        return true
    }

    /// Reserves and arms a timer in one step.
    mutating func schedule(at deadline: Int64, _ action: TimerAction) -> TimerID {
        let id = reserve()
        _ = arm(id, at: deadline, action)
        return id
    }

    /// Disarms a timer (or drops a reservation) and returns its action, or nil
    /// if it already fired, was cancelled, or was never armed.
    mutating func cancel(_ id: TimerID) -> TimerAction? {
        guard Int(id.index) < slots.count, slots[Int(id.index)].generation == id.generation else { return nil }
        guard let action = slots[Int(id.index)].action else {
            // Reserved, not armed: retire the reservation so `arm` refuses it.
            slots[Int(id.index)].generation &+= 1
            freeSlots.append(id.index)
            return nil
        }
        release(id.index)
        return action
    }

    /// The nearest live deadline, discarding stale entries on the way.
    mutating func nextDeadline() -> Int64? {
        while let top = heap.first {
            if isLive(top.id) { return top.deadline }
            removeTop()
        }
        return nil
    }

    /// Removes and returns the action of the earliest timer due at `now`, if any.
    mutating func popDue(now: Int64) -> TimerAction? {
        while let top = heap.first, top.deadline <= now {
            removeTop()
            if isLive(top.id) {
                let action = slots[Int(top.id.index)].action
                release(top.id.index)
                return action
            }
        }
        return nil
    }

    private func isLive(_ id: TimerID) -> Bool {
        slots[Int(id.index)].generation == id.generation && slots[Int(id.index)].action != nil
    }

    private mutating func release(_ index: UInt32) {
        slots[Int(index)].action = nil
        slots[Int(index)].generation &+= 1
        freeSlots.append(index)
        count -= 1
    }

    private func less(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence)
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        let entry = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            if !less(entry, heap[parent]) { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let entry = heap[parent]
        let n = heap.count
        while true {
            var child = 2 * parent + 1
            if child >= n { break }
            if child + 1 < n && less(heap[child + 1], heap[child]) { child += 1 }
            if !less(heap[child], entry) { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = entry
    }
}

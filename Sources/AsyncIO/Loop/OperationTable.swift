import URing

/// The in-flight operations: a slab of slots addressed by `user_data`.
///
/// `user_data = generation << 32 | index`. A slot stays allocated from
/// submission until the operation's *final* completion, even after the task
/// asked to cancel it, so the kernel never completes into a reused slot.
/// Loop-thread only.
struct OperationTable {
    /// `user_data` of the cross-thread wake-up read on the eventfd.
    static let wakeupTag: UInt64 = .max
    /// `user_data` of `IORING_OP_ASYNC_CANCEL` submissions (their completions are ignored).
    static let cancelTag: UInt64 = .max - 1

    private struct Slot {
        var generation: UInt32 = 1
        var inUse = false
        var cancelRequested = false
        var continuation: UnsafeContinuation<Completion, Never>?
        /// The final completion, when it came before the task attached
        /// (the task was suspended between submitting and awaiting).
        var early: Completion?
        /// For operations nobody awaits (background sends, multishot accept):
        /// called on the loop thread with every completion.
        var handler: ((Completion) -> Void)?
    }

    private var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    /// Operations submitted and not yet finally completed.
    private(set) var count = 0

    init() {
        slots.reserveCapacity(1024)
        freeSlots.reserveCapacity(1024)
    }

    /// Allocates a slot whose completions go to `handler` (every one of them,
    /// for a multishot operation) and returns its `user_data`. The slot is
    /// retired by the final completion (one without `IORING_CQE_F_MORE`).
    mutating func allocate(handler: @escaping (Completion) -> Void) -> UInt64 {
        let userData = allocate()
        slots[Int(truncatingIfNeeded: userData & 0xFFFF_FFFF)].handler = handler
        return userData
    }

    /// Allocates a slot and returns the `user_data` for its submission.
    mutating func allocate() -> UInt64 {
        let index: UInt32
        if let free = freeSlots.popLast() {
            index = free
        } else {
            index = UInt32(slots.count)
            slots.append(Slot())
        }
        slots[Int(index)].inUse = true
        count += 1
        return UInt64(slots[Int(index)].generation) << 32 | UInt64(index)
    }

    private func live(_ userData: UInt64) -> Int? {
        let index = Int(truncatingIfNeeded: userData & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].inUse,
              slots[index].generation == UInt32(truncatingIfNeeded: userData >> 32) else { return nil }
        return index
    }

    /// Attaches the awaiting task's continuation; if the final completion
    /// already arrived, resumes it at once and retires the slot.
    mutating func attach(_ userData: UInt64, _ continuation: UnsafeContinuation<Completion, Never>) {
        guard let index = live(userData) else { preconditionFailure("attach to an unknown operation \(userData)") }
        if let early = slots[index].early {
            retire(index)
            continuation.resume(returning: early)
        } else {
            slots[index].continuation = continuation
        }
    }

    /// Marks the operation as being cancelled.
    ///
    /// - Returns: true if a cancel should be submitted (live and not already cancelling).
    mutating func markCancelRequested(_ userData: UInt64) -> Bool {
        guard let index = live(userData), !slots[index].cancelRequested else { return false }
        slots[index].cancelRequested = true
        return true
    }

    /// Delivers a final completion: resumes the waiting task and retires the
    /// slot, or keeps the completion for ``attach(_:_:)`` if nobody waits yet.
    mutating func complete(_ completion: Completion) {
        guard let index = live(completion.userData) else {
            assertionFailure("completion for an unknown operation \(completion.userData)")
            return
        }
        if let handler = slots[index].handler {
            if !completion.hasMore { retire(index) }
            handler(completion)
            return
        }
        guard let continuation = slots[index].continuation else {
            slots[index].early = completion
            return
        }
        retire(index)
        continuation.resume(returning: completion)
    }

    private mutating func retire(_ index: Int) {
        slots[index] = Slot(generation: slots[index].generation &+ 1)
        freeSlots.append(UInt32(index))
        count -= 1
    }

    /// The `user_data` of every live operation (for loop shutdown).
    var liveUserData: [UInt64] {
        slots.indices.filter { slots[$0].inUse }.map { UInt64(slots[$0].generation) << 32 | UInt64($0) }
    }
}

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
    }

    private var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    /// Operations submitted and not yet finally completed.
    private(set) var count = 0

    init() {
        slots.reserveCapacity(1024)
        freeSlots.reserveCapacity(1024)
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

    /// Attaches the awaiting task's continuation.
    mutating func attach(_ userData: UInt64, _ continuation: UnsafeContinuation<Completion, Never>) {
        let index = live(userData)!
        slots[index].continuation = continuation
    }

    /// Marks the operation as being cancelled.
    ///
    /// - Returns: true if a cancel should be submitted (live and not already cancelling).
    mutating func markCancelRequested(_ userData: UInt64) -> Bool {
        guard let index = live(userData), !slots[index].cancelRequested else { return false }
        slots[index].cancelRequested = true
        return true
    }

    /// Retires the slot for a final completion and returns who waits for it.
    mutating func complete(_ userData: UInt64) -> UnsafeContinuation<Completion, Never>? {
        guard let index = live(userData) else {
            assertionFailure("completion for an unknown operation \(userData)")
            return nil
        }
        let continuation = slots[index].continuation
        slots[index] = Slot(generation: slots[index].generation &+ 1)
        freeSlots.append(UInt32(index))
        count -= 1
        return continuation
    }

    /// The `user_data` of every live operation (for loop shutdown).
    var liveUserData: [UInt64] {
        slots.indices.filter { slots[$0].inUse }.map { UInt64(slots[$0].generation) << 32 | UInt64($0) }
    }
}

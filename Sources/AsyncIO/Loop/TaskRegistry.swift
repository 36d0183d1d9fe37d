/// The live tasks made by `createTask` (and `run`), by the address of their
/// Swift task. Waits look up the running task's handle here to record what it
/// waits in (ParkedWait.swift), so the look-up must be O(1); a task-local
/// binding would cost each task another frame in its allocator (about 2 KiB of
/// memory per idle connection, measured).
///
/// An open-addressing table with linear probing and backward-shift deletion.
/// Task addresses are unique while registered, so a multiplicative hash of the
/// address is enough, at a fraction of `Hasher`'s cost. Keys sit in their own
/// array, so a probe touches no handle. Measured with `PrimitivesLoop`:
/// `createTask` + `value` about 1,130 → 1,080 ns against a `Dictionary`, the
/// Event ping-pong unchanged. Loop-thread only.
struct TaskRegistry {
    /// Task addresses; 0 marks a free slot.
    private var keys = [UInt](repeating: 0, count: 64)
    private var handles = [AnyTaskHandle?](repeating: nil, count: 64)
    private var mask = 63

    /// Tasks registered and not yet finished.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func home(_ key: UInt) -> Int {
        // Fibonacci hashing of the address (tasks are 16-byte aligned).
        Int(truncatingIfNeeded: ((key >> 4) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    mutating func insert(_ handle: AnyTaskHandle, key: UnsafeRawPointer) {
        if (count + 1) * 4 > keys.count * 3 { grow() }
        handle.registryKey = key
        place(UInt(bitPattern: key), handle)
        count += 1
    }

    mutating func remove(_ handle: AnyTaskHandle) {
        guard let key = handle.registryKey, var hole = index(of: UInt(bitPattern: key)) else { return }
        handle.registryKey = nil
        keys[hole] = 0
        handles[hole] = nil
        count -= 1
        // Backward shift: move later entries of the probe run into the hole,
        // unless their home lies in (hole, j].
        var j = hole
        while true {
            j = (j + 1) & mask
            let moving = keys[j]
            if moving == 0 { return }
            let wanted = home(moving)
            let homeInRange = hole <= j ? (wanted > hole && wanted <= j) : (wanted > hole || wanted <= j)
            if !homeInRange {
                keys[hole] = moving
                handles.swapAt(hole, j)
                keys[j] = 0
                hole = j
            }
        }
    }

    /// The handle of the task at `key` (a Swift task's address), if registered.
    func handle(for key: UnsafeRawPointer) -> AnyTaskHandle? {
        guard let i = index(of: UInt(bitPattern: key)) else { return nil }
        return handles[i]
    }

    /// Every registered handle.
    var all: [AnyTaskHandle] { handles.compactMap { $0 } }

    @inline(__always)
    private func index(of key: UInt) -> Int? {
        var i = home(key)
        while true {
            let candidate = keys[i]
            if candidate == key { return i }
            if candidate == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    private mutating func place(_ key: UInt, _ handle: AnyTaskHandle) {
        var i = home(key)
        while keys[i] != 0 { i = (i + 1) & mask }
        keys[i] = key
        handles[i] = handle
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldHandles = handles
        keys = [UInt](repeating: 0, count: oldKeys.count * 2)
        handles = [AnyTaskHandle?](repeating: nil, count: oldKeys.count * 2)
        mask = keys.count - 1
        for i in oldKeys.indices where oldKeys[i] != 0 { place(oldKeys[i], oldHandles[i]!) }
    }
}

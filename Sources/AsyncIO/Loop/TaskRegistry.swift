/// The live tasks made by `createTask` (and `run`), by the address of their
/// Swift task. Waits look up the running task's handle here to record what it
/// waits in (ParkedWait.swift), so the look-up must be O(1); a task-local
/// binding would cost each task another frame in its allocator (about 2 KiB of
/// memory per idle connection, measured). Loop-thread only.
struct TaskRegistry {
    private var handles: [UnsafeRawPointer: AnyTaskHandle] = [:]

    /// Tasks registered and not yet finished.
    var count: Int { handles.count }

    var isEmpty: Bool { handles.isEmpty }

    mutating func insert(_ handle: AnyTaskHandle, key: UnsafeRawPointer) {
        handle.registryKey = key
        handles[key] = handle
    }

    mutating func remove(_ handle: AnyTaskHandle) {
        guard let key = handle.registryKey else { return }
        handles.removeValue(forKey: key)
        handle.registryKey = nil
    }

    /// The handle of the task at `key` (a Swift task's address), if registered.
    func handle(for key: UnsafeRawPointer) -> AnyTaskHandle? { handles[key] }

    /// Every registered handle.
    var all: [AnyTaskHandle] { Array(handles.values) }
}

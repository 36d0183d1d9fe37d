/// The live tasks made by `createTask` (and `run`): an intrusive doubly-linked
/// list, so registering and unregistering a task costs two pointer writes and
/// no hashing. Lookups by task address (debug-mode names of slow jobs) walk
/// the list; they are rare (`currentTask()` uses the task-local binding). Loop-thread only.
struct TaskRegistry {
    private var head: AnyTaskHandle?
    /// Tasks registered and not yet finished.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func insert(_ handle: AnyTaskHandle, key: UnsafeRawPointer) {
        handle.registryKey = key
        handle.registryNext = head
        head?.registryPrevious = handle
        head = handle
        count += 1
    }

    mutating func remove(_ handle: AnyTaskHandle) {
        guard handle.registryKey != nil else { return }
        if let previous = handle.registryPrevious { previous.registryNext = handle.registryNext } else { head = handle.registryNext }
        handle.registryNext?.registryPrevious = handle.registryPrevious
        handle.registryNext = nil
        handle.registryPrevious = nil
        handle.registryKey = nil
        count -= 1
    }

    /// The handle of the task at `key` (a Swift task's address), if registered.
    func handle(for key: UnsafeRawPointer) -> AnyTaskHandle? {
        var node = head
        while let handle = node {
            if handle.registryKey == key { return handle }
            node = handle.registryNext
        }
        return nil
    }

    /// Every registered handle.
    var all: [AnyTaskHandle] {
        var out: [AnyTaskHandle] = []
        out.reserveCapacity(count)
        var node = head
        while let handle = node {
            out.append(handle)
            node = handle.registryNext
        }
        return out
    }
}

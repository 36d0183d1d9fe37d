import AsyncIO

/// A connection's input: bytes read from the socket and not yet parsed, in one
/// contiguous allocation that the parser reads in place. It grows to at most
/// `maximumCapacity`, so a peer cannot make it larger than a head plus a read.
final class InputBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0
    let maximumCapacity: Int

    init(initialCapacity: Int, maximumCapacity: Int) {
        capacity = max(1, min(initialCapacity, maximumCapacity))
        self.maximumCapacity = max(capacity, maximumCapacity)
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The unparsed bytes.
    var readable: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage + start, count: end - start) }

    var isEmpty: Bool { start == end }

    /// Drops `count` parsed bytes from the front.
    func consume(_ count: Int) {
        start += count
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Room for at least `minimum` more bytes (compacting, then growing up to
    /// the maximum), or nil when the buffer is at its maximum and full.
    func writableSpace(minimum: Int) -> UnsafeMutableRawBufferPointer? {
        if capacity - end < minimum && start > 0 {
            (storage).copyMemory(from: storage + start, byteCount: end - start)
            end -= start
            start = 0
        }
        if capacity - end < minimum && capacity < maximumCapacity {
            let newCapacity = min(maximumCapacity, max(capacity * 2, end + minimum))
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            grown.copyMemory(from: storage, byteCount: end)
            storage.deallocate()
            storage = grown
            capacity = newCapacity
        }
        guard capacity > end else { return nil }
        return UnsafeMutableRawBufferPointer(start: storage + end, count: capacity - end)
    }

    /// Counts `count` bytes written into the space last returned.
    func commit(_ count: Int) { end += count }
}

extension InputBuffer {
    /// Reads once from `stream` into the buffer (with room for at least `readSize` bytes)
    /// within `timeout`; when the time passes first, `onExpiry` runs (it aborts
    /// the stream, which ends the read with an error).
    ///
    /// - Returns: the bytes read (0 at the end of the stream), or nil when the
    ///   buffer is at its maximum and full.
    /// - Throws: what the read throws.
    func fill(from stream: SocketStream, readSize: Int, timeout: Duration, onExpiry: @escaping () -> Void) async throws -> Int? {
        guard let space = writableSpace(minimum: readSize) else { return nil }
        let cancel = LoopIO.call(after: timeout, onExpiry)
        defer { cancel() }
        let count = try await stream.read(into: space)
        commit(count)
        return count
    }
}

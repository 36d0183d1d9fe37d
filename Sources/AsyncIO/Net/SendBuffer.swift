/// Bytes written to a stream and not yet sent, in two blocks: one the kernel
/// is sending from (never touched until its send completes) and one that
/// takes new writes. The blocks swap when the first drains, and are reused,
/// so steady writing allocates nothing.
final class SendBuffer {
    private struct Block {
        var base: UnsafeMutableRawPointer
        var capacity: Int
        var start = 0
        var end = 0

        init(capacity: Int) {
            base = .allocate(byteCount: capacity, alignment: 16)
            self.capacity = capacity
        }

        var count: Int { end - start }

        mutating func append(_ bytes: UnsafeRawBufferPointer) {
            if start == end { start = 0; end = 0 }
            if end + bytes.count > capacity {
                // Grow (only the filling block ever grows: it is never in flight).
                let needed = count + bytes.count
                var newCapacity = capacity
                while newCapacity < needed { newCapacity *= 2 }
                let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                newBase.copyMemory(from: base + start, byteCount: count)
                base.deallocate()
                base = newBase
                capacity = newCapacity
                end = count
                start = 0
            }
            (base + end).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            end += bytes.count
        }
    }

    private var sending: Block
    private var filling: Block
    /// True while the kernel holds a send from the sending block.
    private(set) var inFlight = false

    init(capacity: Int = 16 * 1024) {
        sending = Block(capacity: capacity)
        filling = Block(capacity: capacity)
    }

    deinit {
        precondition(!inFlight, "SendBuffer freed while the kernel may read it")
        sending.base.deallocate()
        filling.base.deallocate()
    }

    /// Bytes not yet sent, in flight or not.
    var count: Int { sending.count + filling.count }

    /// Queues bytes for sending.
    func append(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { filling.append(bytes) }
    }

    /// The next span for the kernel to send, or nil when nothing is queued;
    /// marks it in flight. Call ``completed(_:)`` when its send completes.
    func nextSpan() -> UnsafeRawBufferPointer? {
        precondition(!inFlight)
        if sending.count == 0 {
            if filling.count == 0 { return nil }
            swap(&sending, &filling)
        }
        inFlight = true
        return UnsafeRawBufferPointer(start: sending.base + sending.start, count: sending.count)
    }

    /// Records that the in-flight send wrote `sent` bytes (a short send leaves the rest first in line).
    func completed(_ sent: Int) {
        inFlight = false
        sending.start += sent
    }

    /// Drops every unsent byte (the connection is gone). Nothing may be in flight.
    func discard() {
        precondition(!inFlight)
        sending.start = sending.end
        filling.start = filling.end
    }
}

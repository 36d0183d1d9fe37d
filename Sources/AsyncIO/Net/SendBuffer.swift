/// Bytes written to a stream and not yet sent, in two blocks: one the kernel
/// is sending from (never touched until its send completes) and one that
/// takes new writes. The blocks swap when the first drains, and are reused,
/// so steady writing allocates nothing; a stream that has written nothing, or
/// has been idle with nothing queued, holds no memory (idle connections are cheap).
final class SendBuffer {
    private struct Block {
        var base: UnsafeMutableRawPointer?
        var capacity = 0
        var start = 0
        var end = 0

        var count: Int { end - start }

        mutating func append(_ bytes: UnsafeRawBufferPointer) {
            if start == end { start = 0; end = 0 }
            if end + bytes.count > capacity {
                // Grow (only the filling block ever grows: it is never in flight).
                let needed = count + bytes.count
                var newCapacity = max(capacity, 2048)
                while newCapacity < needed { newCapacity *= 2 }
                let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                if let base {
                    newBase.copyMemory(from: base + start, byteCount: count)
                    base.deallocate()
                }
                base = newBase
                capacity = newCapacity
                end = count
                start = 0
            }
            (base! + end).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            end += bytes.count
        }

        /// Frees the memory of an empty block.
        mutating func release() {
            precondition(count == 0)
            base?.deallocate()
            base = nil
            capacity = 0
            start = 0
            end = 0
        }
    }

    // @exclusivity(unchecked) here and below: loop-thread state on the hot path; the
    // compiler still checks exclusivity statically, the run-time check cost ~15% of an
    // echo server's user time (docs/decisions/0005).
    @exclusivity(unchecked) private var sending: Block
    @exclusivity(unchecked) private var filling: Block
    /// True while the kernel holds a send from the sending block.
    @exclusivity(unchecked) private(set) var inFlight = false

    init() {
        sending = Block()
        filling = Block()
    }

    deinit {
        precondition(!inFlight, "SendBuffer freed while the kernel may read it")
        sending.base?.deallocate()
        filling.base?.deallocate()
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
            if filling.count == 0 {
                // Idle: give the memory back; the next write allocates again.
                sending.release()
                filling.release()
                return nil
            }
            swap(&sending, &filling)
        }
        inFlight = true
        return UnsafeRawBufferPointer(start: sending.base! + sending.start, count: sending.count)
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

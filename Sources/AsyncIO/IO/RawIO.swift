/// Low-level single operations on the loop's ring, for benchmarks, tests and
/// the runtime's own higher layers. Not the API applications are meant to use
/// (streams are), hence the SPI.
///
/// Every function suspends until the operation's final completion, even when
/// the task is cancelled (the kernel is asked to cancel it first), so the
/// buffers passed in are never used by the kernel after the call returns.
@_spi(LowLevel)
public enum RawIO {
    /// Submits `IORING_OP_NOP` and waits for its completion: one trip through the ring.
    ///
    /// - Throws: `CancellationError`; ``LoopError/notOnLoopThread(api:)`` off the loop.
    public static func nop() async throws {
        _ = try await EventLoop.running("RawIO").perform(.nop)
    }

    /// Reads up to `buffer.count` bytes from `fd` at its current position.
    ///
    /// - Returns: the number of bytes read, 0 at end of file.
    /// - Throws: `CancellationError` if cancelled (no byte was consumed when it
    ///   throws this); the ``Errno`` of a failed read; ``LoopError/notOnLoopThread(api:)``.
    public static func read(fd: Int32, into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        Int(try await EventLoop.running("RawIO").perform(
            .read(fd: fd, buffer: buffer.baseAddress!, count: UInt32(clamping: buffer.count))))
    }

    /// Writes up to `buffer.count` bytes to `fd` (not a socket: use streams).
    ///
    /// - Returns: the number of bytes written.
    /// - Throws: `CancellationError`; the ``Errno`` of a failed write; ``LoopError/notOnLoopThread(api:)``.
    public static func write(fd: Int32, from buffer: UnsafeRawBufferPointer) async throws -> Int {
        Int(try await EventLoop.running("RawIO").perform(
            .write(fd: fd, buffer: buffer.baseAddress!, count: UInt32(clamping: buffer.count))))
    }

    /// Waits until `fd` reports one of `events` (`POLLIN`, `POLLOUT`, ...).
    ///
    /// - Returns: the events that occurred.
    /// - Throws: `CancellationError`; ``Errno``; ``LoopError/notOnLoopThread(api:)``.
    public static func poll(fd: Int32, events: Int16) async throws -> Int16 {
        Int16(truncatingIfNeeded: try await EventLoop.running("RawIO").perform(.poll(fd: fd, events: UInt32(UInt16(bitPattern: events)))))
    }
}

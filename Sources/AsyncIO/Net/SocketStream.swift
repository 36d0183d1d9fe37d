import CURing
#if canImport(Glibc)
import Glibc
#endif

/// A connected stream socket (TCP or Unix-domain) that reads and writes:
/// MicroPython's `Stream`, which `openConnection` returns and `startServer`
/// hands to each connection's handler.
///
/// Reads are buffered: `readLine`, `readUntil` and `readExactly` take from the
/// buffer, receiving more as needed, never past the limit asked for. Writes are
/// queued and sent by the loop in the background (`IORING_OP_SEND` with
/// `MSG_NOSIGNAL`; short sends are finished by the loop, not the caller);
/// ``drain()`` waits when more than ``highWaterMark`` bytes are queued.
public final class SocketStream {
    /// The socket's file descriptor (closed by ``close()``).
    public let fileDescriptor: Int32

    // Reading: bytes received and not yet consumed are input[inputStart...].
    // @exclusivity(unchecked) here and below: loop-thread state on the hot path; the
    // compiler still checks exclusivity statically, the run-time check cost ~15% of an
    // echo server's user time (docs/decisions/0005).
    @exclusivity(unchecked) private var input: [UInt8] = []
    @exclusivity(unchecked) private var inputStart = 0
    @exclusivity(unchecked) private var atEOF = false
    @exclusivity(unchecked) private var reading = false
    /// The last receive took less than it asked for, so the socket was empty
    /// after it: the next one waits for readiness before trying.
    @exclusivity(unchecked) private var receiveDrained = false
    // Adaptive receive buffer: starts small so idle connections are cheap, and
    // doubles (to 64 KiB) each time a receive fills it.
    @exclusivity(unchecked) private var receiveStorage: ReceiveBuffer
    private var receiveBuffer: UnsafeMutableRawBufferPointer { receiveStorage.bytes }
    private static let maximumReceiveSize = 64 * 1024

    // Writing. `output`, `sendError` and `highWaterMarkStorage` are read by
    // `drain()`'s fast path in the caller's context, after it checked that it
    // runs on the loop thread, the only thread that touches them.
    nonisolated(unsafe) private let output = SendBuffer()
    @exclusivity(unchecked) nonisolated(unsafe) private var sendError: StreamError?
    @exclusivity(unchecked) private var drainWaiters: [Waiter<Void>] = []
    private var shutdownWriteWhenFlushed = false
    private var closeWhenFlushed = false
    /// The send in flight, by `user_data`, so that ``abort()`` can cancel it.
    private var sendOperation: UInt64?

    // Closing.
    @exclusivity(unchecked) private var closing = false
    private var aborting = false
    /// Output was queued with no send in flight: the loop sends it when the pass ends.
    private var flushPending = false
    private let closed = Future<Void>()

    /// Queued output above which ``drain()`` waits (default 64 KiB, as CPython).
    /// Negative values count as 0; the low-water mark is kept at or below it.
    public var highWaterMark: Int {
        get { highWaterMarkStorage }
        set {
            highWaterMarkStorage = max(0, newValue)
            lowWaterMarkStorage = min(lowWaterMarkStorage, highWaterMarkStorage)
        }
    }
    nonisolated(unsafe) private var highWaterMarkStorage = 64 * 1024
    /// Queued output at which a waiting ``drain()`` resumes (default 16 KiB).
    /// Kept within 0...``highWaterMark``, so a waiting drain always resumes.
    public var lowWaterMark: Int {
        get { lowWaterMarkStorage }
        set { lowWaterMarkStorage = min(max(0, newValue), highWaterMarkStorage) }
    }
    private var lowWaterMarkStorage = 16 * 1024

    /// The loop this stream's operations run on (the one that made it).
    let loop: EventLoop

    /// Takes ownership of a connected, non-blocking socket, on the calling thread's loop.
    init(fileDescriptor: Int32, receiveBufferSize: Int = 1024) {
        self.loop = EventLoop.requireRunning("SocketStream")
        self.fileDescriptor = fileDescriptor
        receiveStorage = ReceiveBuffer(size: receiveBufferSize)
    }

    /// The address of the other end (nil once closed or if unknown).
    public var peerAddress: SocketAddress? { Socket.peerAddress(fileDescriptor) }

    /// This end's address (nil once closed or if unknown).
    public var localAddress: SocketAddress? { Socket.localAddress(fileDescriptor) }

    /// True once ``close()`` was called.
    public var isClosing: Bool { closing }

    // MARK: Reading

    /// Bytes received and not yet read.
    public var bufferedByteCount: Int { input.count - inputStart }

    /// Reads up to `max` bytes: what is buffered, else what one receive brings.
    ///
    /// - Returns: at least one byte, or an empty array at end of stream (or at
    ///   once for `max` 0).
    /// - Throws: ``StreamError/connectionReset(errno:)``; ``StreamError/closed``;
    ///   `CancellationError` (no byte is lost: bytes that raced the cancel are returned);
    ///   ``LoopError/invalidArgument(api:argument:reason:)`` for a negative `max`
    ///   (MicroPython's `read(-1)`, read to the end, would let a peer fill memory).
    public func read(max: Int = 64 * 1024) async throws -> [UInt8] {
        if max <= 0 {
            if max == 0 { return [] }
            throw LoopError.invalidArgument(api: "SocketStream.read", argument: "max: \(max)", reason: "must not be negative")
        }
        if bufferedByteCount == 0 && !atEOF { try await receive() }
        return take(min(max, bufferedByteCount))
    }

    /// Reads up to `buffer.count` bytes into `buffer` (MicroPython's `readinto`).
    ///
    /// - Returns: the number of bytes stored, 0 at end of stream.
    /// - Throws: as ``read(max:)``.
    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        if bufferedByteCount == 0 && !atEOF { try await receive() }
        let n = min(buffer.count, bufferedByteCount)
        input.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + inputStart, byteCount: n) }
        consume(n)
        return n
    }

    /// Reads exactly `count` bytes.
    ///
    /// - Throws: ``StreamError/incompleteRead(partial:expected:)`` if the stream
    ///   ends first (the partial bytes are in the error); as ``read(max:)``;
    ///   ``LoopError/invalidArgument(api:argument:reason:)`` for a negative `count`.
    public func readExactly(_ count: Int) async throws -> [UInt8] {
        guard count >= 0 else {
            throw LoopError.invalidArgument(api: "SocketStream.readExactly", argument: "count: \(count)", reason: "must not be negative")
        }
        while bufferedByteCount < count && !atEOF { try await receive() }
        guard bufferedByteCount >= count else {
            throw StreamError.incompleteRead(partial: take(bufferedByteCount), expected: count)
        }
        return take(count)
    }

    /// Reads one line, including its `\n` (MicroPython's `readline`). At end of
    /// stream returns what is left (possibly empty).
    ///
    /// - Parameter limit: the longest line accepted (default 64 KiB). Memory stays
    ///   bounded: the stream never buffers more than `limit` plus one receive.
    /// - Throws: ``StreamError/limitExceeded(limit:)`` if no `\n` comes within
    ///   `limit` bytes (the bytes stay buffered; the stream is still usable);
    ///   ``LoopError/invalidArgument(api:argument:reason:)`` for a `limit` below 1;
    ///   as ``read(max:)``.
    public func readLine(limit: Int = 64 * 1024) async throws -> [UInt8] {
        do {
            return try await readUntil([UInt8(ascii: "\n")], limit: limit)
        } catch StreamError.incompleteRead(let partial, _) {
            return partial
        }
    }

    /// Reads through the next `separator` (included in the result).
    ///
    /// - Throws: ``StreamError/limitExceeded(limit:)`` if it is not found within
    ///   `limit` bytes (nothing is consumed); ``StreamError/incompleteRead(partial:expected:)``
    ///   if the stream ends first; ``LoopError/invalidArgument(api:argument:reason:)``
    ///   for an empty `separator` or a `limit` below 1; as ``read(max:)``.
    public func readUntil(_ separator: [UInt8], limit: Int = 64 * 1024) async throws -> [UInt8] {
        guard !separator.isEmpty else {
            throw LoopError.invalidArgument(api: "SocketStream.readUntil", argument: "separator: []", reason: "must not be empty")
        }
        guard limit >= 1 else {
            throw LoopError.invalidArgument(api: "SocketStream.readUntil", argument: "limit: \(limit)", reason: "must be at least 1")
        }
        var searched = 0
        while true {
            if let end = find(separator, from: searched) {
                let length = end - inputStart
                guard length <= limit else { throw StreamError.limitExceeded(limit: limit) }
                return take(length)
            }
            if bufferedByteCount >= limit { throw StreamError.limitExceeded(limit: limit) }
            if atEOF { throw StreamError.incompleteRead(partial: take(bufferedByteCount), expected: nil) }
            searched = max(0, bufferedByteCount - separator.count + 1)
            try await receive()
        }
    }

    /// Receives once into the buffer. Throws on errors; sets `atEOF` on 0.
    @inline(__always)
    private func receive() async throws {
        guard !closing else { throw StreamError.closed }
        // CPython raises RuntimeError here; a second reader would interleave bytes.
        guard !reading else { throw StreamError.concurrentRead }
        reading = true
        defer { reading = false }
        // What this pass wrote goes out before the receive is queued: the ring
        // then takes the send first, as when every write was sent at once
        // (measured: queuing the receive first cost the echo server 11%).
        if flushPending { flushAtPassEnd() }
        let n = try await loop.submitAndAwait(
            .receive(
                fd: fileDescriptor, buffer: receiveBuffer.baseAddress!, count: receiveBuffer.count, flags: 0,
                likelyEmpty: receiveDrained))
        if n < 0 {
            if closing { throw StreamError.closed }
            throw StreamError.io(-n)
        }
        if n == 0 {
            atEOF = true
            return
        }
        if inputStart > 0 && inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart > 64 * 1024 && inputStart * 2 > input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
        input.append(contentsOf: UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<Int(n)]))
        receiveDrained = Int(n) < receiveBuffer.count
        if Int(n) == receiveBuffer.count && receiveBuffer.count < Self.maximumReceiveSize {
            receiveStorage = ReceiveBuffer(size: receiveBuffer.count * 2)
        }
    }

    private func find(_ separator: [UInt8], from offset: Int) -> Int? {
        let start = inputStart + offset
        guard input.count - start >= separator.count else { return nil }
        let first = separator[0]
        var i = start
        while i <= input.count - separator.count {
            if input[i] == first && (separator.count == 1 || input[i..<i + separator.count].elementsEqual(separator)) {
                return i + separator.count
            }
            i += 1
        }
        return nil
    }

    private func take(_ count: Int) -> [UInt8] {
        let bytes = Array(input[inputStart..<inputStart + count])
        consume(count)
        return bytes
    }

    private func consume(_ count: Int) {
        inputStart += count
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        }
    }

    /// The stream's lines (each with its `\n`) until end of stream.
    public var lines: Lines { Lines(stream: self) }

    /// The stream's chunks as they arrive until end of stream.
    public var chunks: Chunks { Chunks(stream: self) }

    // MARK: Writing

    /// Queues `bytes` for sending; the loop sends them in the background.
    ///
    /// - Throws: ``StreamError/closed`` after ``close()`` or ``writeEOF()``;
    ///   ``StreamError/connectionReset(errno:)`` once a send failed. Traps on
    ///   another loop's thread (a stream belongs to the loop that made it).
    public func write(_ bytes: some Collection<UInt8>) throws(StreamError) {
        loop.checkOwner("a SocketStream")
        if let sendError { throw sendError }
        guard !closing && !shutdownWriteWhenFlushed else { throw StreamError.closed }
        let copied: Void? = bytes.withContiguousStorageIfAvailable { output.append(UnsafeRawBufferPointer($0)) }
        if copied == nil { Array(bytes).withUnsafeBytes { output.append($0) } }
        // Sent when the pass ends, so that every write of the pass (a head and
        // its body, say) leaves in one send: one segment, one completion.
        if !output.inFlight && !flushPending {
            flushPending = true
            loop.flushAtPassEnd(self)
        }
    }

    /// Queues the UTF-8 bytes of `text`.
    ///
    /// - Throws: as ``write(_:)-(some Collection<UInt8>)``.
    public func write(_ text: String) throws(StreamError) {
        try write(text.utf8)
    }

    /// Bytes queued and not yet sent.
    public var queuedByteCount: Int { output.count }

    /// Waits while more than ``highWaterMark`` bytes are queued, until at most
    /// ``lowWaterMark`` remain (CPython's `drain`). Below the high-water mark it
    /// returns at once, without yielding: a loop that only writes and drains
    /// hands the loop over every 64 KiB or so, when the queue fills (measured:
    /// MicroPython's unconditional yield cost an echo server a third of its
    /// user-space time; see docs/benchmarks.md).
    ///
    /// - Throws: ``StreamError/connectionReset(errno:)`` once the peer is gone;
    ///   ``StreamError/closed``; `CancellationError`.
    nonisolated(nonsending) public func drain() async throws {
        // The common case (room left) returns in the caller's context: no
        // executor switch (docs/decisions/0005).
        if let sendError { throw sendError }
        if output.count <= highWaterMarkStorage { return }
        try await drainWaiting()
    }

    /// `drain()` above the high-water mark, or called off the loop thread.
    private func drainWaiting() async throws {
        if let sendError { throw sendError }
        guard output.count > highWaterMark else { return }
        while output.count > lowWaterMark {
            if let sendError { throw sendError }
            try await Waiter<Void>().park(
                takeNow: { output.count <= lowWaterMark || sendError != nil ? .success(()) : nil },
                enqueue: { drainWaiters.append($0) },
                dequeue: { [self] waiter in drainWaiters.removeAll { $0 === waiter } })
        }
        if let sendError { throw sendError }
    }

    /// Sends everything queued, then shuts down the sending side (the peer reads
    /// end of stream); reading still works (CPython's `write_eof`).
    public func writeEOF() {
        guard !closing, !shutdownWriteWhenFlushed else { return }
        shutdownWriteWhenFlushed = true
        if !output.inFlight && output.count == 0 { _ = shutdown(fileDescriptor, Int32(SHUT_WR)) }
    }

    private func sendNext() {
        guard let span = output.nextSpan() else {
            wakeDrainers()
            if closeWhenFlushed { finishClose() } else if shutdownWriteWhenFlushed { _ = shutdown(fileDescriptor, Int32(SHUT_WR)) }
            return
        }
        sendOperation = loop.submitDetached(
            .send(fd: fileDescriptor, buffer: span.baseAddress!, count: span.count, flags: 0)
        ) { [self] completion in
            sendCompleted(completion.result)
        }
    }

    private func sendCompleted(_ result: Int32) {
        sendOperation = nil
        if aborting {
            // Aborted while this send was in flight: nothing more is sent.
            output.completed(0)
            output.discard()
            finishClose()
            return
        }
        if result < 0 {
            output.completed(0)
            output.discard()
            sendError = result == -ECANCELED ? .closed : StreamError.io(-result)
            let waiters = drainWaiters
            drainWaiters.removeAll()
            for waiter in waiters { waiter.fail(with: sendError!) }
            if closeWhenFlushed { finishClose() }
            return
        }
        output.completed(Int(result))
        if output.count <= lowWaterMark { wakeDrainers() }
        sendNext()
    }

    private func wakeDrainers() {
        guard !drainWaiters.isEmpty else { return }
        let waiters = drainWaiters
        drainWaiters.removeAll()
        for waiter in waiters { waiter.resume(with: ()) }
    }

    // MARK: Closing

    /// Closes the stream: queued bytes are sent first, then the socket is
    /// closed. A task blocked reading gets ``StreamError/closed``. Idempotent.
    public func close() {
        guard !closing else { return }
        closing = true
        if output.inFlight || output.count > 0 {
            closeWhenFlushed = true
        } else {
            finishClose()
        }
    }

    /// Closes at once, dropping queued bytes (a reset rather than a goodbye).
    /// Every task waiting on the stream wakes at once: a reader gets end of
    /// stream or ``StreamError/closed``, a `drain()` gets ``StreamError/closed``,
    /// even when the peer has stopped reading (the send in flight is cancelled).
    public func abort() {
        guard !aborting else { return }
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fileDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        closing = true
        aborting = true
        if sendError == nil { sendError = .closed }
        let waiters = drainWaiters
        drainWaiters.removeAll()
        for waiter in waiters { waiter.fail(with: StreamError.closed) }
        if output.inFlight {
            // The close waits for the send's final completion (the kernel may
            // still read its buffer); cancelling it makes that prompt.
            closeWhenFlushed = true
            _ = shutdown(fileDescriptor, Int32(SHUT_RD))
            if let sendOperation { loop.cancelOperation(sendOperation) }
        } else {
            output.discard()
            finishClose()
        }
    }

    /// Waits until ``close()`` has finished (MicroPython's `wait_closed`).
    public func waitClosed() async throws {
        try await closed.value
    }

    private func finishClose() {
        guard !closed.isResolved else { return }
        closeWhenFlushed = false
        // Shutting down completes a pending receive (with 0) on both backends;
        // the close itself goes through the backend, after operations on the fd.
        // An abort shuts down only the reading side, so the peer gets a reset
        // (SO_LINGER 0 at close), not an orderly end of stream first.
        _ = shutdown(fileDescriptor, Int32(aborting ? SHUT_RD : SHUT_RDWR))
        let fd = fileDescriptor
        _ = loop.submitDetached(.close(fd: fd)) { [self] _ in
            _ = closed.resolve(())
        }
        let waiters = drainWaiters
        drainWaiters.removeAll()
        for waiter in waiters { waiter.fail(with: StreamError.closed) }
    }
}

extension SocketStream {
    /// The lines of a stream, as an `AsyncSequence` (`for try await line in stream.lines`).
    public struct Lines: AsyncSequence {
        /// The values the sequence yields.
        public typealias Element = [UInt8]
        let stream: SocketStream
        /// Starts an iteration (`for try await`).
        public func makeAsyncIterator() -> Iterator { Iterator(stream: stream) }

        /// Reads the next line; nil at end of stream.
        public struct Iterator: AsyncIteratorProtocol {
            let stream: SocketStream
            /// - Throws: as ``SocketStream/readLine(limit:)``.
            public mutating func next() async throws -> [UInt8]? {
                let line = try await stream.readLine()
                return line.isEmpty ? nil : line
            }

            /// The next element, waiting in the caller's isolation (what `for try await` calls).
            public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
                try await next()
            }
        }
    }

    /// The chunks of a stream as they arrive, as an `AsyncSequence`.
    public struct Chunks: AsyncSequence {
        /// The values the sequence yields.
        public typealias Element = [UInt8]
        let stream: SocketStream
        /// Starts an iteration (`for try await`).
        public func makeAsyncIterator() -> Iterator { Iterator(stream: stream) }

        /// Reads the next chunk; nil at end of stream.
        public struct Iterator: AsyncIteratorProtocol {
            let stream: SocketStream
            /// - Throws: as ``SocketStream/read(max:)``.
            public mutating func next() async throws -> [UInt8]? {
                let chunk = try await stream.read()
                return chunk.isEmpty ? nil : chunk
            }

            /// The next element, waiting in the caller's isolation (what `for try await` calls).
            public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
                try await next()
            }
        }
    }
}

/// The memory receives land in. Every receive completes before its stream can
/// be released (a read retains the stream), so freeing it in `deinit` is safe.
final class ReceiveBuffer: @unchecked Sendable {
    // @unchecked Sendable: only the loop thread reads or writes `bytes`.
    let bytes: UnsafeMutableRawBufferPointer
    init(size: Int) { bytes = .allocate(byteCount: size, alignment: 16) }
    deinit { bytes.deallocate() }
}

extension SocketStream: PassEndFlushing {
    /// Starts sending what the pass queued, unless a send is in flight (its
    /// completion sends the rest) or the stream was aborted meanwhile.
    func flushAtPassEnd() {
        flushPending = false
        guard !aborting, !output.inFlight else { return }
        sendNext()
    }
}

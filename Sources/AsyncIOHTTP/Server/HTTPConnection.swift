import AsyncIO
import HTTPTypes
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 connection: reads a request, runs the handler, writes the
/// response, and again while the connection persists. One request is in
/// flight at a time: pipelined requests wait, unread, in the kernel's buffer
/// and at most one read in ``InputBuffer``, so memory per connection stays
/// bounded whatever the peer sends. Every wait on the peer has a deadline; a
/// peer that misses one is disconnected (`abort`), which wakes every wait.
final class HTTPConnection {
    let stream: SocketStream
    private let configuration: HTTPServerConfiguration
    private var parser: HTTPRequestParser
    private let input: InputBuffer
    /// True while the connection waits for (the start of) its next request.
    private(set) var isIdle = true
    /// Set by a graceful shutdown: finish the request in flight, then close.
    var closeAfterResponse = false
    private var timedOut = false
    /// The response leaves while the peer may still be sending: linger before the close.
    private var peerMayStillSend = false
    private var continueNeeded = false
    private var bodyDone = true
    /// The task serving the connection (cancelled when a shutdown's deadline passes).
    private var task: AnyTaskHandle?

    /// The size of one read from the socket.
    static let readSize = 16 * 1024
    /// The longest a close lingers, reading and dropping what the peer still sends.
    static let lingerTime = Duration.seconds(5)
    /// The most a close reads and drops while it lingers.
    static let lingerBytes = 256 * 1024 * 1024

    init(stream: SocketStream, configuration: HTTPServerConfiguration) {
        self.stream = stream
        self.configuration = configuration
        parser = HTTPRequestParser(limits: configuration.limits)
        input = InputBuffer(
            initialCapacity: 4 * 1024,
            maximumCapacity: configuration.limits.headBytes + 2 * Self.readSize)
    }

    // MARK: The request loop

    /// Serves requests until the peer or the server ends the connection.
    func serve(_ handler: @escaping HTTPServer.Handler, log: HTTPServerLog) async {
        task = try? currentTask()
        defer { task = nil }
        var served = 0
        while !closeAfterResponse {
            isIdle = true
            let head: HTTPRequestHead
            do {
                guard let next = try await readHead() else { break }
                head = next
            } catch let error as HTTPParseError where !timedOut {
                await reject(error, log: log)
                return
            } catch {
                // Reset, timeout or closed between requests: nothing to answer.
                if timedOut { countTimeout(log, "timed out") }
                break
            }
            isIdle = false
            served += 1
            log.statistics.requests += 1
            bodyDone = head.framing == .none
            continueNeeded = head.expectsContinue && !bodyDone
            let body = HTTPRequestBody(connection: self, empty: bodyDone)
            // nonisolated(unsafe): the handler runs on this connection's loop (its
            // isolation is the loop actor of the code that started the server).
            nonisolated(unsafe) let request = HTTPServerRequest(head: head, body: body, peerAddress: stream.peerAddress)
            var response: HTTPServerResponse
            do {
                response = try await handler(request)
            } catch let error as HTTPParseError where !timedOut {
                await reject(error, log: log)
                return
            } catch {
                if timedOut {
                    countTimeout(log, "timed out reading the body")
                    break
                }
                if isBroken(error) { break }
                log.handlerFailed(request.request, error)
                response = HTTPServerResponse(status: .internalServerError)
                closeAfterResponse = true
            }
            // A body the handler left unread: discard a little, else close after the response.
            var keepAlive = head.keepAlive && served < configuration.maximumRequestsPerConnection
            if !bodyDone {
                if continueNeeded {
                    keepAlive = false
                } else if await !discardBody(upTo: 64 * 1024) {
                    keepAlive = false
                    peerMayStillSend = true
                }
            }
            if closeAfterResponse { keepAlive = false }
            do {
                keepAlive = try await write(response, for: head, keepAlive: keepAlive)
            } catch {
                if timedOut { countTimeout(log, "stopped reading (write timeout)") }
                break
            }
            if !keepAlive { break }
        }
        await closeGracefully()
    }

    /// Reads the next request head; nil when the peer closed between requests.
    private func readHead() async throws -> HTTPRequestHead? {
        var deadline: Int64?
        while true {
            let step = try parser.parse(input.readable)
            input.consume(step.consumed)
            switch step.event {
            case .head(let head): return head
            case .needMoreData:
                let waitingForFirstByte = input.isEmpty && parser.isAtRequestBoundary
                if !waitingForFirstByte && deadline == nil {
                    deadline = LoopClock.deadline(after: configuration.headerReadTimeout)
                }
                let timeout = waitingForFirstByte ? configuration.keepAliveIdleTimeout : LoopClock.remaining(until: deadline!)
                if try await fill(timeout: timeout) == 0 {
                    if waitingForFirstByte { return nil }
                    throw HTTPParseError(.badRequest, "connection closed in the middle of a request head")
                }
            case .end:
                // The end of the previous request's empty body.
                continue
            case .body:
                preconditionFailure("parser out of step: body bytes before a head")
            }
        }
    }

    /// The next chunk of the request body, nil at its end.
    func nextBodyChunk() async throws -> [UInt8]? {
        if bodyDone { return nil }
        while true {
            let step = try parser.parse(input.readable)
            switch step.event {
            case .body(let range):
                let chunk = Array(UnsafeRawBufferPointer(rebasing: input.readable[range]))
                input.consume(step.consumed)
                return chunk
            case .end:
                input.consume(step.consumed)
                bodyDone = true
                return nil
            case .needMoreData:
                input.consume(step.consumed)
                if continueNeeded {
                    // `Expect: 100-continue`: ask for the body now that it is wanted.
                    continueNeeded = false
                    try stream.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                if try await fill(timeout: configuration.bodyReadTimeout) == 0 {
                    throw HTTPParseError(.badRequest, "connection closed in the middle of a request body")
                }
            case .head:
                preconditionFailure("parser out of step")
            }
        }
    }

    /// Reads and drops up to `limit` body bytes the handler did not read.
    /// Returns true if the body ended within them (the connection may persist).
    private func discardBody(upTo limit: Int) async -> Bool {
        var dropped = 0
        do {
            while let chunk = try await nextBodyChunk() {
                dropped += chunk.count
                if dropped > limit { return false }
            }
            return true
        } catch {
            return false
        }
    }

    /// Reads once from the socket into the input buffer, with a deadline.
    ///
    /// - Returns: the bytes read; 0 at end of stream.
    private func fill(timeout: Duration) async throws -> Int {
        guard let count = try await input.fill(from: stream, readSize: Self.readSize, timeout: timeout, onExpiry: { [weak self] in self?.expire() }) else {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "input buffer full")
        }
        return count
    }

    /// A deadline passed: disconnect, which wakes every wait on the stream.
    private func expire() {
        timedOut = true
        stream.abort()
    }

    // MARK: Writing

    /// Queues bytes of the response.
    func send(_ bytes: some Collection<UInt8>) throws {
        try stream.write(bytes)
    }

    /// Waits until the peer took enough of the queued output (all of it with
    /// `toEmpty`), at most the write timeout.
    func drainWithTimeout(toEmpty: Bool = false) async throws {
        let onExpiry: () -> Void = { [weak self] in self?.expire() }
        if toEmpty {
            try await stream.drainCompletely(within: configuration.writeTimeout, onExpiry: onExpiry)
            return
        }
        guard stream.queuedByteCount > stream.highWaterMark else { return }
        let cancel = LoopIO.call(after: configuration.writeTimeout, onExpiry)
        defer { cancel() }
        try await stream.drain()
    }

    /// Sets the socket's send buffer (`SO_SNDBUF`).
    func setSendBufferSize(_ bytes: Int) {
        var size = Int32(clamping: max(0, bytes))
        setsockopt(stream.fileDescriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Writes `response` to the request `head`; returns whether the connection persists.
    private func write(_ response: HTTPServerResponse, for head: HTTPRequestHead, keepAlive: Bool) async throws -> Bool {
        var keepAlive = keepAlive
        let status = response.head.status.code
        let bodyForbidden = status < 200 || status == 204 || status == 304
        let isHead = head.request.method == .head
        var framing: ResponseFraming
        switch response.body {
        case .empty: framing = bodyForbidden ? .none : .length(0)
        case .bytes(let bytes): framing = bodyForbidden ? .none : .length(bytes.count)
        case .stream:
            if bodyForbidden {
                framing = .none
            } else if head.version.minor >= 1 {
                framing = isHead ? .none : .chunked
            } else {
                framing = .untilClose
                keepAlive = false
            }
        case .streamUntilClose:
            framing = bodyForbidden ? .none : .untilClose
            keepAlive = false
        }
        // The head and the body's first slice are written in the same pass: the
        // stream sends them together, in one segment.
        try send(HTTPResponseHeadWriter.bytes(response.head, version: head.version, framing: framing, close: !keepAlive))
        if isHead || bodyForbidden {
            try await drainWithTimeout()
            return keepAlive
        }
        switch response.body {
        case .empty:
            break
        case .bytes(let bytes):
            // In slices, draining between them: the output never grows past a slice
            // above the high-water mark, however large the body.
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + 64 * 1024)
                try send(bytes[offset..<end])
                try await drainWithTimeout()
                offset = end
            }
        case .stream(let produce), .streamUntilClose(let produce):
            // nonisolated(unsafe): the producer runs on this connection's loop.
            nonisolated(unsafe) let writer = HTTPBodyWriter(connection: self, chunked: framing == .chunked)
            try await produce(writer)
            if framing == .chunked { try send(Array("0\r\n\r\n".utf8)) }
        }
        try await drainWithTimeout()
        return keepAlive
    }

    /// Counts and logs (rate-limited) a request that could not be parsed,
    /// answers it with its status, then closes.
    private func reject(_ error: HTTPParseError, log: HTTPServerLog) async {
        log.statistics.badRequests += 1
        log.badPeer(stream.peerAddress, error.description)
        let response = HTTPResponse(status: error.status)
        _ = try? send(HTTPResponseHeadWriter.bytes(response, version: .http1_1, framing: .length(0), close: true))
        peerMayStillSend = true
        await closeGracefully()
    }

    /// Sends what is queued and closes; a peer that does not take it within the
    /// write timeout is disconnected instead. When the peer may still be
    /// sending (an error answered mid-request, a body left unread), the close
    /// lingers first: closing a socket with unread input sends a reset, which
    /// can destroy the response before the peer reads it.
    private func closeGracefully() async {
        if peerMayStillSend && !timedOut { await linger() }
        stream.close()
        let cancel = LoopIO.call(after: configuration.writeTimeout) { [stream] in stream.abort() }
        defer { cancel() }
        try? await stream.waitClosed()
    }

    /// Sends the response and end of stream, then reads and drops what the peer
    /// still sends, until it closes, for at most ``lingerTime`` and ``lingerBytes``
    /// (nginx's `lingering_close`).
    private func linger() async {
        stream.writeEOF()
        let deadline = LoopClock.deadline(after: Self.lingerTime)
        var discarded = 0
        while discarded < Self.lingerBytes {
            input.consume(input.readable.count)
            let read = try? await input.fill(
                from: stream, readSize: Self.readSize, timeout: LoopClock.remaining(until: deadline),
                onExpiry: { [stream] in stream.abort() })
            guard let count = read ?? nil, count > 0 else { return }
            discarded += count
        }
    }

    /// Counts and logs (rate-limited) a peer that missed a deadline.
    private func countTimeout(_ log: HTTPServerLog, _ what: String) {
        log.statistics.timeouts += 1
        log.badPeer(stream.peerAddress, what)
    }

    /// Aborts the connection now (a shutdown's deadline passed, or it was idle):
    /// every wait on the peer wakes, and the task is cancelled, so a handler
    /// waiting on something else stops too.
    func abort() {
        stream.abort()
        task?.cancel()
    }

    private func isBroken(_ error: any Error) -> Bool {
        if let error = error as? StreamError {
            switch error {
            case .connectionReset, .closed, .incompleteRead: return true
            default: return false
            }
        }
        return false
    }
}

import AsyncIO
import HTTPTypes
#if canImport(Glibc)
import Glibc
#endif

/// One connection of an ``HTTPClient``: writes a request, reads its response,
/// one exchange at a time. Every wait has a deadline; when one passes the
/// stream is aborted, which wakes the wait, and the call fails with
/// ``HTTPClientError/timedOut(_:)``. A connection whose exchange failed in any
/// way is closed, never pooled: its framing is no longer known.
final class HTTPClientConnection {
    let stream: SocketStream
    let origin: String
    private let configuration: HTTPClientConfiguration
    private let input: InputBuffer
    private var expiredPhase: HTTPClientError.Phase?
    /// True once a response byte arrived in the current exchange.
    private(set) var receivedResponseBytes = false
    /// Cancels the pool's idle timer.
    var cancelIdleTimer: (() -> Void)?

    static let readSize = 16 * 1024

    init(stream: SocketStream, origin: String, configuration: HTTPClientConfiguration) {
        self.stream = stream
        self.origin = origin
        self.configuration = configuration
        input = InputBuffer(initialCapacity: 4 * 1024, maximumCapacity: configuration.limits.headBytes + 2 * Self.readSize)
    }

    /// Writes `head` and `body`, then reads the response.
    ///
    /// - Returns: the response and whether the connection may be reused.
    /// - Throws: ``HTTPClientError``; `CancellationError`; a `StreamError` of
    ///   the connection (reset, closed) when nothing of the response arrived.
    func exchange(head: [UInt8], body: [UInt8]?, method: HTTPRequest.Method) async throws -> (HTTPClientResponse, reusable: Bool) {
        receivedResponseBytes = false
        closeAfterward = false
        try stream.write(head)
        if let body {
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + 64 * 1024)
                try stream.write(body[offset..<end])
                try await drain()
                offset = end
            }
        }
        try await drain()

        var parser = HTTPResponseParser(requestMethod: method, limits: configuration.limits)
        var phase = HTTPClientError.Phase.responseHead
        let headDeadline = LoopClock.deadline(after: configuration.responseHeadTimeout)
        var result: HTTPClientResponse?
        while true {
            let step = try parse(&parser)
            switch step.event {
            case .interim(let interim):
                if interim.response.status.code == 101 {
                    throw HTTPClientError.invalidResponse(.bad("101 Switching Protocols to a request that asked for no upgrade"))
                }
                input.consume(step.consumed)
            case .head(let head):
                input.consume(step.consumed)
                result = HTTPClientResponse(response: head.response, version: head.version, body: [], trailers: [:])
                phase = .body
                if !head.keepAlive { closeAfterward = true }
            case .body(let range):
                result!.body += UnsafeRawBufferPointer(rebasing: input.readable[range])
                input.consume(step.consumed)
            case .end(let trailers):
                input.consume(step.consumed)
                result!.trailers = trailers
                // Bytes past the response were never asked for: the connection is out of step.
                return (result!, !closeAfterward && input.isEmpty)
            case .needMoreData:
                // The parser may have taken bytes even so (a chunk's closing CRLF
                // with the next size not in yet): they are gone from its view.
                input.consume(step.consumed)
                let timeout = phase == .responseHead ? LoopClock.remaining(until: headDeadline) : configuration.bodyReadTimeout
                if try await fill(timeout: timeout, phase: phase) == 0 {
                    do {
                        try parser.finishAtEndOfStream()
                    } catch {
                        if receivedResponseBytes { throw HTTPClientError.connectionClosed }
                        throw StreamError.incompleteRead(partial: [], expected: nil)
                    }
                    result!.trailers = [:]
                    return (result!, false)
                }
            }
        }
    }

    private var closeAfterward = false

    private func parse(_ parser: inout HTTPResponseParser) throws(HTTPClientError) -> (event: HTTPResponseParserEvent, consumed: Int) {
        do {
            return try parser.parse(input.readable)
        } catch {
            throw .invalidResponse(error)
        }
    }

    /// Reads once, within `timeout`.
    private func fill(timeout: Duration, phase: HTTPClientError.Phase) async throws -> Int {
        do {
            guard let count = try await input.fill(
                from: stream, readSize: Self.readSize, timeout: timeout,
                onExpiry: { [weak self] in self?.expire(phase) })
            else { throw HTTPClientError.invalidResponse(HTTPParseError(.requestHeaderFieldsTooLarge, "input buffer full")) }
            if let expiredPhase { throw HTTPClientError.timedOut(expiredPhase) }
            if count > 0 { receivedResponseBytes = true }
            return count
        } catch let error as StreamError {
            throw translate(error)
        }
    }

    /// Waits for the server to take the queued request, within the write timeout.
    private func drain() async throws {
        do {
            try await stream.drainCompletely(within: configuration.writeTimeout) { [weak self] in self?.expire(.write) }
        } catch let error as StreamError {
            throw translate(error)
        }
    }

    private func expire(_ phase: HTTPClientError.Phase) {
        expiredPhase = phase
        stream.abort()
    }

    /// A stream error as the caller should see it: the timeout that caused it, if one did.
    private func translate(_ error: StreamError) -> any Error {
        if let expiredPhase { return HTTPClientError.timedOut(expiredPhase) }
        if receivedResponseBytes { return HTTPClientError.connectionClosed }
        return error
    }

    /// True if the idle connection looks usable: open, and nothing unasked-for
    /// waiting on it (a server that closed an idle connection has sent EOF).
    var isReusable: Bool {
        guard !stream.isClosing, input.isEmpty, stream.bufferedByteCount == 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(stream.fileDescriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }

    /// Closes the connection after a complete exchange (a FIN to the server).
    func close() {
        cancelIdleTimer?()
        cancelIdleTimer = nil
        stream.close()
    }

    /// Closes the connection after a failed exchange (a reset: what was queued is dropped).
    func abort() {
        cancelIdleTimer?()
        cancelIdleTimer = nil
        stream.abort()
    }
}

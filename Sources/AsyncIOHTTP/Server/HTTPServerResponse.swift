public import AsyncIO
public import HTTPTypes

/// A handler's answer: status and fields, and a body of bytes or a stream.
public struct HTTPServerResponse: Sendable {
    /// Status and fields. `Content-Length`, `Transfer-Encoding`, `Connection`
    /// and `Date` are the server's to set; a handler's copies are dropped.
    public var head: HTTPResponse
    /// The body.
    public var body: HTTPResponseBody

    /// A response with `body` (none by default).
    public init(status: HTTPResponse.Status = .ok, headerFields: HTTPFields = [:], body: HTTPResponseBody = .empty) {
        head = HTTPResponse(status: status, headerFields: headerFields)
        self.body = body
    }

    /// A response with a byte body.
    public init(status: HTTPResponse.Status = .ok, headerFields: HTTPFields = [:], bytes: some Collection<UInt8>) {
        self.init(status: status, headerFields: headerFields, body: .bytes(Array(bytes)))
    }
}

/// What follows a response head.
public enum HTTPResponseBody: Sendable {
    /// No body (`Content-Length: 0` where a body is allowed).
    case empty
    /// These bytes, with `Content-Length`.
    case bytes([UInt8])
    /// Bytes written by the closure as they are produced (chunked on HTTP/1.1,
    /// until close on HTTP/1.0): long-lived streams such as MJPEG. Each write
    /// waits while the peer is slow (the server's write timeout applies).
    case stream(@Sendable @isolated(any) (HTTPBodyWriter) async throws -> Void)
    /// Bytes written by the closure, delimited by closing the connection
    /// instead of chunks (on HTTP/1.1 too): the usual framing of MJPEG
    /// (`multipart/x-mixed-replace`) streams, which clients read raw.
    case streamUntilClose(@Sendable @isolated(any) (HTTPBodyWriter) async throws -> Void)
}

/// Writes a streamed response body, with backpressure.
public final class HTTPBodyWriter {
    private let connection: HTTPConnection
    private let chunked: Bool

    init(connection: HTTPConnection, chunked: Bool) {
        self.connection = connection
        self.chunked = chunked
    }

    /// Sends `bytes` as part of the body and waits while the peer lags (each
    /// wait bounded by the write timeout). Empty writes do nothing.
    ///
    /// - Parameter untilSent: wait until every byte is in the kernel, not just
    ///   until the queue is below the high-water mark: for "latest value"
    ///   streams (MJPEG), where a slow peer must skip frames instead of
    ///   reading old ones from a queue.
    /// - Throws: ``StreamError`` once the peer is gone or timed out; `CancellationError`.
    public func write(_ bytes: some Collection<UInt8>, untilSent: Bool = false) async throws {
        guard !bytes.isEmpty else { return }
        if chunked {
            try connection.send(Array(String(bytes.count, radix: 16).utf8) + [13, 10])
            try connection.send(bytes)
            try connection.send([13, 10])
        } else {
            try connection.send(bytes)
        }
        try await connection.drainWithTimeout(toEmpty: untilSent)
    }

    /// Sends the UTF-8 bytes of `text`.
    public func write(_ text: String, untilSent: Bool = false) async throws {
        try await write(text.utf8, untilSent: untilSent)
    }

    /// Asks the kernel for a send buffer of about `bytes` (`SO_SNDBUF`): with
    /// ``write(_:untilSent:)``, how much a slow peer may lag behind.
    public func setSendBufferSize(_ bytes: Int) {
        connection.setSendBufferSize(bytes)
    }
}

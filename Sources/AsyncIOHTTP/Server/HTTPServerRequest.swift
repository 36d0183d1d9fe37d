public import AsyncIO
public import HTTPTypes

/// A request as a handler sees it: the head, and the body as it arrives.
public struct HTTPServerRequest {
    /// Method, path, authority and fields.
    public var request: HTTPRequest { head.request }
    /// The head with HTTP/1.1's details (version, framing, persistence).
    public let head: HTTPRequestHead
    /// The body, read from the connection as it is iterated (once).
    public let body: HTTPRequestBody
    /// The peer's address.
    public let peerAddress: SocketAddress?
}

/// A request's body: its chunks as an async sequence, read from the connection
/// only as they are asked for (so a slow handler slows the peer, and nothing
/// piles up). Iterate it once; ``collect(upTo:)`` gathers it into one array.
public final class HTTPRequestBody: AsyncSequence {
    /// One chunk of body bytes.
    public typealias Element = [UInt8]
    /// Errors: ``HTTPParseError`` (the framing broke, or the body is too large),
    /// ``StreamError``, `CancellationError`.
    public typealias Failure = any Error

    private weak var connection: HTTPConnection?
    private(set) var finished: Bool

    init(connection: HTTPConnection, empty: Bool) {
        self.connection = connection
        finished = empty
    }

    /// The next chunk, or nil at the end of the body.
    func next() async throws -> [UInt8]? {
        if finished { return nil }
        guard let connection else { throw StreamError.closed }
        if let chunk = try await connection.nextBodyChunk() { return chunk }
        finished = true
        return nil
    }

    /// The whole body in one array.
    ///
    /// - Throws: ``HTTPParseError`` with 413 if it is longer than `limit`
    ///   (the server's body limit applies as well); read errors.
    public func collect(upTo limit: Int = .max) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let chunk = try await next() {
            guard bytes.count + chunk.count <= limit else {
                throw HTTPParseError(.contentTooLarge, "body over \(limit) bytes")
            }
            bytes += chunk
        }
        return bytes
    }

    /// Iterates the chunks.
    public nonisolated func makeAsyncIterator() -> Iterator { Iterator(body: self) }

    /// The iterator of a body.
    public struct Iterator: AsyncIteratorProtocol {
        let body: HTTPRequestBody

        /// The next chunk, nil at the end.
        public mutating func next() async throws -> [UInt8]? { try await body.next() }

        /// The next element, waiting in the caller's isolation (what `for try await` calls).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            try await next()
        }
    }
}

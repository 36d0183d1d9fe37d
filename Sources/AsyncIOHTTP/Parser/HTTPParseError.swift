public import HTTPTypes

/// Why a request could not be parsed: the status to answer with, and a short
/// reason for logs. After any parse error the connection is closed (its
/// framing can no longer be trusted).
public struct HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The response status (400, 413, 414, 417, 431, 501 or 505).
    public var status: HTTPResponse.Status
    /// What was wrong, for logs (never echoed to the peer).
    public var reason: String

    /// Creates the error.
    public init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    /// A readable form, for logs and messages.
    public var description: String { "\(status.code) \(status.reasonPhrase): \(reason)" }

    static func bad(_ reason: String) -> HTTPParseError { HTTPParseError(.badRequest, reason) }
}

/// The sizes a parser accepts; past them it fails with the status a
/// production server answers (docs/10-http.md has the table beside nginx's and Go's).
public struct HTTPParserLimits: Sendable, Hashable {
    /// The request line, CRLF included (414 past it). RFC 9112 asks for at least 8,000.
    public var requestLineBytes: Int
    /// The request line and every field, up to and including the empty line (431 past it).
    public var headBytes: Int
    /// Header fields in one request (431 past it).
    public var fieldCount: Int
    /// Body bytes of one request, whatever its framing (413 past it).
    public var bodyBytes: Int
    /// A chunk's size line, extensions included (400 past it).
    public var chunkLineBytes: Int
    /// The trailer section of a chunked body (431 past it).
    public var trailerBytes: Int

    /// Creates limits; values below 1 count as 1.
    public init(
        requestLineBytes: Int = 8 * 1024, headBytes: Int = 16 * 1024, fieldCount: Int = 100,
        bodyBytes: Int = 2 * 1024 * 1024, chunkLineBytes: Int = 1024, trailerBytes: Int = 4 * 1024
    ) {
        self.requestLineBytes = max(1, requestLineBytes)
        self.headBytes = max(1, headBytes)
        self.fieldCount = max(1, min(fieldCount, Int(UInt16.max) - 1))
        self.bodyBytes = max(0, bodyBytes)
        self.chunkLineBytes = max(1, chunkLineBytes)
        self.trailerBytes = max(1, trailerBytes)
    }
}

public import HTTPTypes

/// An HTTP version (`HTTP/1.0`, `HTTP/1.1`).
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    /// The major version (always 1 for what the parser accepts).
    public var major: Int
    /// The minor version (0 or 1; later 1.x minors are treated as 1).
    public var minor: Int

    /// Creates a version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    /// `HTTP/1.1`.
    public var description: String { "HTTP/\(major).\(minor)" }
}

/// How a message's body is delimited (RFC 9112 §6.3).
public enum HTTPBodyFraming: Sendable, Hashable {
    /// No body.
    case none
    /// Exactly this many bytes (`Content-Length`).
    case length(Int)
    /// `Transfer-Encoding: chunked`.
    case chunked
}

/// A parsed request head: the request in swift-http-types' terms, and what
/// HTTP/1.1 adds to it (version, framing, persistence, `Expect`).
public struct HTTPRequestHead: Sendable, Hashable {
    /// Method, target (as `path`), `Host` (as `authority`) and the other fields.
    public var request: HTTPRequest
    /// The request's version.
    public var version: HTTPVersion
    /// How the body is delimited.
    public var framing: HTTPBodyFraming
    /// True if the connection may carry another request after this one (by
    /// version and `Connection`).
    public var keepAlive: Bool
    /// True for `Expect: 100-continue` on HTTP/1.1: answer `100 Continue` before reading the body.
    public var expectsContinue: Bool
}

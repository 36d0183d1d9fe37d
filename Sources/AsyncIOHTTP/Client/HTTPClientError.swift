/// Why an ``HTTPClient`` call failed.
public enum HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL could not be parsed (only `http://host[:port][/path]` is accepted).
    case invalidURL(String)
    /// The scheme is not `http` (TLS is not built yet).
    case unsupportedScheme(String)
    /// The request cannot be written as HTTP/1.1: no authority, or bytes in
    /// the target, authority or a field value that would break the framing.
    case invalidRequest(String)
    /// The server's response broke HTTP/1.1's rules or passed a limit; the
    /// connection was closed.
    case invalidResponse(HTTPParseError)
    /// The server closed the connection before the response was complete.
    case connectionClosed
    /// A deadline of ``HTTPClientConfiguration`` passed; the connection was closed.
    case timedOut(Phase)

    /// The wait that timed out.
    public enum Phase: String, Sendable, Hashable {
        /// Resolving and connecting.
        case connect
        /// Writing the request.
        case write
        /// Waiting for the response head.
        case responseHead
        /// Reading the response body.
        case body
    }

    /// A readable form, for logs and messages.
    public var description: String {
        switch self {
        case .invalidURL(let url): return "invalid URL: \(url)"
        case .unsupportedScheme(let scheme): return "unsupported scheme: \(scheme)"
        case .invalidRequest(let reason): return "invalid request: \(reason)"
        case .invalidResponse(let error): return "invalid response: \(error.reason)"
        case .connectionClosed: return "the server closed the connection before the response was complete"
        case .timedOut(let phase): return "timed out (\(phase.rawValue))"
        }
    }
}

/// Limits and timeouts of an ``HTTPClient``. Every wait on the server has a
/// deadline, and everything the server sends is bounded.
public struct HTTPClientConfiguration: Sendable {
    /// Sizes of a response: status line (``HTTPParserLimits/requestLineBytes``),
    /// head, field count, body, chunk lines, trailers. A body past
    /// ``HTTPParserLimits/bodyBytes`` fails the call with a 413 parse error.
    public var limits: HTTPParserLimits
    /// Resolving the name and connecting.
    public var connectTimeout: Duration
    /// From the end of the request to the end of the response head (interim
    /// `1xx` responses included).
    public var responseHeadTimeout: Duration
    /// The longest wait for each read of the response body.
    public var bodyReadTimeout: Duration
    /// The longest wait for the server to take queued request bytes (each drain).
    public var writeTimeout: Duration
    /// How long a kept-alive connection waits in the pool for its next
    /// request; keep it below the servers' own idle timeouts (nginx's is 75 s).
    public var idleConnectionTimeout: Duration
    /// Kept-alive connections pooled per host and port (0 disables reuse).
    public var maximumIdleConnectionsPerHost: Int

    /// Creates a configuration; a negative count counts as 0.
    public init(
        limits: HTTPParserLimits = HTTPParserLimits(headBytes: 64 * 1024, fieldCount: 200, bodyBytes: 16 * 1024 * 1024),
        connectTimeout: Duration = .seconds(10),
        responseHeadTimeout: Duration = .seconds(30),
        bodyReadTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(60),
        idleConnectionTimeout: Duration = .seconds(60),
        maximumIdleConnectionsPerHost: Int = 8
    ) {
        self.limits = limits
        self.connectTimeout = connectTimeout
        self.responseHeadTimeout = responseHeadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.writeTimeout = writeTimeout
        self.idleConnectionTimeout = idleConnectionTimeout
        self.maximumIdleConnectionsPerHost = max(0, maximumIdleConnectionsPerHost)
    }
}

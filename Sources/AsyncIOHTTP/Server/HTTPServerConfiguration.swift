/// Limits and timeouts of an ``HTTPServer``; the defaults are what a
/// production server ships (docs/10-http.md compares them with nginx and Go).
public struct HTTPServerConfiguration: Sendable {
    /// Sizes of a request: line, head, fields, body, chunk lines, trailers.
    public var limits: HTTPParserLimits
    /// From the first byte of a request to the end of its head, in total: a
    /// peer that drips its head byte by byte is cut off here (slowloris).
    public var headerReadTimeout: Duration
    /// How long a kept-alive connection may wait for its next request.
    public var keepAliveIdleTimeout: Duration
    /// The longest wait for each read of a request body.
    public var bodyReadTimeout: Duration
    /// The longest wait for a peer to take queued response bytes (each drain):
    /// a peer that stops reading is closed here.
    public var writeTimeout: Duration
    /// Requests served on one connection before it is closed (nginx's `keepalive_requests`).
    public var maximumRequestsPerConnection: Int
    /// Connections served at once; nil derives it from the open-file limit,
    /// keeping ``fileDescriptorReserve`` descriptors free. A connection past it
    /// gets `503 Service Unavailable` and is closed.
    public var maximumConnections: Int?
    /// Descriptors kept free for the rest of the process when the connection
    /// limit is derived from the open-file limit.
    public var fileDescriptorReserve: Int

    /// Creates a configuration; durations saturate as the loop's do, counts below 1 count as 1.
    public init(
        limits: HTTPParserLimits = HTTPParserLimits(),
        headerReadTimeout: Duration = .seconds(30),
        keepAliveIdleTimeout: Duration = .seconds(75),
        bodyReadTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(60),
        maximumRequestsPerConnection: Int = 1000,
        maximumConnections: Int? = nil,
        fileDescriptorReserve: Int = 64
    ) {
        self.limits = limits
        self.headerReadTimeout = headerReadTimeout
        self.keepAliveIdleTimeout = keepAliveIdleTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.writeTimeout = writeTimeout
        self.maximumRequestsPerConnection = max(1, maximumRequestsPerConnection)
        self.maximumConnections = maximumConnections.map { max(1, $0) }
        self.fileDescriptorReserve = max(0, fileDescriptorReserve)
    }
}

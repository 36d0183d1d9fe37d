public import AsyncIO
public import HTTPTypes

/// A small HTTP/1.1 client on the loop: `GET`/`POST` (any method), kept-alive
/// connections pooled per host and port, `Content-Length`, chunked and
/// close-delimited responses, with the limits and timeouts of
/// ``HTTPClientConfiguration``. Plain TCP only (TLS is not built yet).
///
/// ```swift
/// let client = HTTPClient()
/// let page = try await client.get("http://127.0.0.1:8080/")
/// print(page.status, page.text)
/// let echo = try await client.post("http://127.0.0.1:8080/echo", body: Array("hi".utf8))
/// client.close()
/// ```
///
/// A request that fails on a pooled connection before any byte of its
/// response arrived (the server closed it while idle) is retried once on a
/// new connection if its method is idempotent (RFC 9110 §9.2.2).
public final class HTTPClient {
    /// The limits and timeouts in force.
    public let configuration: HTTPClientConfiguration
    private var idle: [String: [HTTPClientConnection]] = [:]
    private var isClosed = false

    /// Creates a client; it holds no connection until the first request.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
    }

    /// Sends `GET url`.
    ///
    /// - Throws: ``HTTPClientError``; `StreamError` when connecting fails or
    ///   the connection breaks before the response starts; `CancellationError`.
    public func get(_ url: String, headerFields: HTTPFields = [:]) async throws -> HTTPClientResponse {
        try await request(.get, url, headerFields: headerFields)
    }

    /// Sends `POST url` with `body` (and `Content-Type`, if given).
    ///
    /// - Throws: as ``get(_:headerFields:)``.
    public func post(_ url: String, body: [UInt8], contentType: String? = nil, headerFields: HTTPFields = [:]) async throws -> HTTPClientResponse {
        var fields = headerFields
        if let contentType { fields[.contentType] = contentType }
        return try await request(.post, url, body: body, headerFields: fields)
    }

    /// Sends a request with any method to `url` (`http://host[:port][/path][?query]`).
    ///
    /// - Throws: as ``get(_:headerFields:)``.
    public func request(
        _ method: HTTPRequest.Method, _ url: String, body: [UInt8]? = nil, headerFields: HTTPFields = [:]
    ) async throws -> HTTPClientResponse {
        let target = try HTTPClientTarget(url: url)
        let request = HTTPRequest(method: method, scheme: "http", authority: target.authority, path: target.path, headerFields: headerFields)
        return try await execute(request, body: body, target: target)
    }

    /// Sends `request` (its scheme `http` or absent, its authority the host
    /// and port to connect to) with `body`, and reads the whole response.
    ///
    /// - Throws: as ``get(_:headerFields:)``.
    public func execute(_ request: HTTPRequest, body: [UInt8]? = nil) async throws -> HTTPClientResponse {
        try await execute(request, body: body, target: try HTTPClientTarget(request: request))
    }

    deinit { close() }

    /// Closes every pooled connection; later calls open new ones.
    public func close() {
        let connections = idle.values.flatMap { $0 }
        idle.removeAll()
        for connection in connections { connection.close() }
    }

    /// Connections waiting in the pool (for tests and metrics).
    public var idleConnectionCount: Int { idle.values.reduce(0) { $0 + $1.count } }

    // MARK: Exchanges

    private func execute(_ request: HTTPRequest, body: [UInt8]?, target: HTTPClientTarget) async throws -> HTTPClientResponse {
        let head = try HTTPRequestHeadWriter.bytes(request, target: target, bodyLength: body?.count)
        let closeRequested = request.headerFields[.connection].map { $0.lowercased().contains("close") } ?? false
        var retried = false
        while true {
            let (connection, reused) = try await checkOut(target)
            do {
                let (response, reusable) = try await connection.exchange(head: head, body: body, method: request.method)
                if reusable && !closeRequested { checkIn(connection) } else { connection.close() }
                return response
            } catch {
                connection.abort()
                // The connection broke before any byte of a response came back: on a
                // pooled connection, most likely one the server had closed while idle.
                let nothingArrived = !connection.receivedResponseBytes && (error is StreamError)
                if reused && nothingArrived && !retried && Self.isIdempotent(request.method) {
                    retried = true
                    continue
                }
                if nothingArrived, reused || error as? StreamError == .incompleteRead(partial: [], expected: nil) {
                    throw HTTPClientError.connectionClosed
                }
                throw error
            }
        }
    }

    private static func isIdempotent(_ method: HTTPRequest.Method) -> Bool {
        [.get, .head, .options, .trace, .put, .delete].contains(method)
    }

    // MARK: The pool

    /// A pooled connection to the target's origin that still looks usable, or a new one.
    private func checkOut(_ target: HTTPClientTarget) async throws -> (HTTPClientConnection, reused: Bool) {
        let origin = target.origin
        while var list = idle[origin], let connection = list.popLast() {
            idle[origin] = list.isEmpty ? nil : list
            connection.cancelIdleTimer?()
            connection.cancelIdleTimer = nil
            if connection.isReusable { return (connection, true) }
            connection.abort()
        }
        let stream: SocketStream
        do {
            stream = try await openConnection(host: target.host, port: target.port, timeout: configuration.connectTimeout)
        } catch is TimeoutError {
            throw HTTPClientError.timedOut(.connect)
        }
        return (HTTPClientConnection(stream: stream, origin: origin, configuration: configuration), false)
    }

    /// Returns a connection after a complete exchange: pooled, with a timer
    /// that closes it when it idles too long, unless the pool is full.
    private func checkIn(_ connection: HTTPClientConnection) {
        var list = idle[connection.origin] ?? []
        guard list.count < configuration.maximumIdleConnectionsPerHost else {
            connection.close()
            return
        }
        list.append(connection)
        idle[connection.origin] = list
        connection.cancelIdleTimer = LoopIO.call(after: configuration.idleConnectionTimeout) { [weak self, weak connection] in
            guard let self, let connection else { return }
            connection.cancelIdleTimer = nil
            self.idle[connection.origin]?.removeAll { $0 === connection }
            if self.idle[connection.origin]?.isEmpty == true { self.idle[connection.origin] = nil }
            connection.close()
        }
    }
}

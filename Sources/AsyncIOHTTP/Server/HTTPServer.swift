public import AsyncIO
import HTTPTypes
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on the loop: strict parsing, limits and timeouts on every
/// peer, backpressure, graceful shutdown (docs/10-http.md).
///
/// ```swift
/// let server = try await HTTPServer.start(host: "127.0.0.1", port: 8080) { request in
///     HTTPServerResponse(bytes: Array("hello\n".utf8))
/// }
/// try await server.serveForever()
/// ```
public final class HTTPServer {
    /// Answers one request. Thrown ``HTTPParseError``s become their status; any
    /// other error a 500 (and the connection closes).
    public typealias Handler = @isolated(any) (HTTPServerRequest) async throws -> HTTPServerResponse

    private let listener: Server
    private let configuration: HTTPServerConfiguration
    private let handler: Handler
    private let log = HTTPServerLog()
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    private var shuttingDown = false
    private let connectionLimit: Int
    private let allClosed = Event()

    /// Where the server listens (the real port when 0 was asked for).
    public var localAddress: SocketAddress { listener.localAddress }
    /// Connections open now.
    public var connectionCount: Int { connections.count }
    /// Connections refused with 503 because the limit was reached.
    public var refusedConnections: Int { log.statistics.refusedConnections }
    /// What the server has seen so far.
    public var statistics: HTTPServerStatistics { log.statistics }

    private init(listener: Server, configuration: HTTPServerConfiguration, handler: @escaping Handler, connectionLimit: Int) {
        self.listener = listener
        self.configuration = configuration
        self.handler = handler
        self.connectionLimit = connectionLimit
        allClosed.set()
    }

    /// Listens on `host`:`port` (0 picks a free port) and serves each connection
    /// in a task of its own, on the calling loop. With `reusePort`, one server
    /// per loop of a ``AsyncIO/LoopGroup`` shares the port (`SO_REUSEPORT`).
    ///
    /// - Throws: as ``AsyncIO/startServer(host:port:backlog:reusePort:handler:)``.
    public static func start(
        host: String, port: Int, backlog: Int = 511, reusePort: Bool = false,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        @_inheritActorContext(always) handler: sending @escaping Handler
    ) async throws -> HTTPServer {
        // nonisolated(unsafe): the box, like the server, stays on the loop that
        // starts it; the listener's connection tasks run there (decision 0008).
        nonisolated(unsafe) let box = ServerBox()
        let listener = try await startServer(host: host, port: port, backlog: backlog, reusePort: reusePort) { stream in
            await box.server?.serve(stream)
        }
        return make(listener, box, configuration, handler)
    }

    /// Listens on a Unix-domain socket at `path`.
    ///
    /// - Throws: as ``AsyncIO/startUnixServer(path:backlog:handler:)``.
    public static func startUnix(
        path: String, backlog: Int = 511,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        @_inheritActorContext(always) handler: sending @escaping Handler
    ) throws -> HTTPServer {
        // nonisolated(unsafe): the box, like the server, stays on the loop that
        // starts it; the listener's connection tasks run there (decision 0008).
        nonisolated(unsafe) let box = ServerBox()
        let listener = try startUnixServer(path: path, backlog: backlog) { stream in
            await box.server?.serve(stream)
        }
        return make(listener, box, configuration, handler)
    }

    private static func make(_ listener: Server, _ box: ServerBox, _ configuration: HTTPServerConfiguration, _ handler: @escaping Handler) -> HTTPServer {
        var limit = configuration.maximumConnections ?? Int.max
        if configuration.maximumConnections == nil {
            var rlim = rlimit()
            if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rlim) == 0, rlim.rlim_cur != rlim_t.max {
                limit = max(1, Int(clamping: rlim.rlim_cur) - configuration.fileDescriptorReserve)
            }
        }
        let server = HTTPServer(listener: listener, configuration: configuration, handler: handler, connectionLimit: limit)
        box.server = server
        return server
    }

    private func serve(_ stream: SocketStream) async {
        guard !shuttingDown else { return }
        if connections.count >= connectionLimit {
            log.statistics.refusedConnections += 1
            log.badPeer(stream.peerAddress, "connection limit \(connectionLimit) reached: 503")
            _ = try? stream.write(HTTPResponseHeadWriter.bytes(
                HTTPResponse(status: .serviceUnavailable), version: .http1_1, framing: .length(0), close: true))
            return
        }
        let connection = HTTPConnection(stream: stream, configuration: configuration)
        let id = ObjectIdentifier(connection)
        connections[id] = connection
        allClosed.clear()
        defer {
            connections[id] = nil
            if connections.isEmpty { allClosed.set() }
        }
        await connection.serve(handler, log: log)
    }

    /// Serves until the calling task is cancelled, then shuts down gracefully
    /// with `gracePeriod` for the requests in flight.
    ///
    /// - Throws: `CancellationError` when cancelled (after the shutdown).
    public func serveForever(gracePeriod: Duration = .seconds(10)) async throws {
        do {
            try await listener.waitClosed()
        } catch {
            await shutdown(gracePeriod: gracePeriod)
            throw error
        }
    }

    /// Stops accepting, closes idle keep-alive connections at once, lets the
    /// requests in flight finish within `gracePeriod` (their connections close
    /// after the response), then disconnects whatever is left. Returns when
    /// every connection has closed: at most about `gracePeriod` plus the time
    /// to tear down (each remaining wait wakes at once on disconnect).
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        shuttingDown = true
        listener.close()
        for connection in connections.values {
            connection.closeAfterResponse = true
            if connection.isIdle { connection.abort() }
        }
        if !connections.isEmpty {
            do {
                // nonisolated(unsafe): the waiting task runs on this server's loop.
                nonisolated(unsafe) let allClosed = allClosed
                try await waitFor({ try await allClosed.wait() }, timeout: gracePeriod)
            } catch {
                for connection in connections.values { connection.abort() }
                try? await allClosed.wait()
            }
        }
        try? await listener.waitClosed()
    }
}

/// Lets the listener's connection handler reach the server made after it.
private final class ServerBox {
    weak var server: HTTPServer?
}

/// Bad peers and failing handlers, at debug level and at most 10 lines a second
/// (5,000 bad requests must not write 5,000 lines).
final class HTTPServerLog {
    private let logger = Logger(label: "AsyncIOHTTP")
    private var windowStart: Int64 = 0
    private var linesInWindow = 0
    private var suppressed = 0
    static let linesPerSecond = 10
    /// Counters, including the log's own.
    var statistics = HTTPServerStatistics()

    func badPeer(_ peer: SocketAddress?, _ what: String) {
        emit(.debug, "peer \(peer.map { "\($0)" } ?? "?"): \(what)")
    }

    func handlerFailed(_ request: HTTPRequest, _ error: any Error) {
        emit(.error, "handler for \(request.method) \(request.path ?? "") failed: \(error)")
    }

    private func emit(_ level: Logger.Level, _ message: String) {
        let now = LoopIO.monotonicNanoseconds()
        if now - windowStart >= 1_000_000_000 {
            if suppressed > 0 { logger.log(level: level, "\(suppressed) similar lines suppressed") }
            windowStart = now
            linesInWindow = 0
            suppressed = 0
        }
        guard linesInWindow < Self.linesPerSecond else {
            suppressed += 1
            statistics.logLinesSuppressed += 1
            return
        }
        linesInWindow += 1
        statistics.logLines += 1
        logger.log(level: level, "\(message)")
    }
}

/// Counts of what an ``HTTPServer`` has seen.
public struct HTTPServerStatistics: Sendable, Hashable {
    /// Requests whose head was parsed.
    public var requests = 0
    /// Requests refused by the parser (answered with 4xx/5xx, then closed).
    public var badRequests = 0
    /// Connections closed because a peer missed a deadline.
    public var timeouts = 0
    /// Connections refused with 503 at the connection limit.
    public var refusedConnections = 0
    /// Lines the server logged about bad peers and failing handlers.
    public var logLines = 0
    /// Such lines dropped by the rate limit (10 a second).
    public var logLinesSuppressed = 0
}

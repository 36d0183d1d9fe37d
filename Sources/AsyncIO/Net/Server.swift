import URing
import CURing
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket and the tasks serving its connections (MicroPython's
/// `Server`, returned by ``startServer(host:port:backlog:reusePort:handler:)``).
///
/// Connections are accepted with one multishot accept in the kernel; each runs
/// `handler` in its own task, and its stream is closed when the handler
/// returns. When the process runs out of file descriptors (`EMFILE`, `ENFILE`)
/// the server pauses accepting (1 s, doubling to 5 s) instead of spinning, and
/// resumes by itself.
public final class Server {
    private let listener: Int32
    private let handler: @isolated(any) (SocketStream) async throws -> Void
    private var acceptOperation: UInt64?
    private var resumeTimer: TimerID?
    private var backoff: Duration = .seconds(1)
    private var isClosing = false
    private let closed = Future<Void>()
    private var connections = 0
    private let unixPath: String?

    /// Where the server listens (the real port when 0 was asked for).
    public let localAddress: SocketAddress

    /// Connections accepted so far.
    public private(set) var acceptedCount = 0

    /// Times accepting paused because file descriptors ran out.
    public private(set) var acceptPauses = 0

    /// Connections whose handler is still running.
    public var activeConnections: Int { connections }

    /// The loop that accepts and serves (the one that started the server).
    private let loop: EventLoop

    /// Set by a group's hand-off server: takes each accepted descriptor (and
    /// its ownership) instead of serving it here.
    var handOff: ((Int32) -> Void)?

    init(listener: Int32, unixPath: String?, handler: @escaping @isolated(any) (SocketStream) async throws -> Void) {
        self.loop = EventLoop.requireRunning("startServer")
        self.listener = listener
        self.unixPath = unixPath
        self.handler = handler
        localAddress = Socket.localAddress(listener)!
        armAccept()
    }

    private func armAccept() {
        guard !isClosing else { return }
        acceptOperation = loop.submitDetached(.acceptMultishot(fd: listener)) { [self] completion in
            accepted(completion)
        }
    }

    private func accepted(_ completion: Completion) {
        if completion.result >= 0 {
            backoff = .seconds(1)
            acceptedCount += 1
        }
        if completion.result >= 0, let handOff {
            handOff(completion.result)
        } else if completion.result >= 0 {
            let stream = SocketStream(fileDescriptor: completion.result)
            // The handler starts one turn of the ready queue later, as if the
            // server's own task had accepted (MicroPython's order: a client that
            // connected in the same turn runs before the new handler).
            loop.callSoon { [self] in serve(stream) }
        }
        guard !completion.hasMore else { return }
        acceptOperation = nil
        if isClosing || completion.result == -ECANCELED {
            finishClose()
            return
        }
        switch -completion.result {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            // Out of descriptors or memory: pause, then accept again.
            acceptPauses += 1
            let deadline = MonotonicClock.deadline(after: backoff)
            backoff = min(backoff * 2, .seconds(5))
            resumeTimer = loop.call(at: deadline) { [self] in
                resumeTimer = nil
                armAccept()
            }
        default:
            // A connection that failed before it was accepted (ECONNABORTED), or
            // the multishot ended for another reason: keep listening.
            armAccept()
        }
    }

    private func serve(_ stream: SocketStream) {
        connections += 1
        // nonisolated(unsafe): the connection's task runs on this server's loop,
        // which owns the server, the stream and the handler (decision 0008).
        nonisolated(unsafe) let server = self
        nonisolated(unsafe) let stream = stream
        nonisolated(unsafe) let handler = self.handler
        createTask(name: "connection-\(acceptedCount)") {
            defer {
                stream.close()
                server.connections -= 1
            }
            do {
                try await handler(stream)
            } catch let error as StreamError {
                // A peer that resets or vanishes ends its connection; it is not
                // an error of the server (nor worth a line in the log).
                switch error {
                case .connectionReset, .closed, .incompleteRead: return
                default: throw error
                }
            }
        }
    }

    /// Stops accepting and closes the listening socket; connections already
    /// accepted keep running. Idempotent.
    public func close() {
        guard !isClosing else { return }
        isClosing = true
        if let resumeTimer { loop.cancelTimer(resumeTimer) }
        if let acceptOperation {
            loop.cancelOperation(acceptOperation)
        } else {
            finishClose()
        }
    }

    private func finishClose() {
        guard !closed.isResolved else { return }
        Glibc.close(listener)
        if let unixPath { unlink(unixPath) }
        closed.resolve(())
    }

    /// Waits until the server is closed (MicroPython's `wait_closed`).
    /// Cancelling the waiting task closes the server, as in MicroPython, where
    /// `wait_closed` awaits the server's own task and the cancellation reaches it.
    ///
    /// - Throws: `CancellationError` when cancelled (after closing).
    public func waitClosed() async throws {
        do {
            try await closed.value
        } catch {
            close()
            throw error
        }
    }

    /// Serves until the calling task is cancelled, then closes the server
    /// (CPython's `serve_forever`).
    ///
    /// - Throws: `CancellationError` when cancelled (after closing).
    public func serveForever() async throws {
        do {
            try await closed.value
        } catch {
            close()
            throw error
        }
    }
}

/// Listens on `host`:`port` and runs `handler` in a new task for each connection
/// (MicroPython's `start_server`). Port 0 picks a free port (see ``Server/localAddress``).
///
/// - Parameters:
///   - backlog: the kernel's queue of connections not yet accepted.
///   - reusePort: sets `SO_REUSEPORT`, so that listeners on several loops
///     (one each, same port) share the port and the kernel spreads new
///     connections over them (docs/11-many-loops.md).
///   - handler: serves one connection, on this loop; its stream is closed when it returns.
/// - Throws: ``StreamError/resolutionFailed(host:reason:)``; ``StreamError/system(call:errno:)``
///   if the socket cannot be bound (`EADDRINUSE`, `EACCES`) or listen fails;
///   ``LoopError/invalidArgument(api:argument:reason:)`` for a port outside
///   0...65535 or a negative backlog.
public func startServer(
    host: String, port: Int, backlog: Int = 511, reusePort: Bool = false,
    @_inheritActorContext(always) handler: sending @escaping @isolated(any) (SocketStream) async throws -> Void
) async throws -> Server {
    try checkBacklog(backlog)
    let address = try await Resolver.resolve(host: host, port: port)[0]
    let fd = try Socket.make(family: address.family, type: SOCK_STREAM)
    Socket.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
    if reusePort { Socket.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
    Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    return try listen(fd, on: address, backlog: backlog, unixPath: nil, handler: handler)
}

/// Listens on a Unix-domain stream socket at `path` (removed when the server closes).
///
/// - Throws: ``StreamError/invalidAddress(_:)``; ``StreamError/system(call:errno:)``;
///   ``LoopError/invalidArgument(api:argument:reason:)`` for a negative backlog.
public func startUnixServer(
    path: String, backlog: Int = 511,
    @_inheritActorContext(always) handler: sending @escaping @isolated(any) (SocketStream) async throws -> Void
) throws -> Server {
    try checkBacklog(backlog)
    let address = try SocketAddress(unixPath: path)
    let fd = try Socket.make(family: AF_UNIX, type: SOCK_STREAM)
    return try listen(fd, on: address, backlog: backlog, unixPath: path, handler: handler)
}

/// Runs `body` with a server listening on `host`:`port`, and closes the server
/// when `body` ends, however it ends (CPython's `async with server:`).
///
/// - Throws: as ``startServer(host:port:backlog:reusePort:handler:)``; what `body` throws.
public func withServer<T: Sendable>(
    host: String, port: Int, backlog: Int = 511,
    @_inheritActorContext(always) handler: sending @escaping @isolated(any) (SocketStream) async throws -> Void,
    _ body: (Server) async throws -> T
) async throws -> T {
    let server = try await startServer(host: host, port: port, backlog: backlog, handler: handler)
    defer { server.close() }
    return try await body(server)
}

/// A negative backlog means nothing; a huge one is capped by the kernel
/// (`net.core.somaxconn`).
private func checkBacklog(_ backlog: Int) throws(LoopError) {
    guard backlog >= 0 else {
        throw .invalidArgument(api: "startServer", argument: "backlog: \(backlog)", reason: "must not be negative")
    }
}

private func listen(
    _ fd: Int32, on address: SocketAddress, backlog: Int, unixPath: String?,
    handler: sending @escaping @isolated(any) (SocketStream) async throws -> Void
) throws(StreamError) -> Server {
    do throws(StreamError) {
        try Socket.bind(fd, address)
        guard Glibc.listen(fd, Int32(clamping: backlog)) == 0 else { throw StreamError.system(call: "listen", errno: errno) }
    } catch {
        Glibc.close(fd)
        throw error
    }
    return Server(listener: fd, unixPath: unixPath, handler: handler)
}

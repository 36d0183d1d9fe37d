public import AsyncIO
#if canImport(Glibc)
import Glibc
#endif

/// `--host H --port P` from the command line, shared by the example servers.
public struct ServerOptions: Sendable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port (0: any free port).
    public var port = 8080

    /// Parses `arguments` (without the program name).
    ///
    /// - Throws: ``UsageError`` for an unknown flag or a bad value.
    public init(arguments: [String], defaultPort: Int) throws(UsageError) {
        port = defaultPort
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            switch flag {
            case "--host": host = value
            case "--port":
                guard let p = Int(value), (0...65535).contains(p) else { throw UsageError(message: "bad port \(value)") }
                port = p
            default: throw UsageError(message: "unknown flag \(flag)")
            }
        }
    }
}

/// A command-line mistake, shown with the usage line.
public struct UsageError: Error, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// A readable form, for logs and messages.
    public var description: String { message }
}

/// Runs `server` until SIGINT or SIGTERM, printing `listening on H:P` once it
/// is ready; then closes it and returns.
///
/// - Throws: what starting the server throws.
public func serveUntilSignalled(_ start: @escaping @Loop () async throws -> Server) throws {
    let stop = ThreadSafeFlag()
    StopSignals.install(stop)
    try AsyncIO.run {
        let server = try await start()
        print("listening on \(server.localAddress)")
        fflush(nil)
        try await stop.wait()
        server.close()
        try await server.waitClosed()
    }
}

/// Makes SIGINT and SIGTERM set `flag` (and ignores SIGPIPE), for a program
/// that stops cleanly by waiting on it.
public func installStopSignals(_ flag: ThreadSafeFlag) {
    StopSignals.install(flag)
}

/// SIGINT/SIGTERM set a thread-safe flag (async-signal-safe).
enum StopSignals {
    nonisolated(unsafe) static var flag: ThreadSafeFlag?

    static func install(_ flag: ThreadSafeFlag) {
        self.flag = flag
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in StopSignals.flag?.set() }
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        signal(SIGPIPE, SIG_IGN)  // belt and braces; sends already use MSG_NOSIGNAL
    }
}

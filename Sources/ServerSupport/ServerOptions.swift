public import AsyncIO
public import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `--host H --port P --loops N --pin yes|no --accept reuseport|handoff --work R` from the command line, shared by the example servers.
public struct ServerOptions: Sendable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port (0: any free port).
    public var port = 8080
    /// Event loops, one per thread, each with its own listener on the port (`SO_REUSEPORT`).
    public var loops = 1
    /// Pin loop *i*'s thread to the *i*-th CPU.
    public var pinsThreads = false
    /// `--accept handoff`: one listener (loop 0) hands each connection to the
    /// least-loaded loop, instead of a listener per loop (`--accept reuseport`, the default).
    public var handsOffConnections = false
    /// Rounds of hashing per request, so that a benchmark is bound by the
    /// server's CPU rather than the load generator's (0: none).
    public var workRounds = 0

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
            case "--loops":
                guard let n = Int(value), (1...LoopGroup.maximumLoops).contains(n) else {
                    throw UsageError(message: "bad loop count \(value) (1...\(LoopGroup.maximumLoops))")
                }
                loops = n
            case "--work":
                guard let n = Int(value), n >= 0 else { throw UsageError(message: "bad --work \(value)") }
                workRounds = n
            case "--accept":
                guard value == "reuseport" || value == "handoff" else { throw UsageError(message: "--accept takes reuseport or handoff") }
                handsOffConnections = value == "handoff"
            case "--pin":
                guard value == "yes" || value == "no" else { throw UsageError(message: "--pin takes yes or no") }
                pinsThreads = value == "yes"
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

/// What `serveUntilSignalled` needs of one loop's server.
public struct ServingLoop {
    /// Where it listens.
    public var address: SocketAddress
    /// Stops it (closes the listener, lets connections finish) and returns when it has.
    public var shutdown: () async -> Void

    /// Describes one loop's server.
    public init(address: SocketAddress, shutdown: @escaping () async -> Void) {
        self.address = address
        self.shutdown = shutdown
    }
}

/// Runs one server per loop (`options.loops`, sharing the port through
/// `SO_REUSEPORT`), or with `--accept handoff` one on loop 0 that hands
/// connections to the others, until SIGINT or SIGTERM, printing `listening on H:P` once
/// every loop listens; then shuts each down.
///
/// `start` runs on each loop with the port to bind (the same on every loop:
/// with port 0, loop 0 picks one and the others follow).
///
/// - Throws: what `start` throws (``AsyncIO/LoopGroupError`` naming the loop).
public func serveUntilSignalled(
    _ options: ServerOptions,
    _ start: @escaping @Sendable (_ loop: isolated Loop, _ port: Int) async throws -> ServingLoop
) throws {
    let stop = ThreadSafeFlag()
    StopSignals.install(stop)
    let ports = try LoopChannel<Int>(capacity: options.loops)
    let listening = try LoopChannel<Int>(capacity: options.loops)
    _ = try LoopGroup.run(loops: options.loops, pinningToCPUs: options.pinsThreads) { loop in
        if options.handsOffConnections && loop.index > 0 {
            // Serves what loop 0's listener hands over, until the group is cancelled.
            try await listening.send(loop.index)
            do { try await AsyncIO.sleep(for: .seconds(Int64.max)) } catch {}
            return
        }
        let port = loop.index == 0 || options.handsOffConnections ? options.port : try await ports.receive()!
        let server = try await start(loop, port)
        if loop.index == 0 {
            if !options.handsOffConnections {
                for _ in 1..<options.loops { try await ports.send(server.address.port) }
            }
            for _ in 1..<options.loops { _ = try await listening.receive() }
            print("listening on \(server.address)" + (options.loops > 1 ? " (\(options.loops) loops)" : ""))
            fflush(nil)
            try await stop.wait()
            loop.group?.cancelAll()
        } else {
            try await listening.send(loop.index)
            // Until loop 0 sees the signal and cancels the group.
            do { try await AsyncIO.sleep(for: .seconds(Int64.max)) } catch {}
        }
        await server.shutdown()
    }
}

/// CPU work per request for benchmarks (`--work R`): FNV-1a over `bytes`,
/// `rounds` times, stored where the optimiser cannot drop it.
public func burnWork(on bytes: [UInt8], rounds: Int) {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for _ in 0..<rounds {
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    workSink.store(h, ordering: .relaxed)
}

/// The last result of ``burnWork(on:rounds:)``; public, so the optimiser cannot prove it unread and drop the work.
public let workSink = Atomic<UInt64>(0)

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

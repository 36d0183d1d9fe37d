// echo-server --host H --port P [--loops N] [--pin yes|no] [--accept reuseport|handoff] [--work R]: echoes
// every byte back, for tests and the peer comparison (Benchmarks/net).
// Prints "listening on H:P" when ready; SIGINT/SIGTERM stop it cleanly.
// --loops N serves on N loops (threads) sharing the port (SO_REUSEPORT), or
// with --accept handoff one listener hands connections to the least-loaded loop;
// --work R hashes each chunk R times before echoing it, so that a benchmark
// is bound by the server's CPU (scripts/bench-cores.sh).
import AsyncIO
import ServerSupport
#if canImport(Glibc)
import Glibc
#endif

do {
    let options = try ServerOptions(arguments: Array(CommandLine.arguments.dropFirst()), defaultPort: 7000)
    let work = options.workRounds
    @Sendable func echo(_ stream: SocketStream) async throws {
        while true {
            let chunk = try await stream.read()
            if chunk.isEmpty { return }
            if work > 0 { burnWork(on: chunk, rounds: work) }
            try stream.write(chunk)
            try await stream.drain()
        }
    }
    try serveUntilSignalled(options) { loop, port in
        let server: Server
        if options.handsOffConnections, let group = loop.group {
            server = try await group.startServer(host: options.host, port: port) { _, stream in try await echo(stream) }
        } else {
            server = try await startServer(host: options.host, port: port, reusePort: options.loops > 1) { stream in
                try await echo(stream)
            }
        }
        return ServingLoop(address: server.localAddress) {
            server.close()
            try? await server.waitClosed()
        }
    }
} catch let error as UsageError {
    print("echo-server: \(error)\nusage: echo-server [--host H] [--port P] [--loops N] [--pin yes|no] [--accept reuseport|handoff] [--work R]")
    exit(2)
}

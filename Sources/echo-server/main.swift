// echo-server --host H --port P: echoes every byte back, for tests and the
// peer comparison (Benchmarks/net). Prints "listening on H:P" when ready;
// SIGINT/SIGTERM stop it cleanly.
import AsyncIO
import ServerSupport
#if canImport(Glibc)
import Glibc
#endif

do {
    let options = try ServerOptions(arguments: Array(CommandLine.arguments.dropFirst()), defaultPort: 7000)
    try serveUntilSignalled {
        try await startServer(host: options.host, port: options.port) { stream in
            while true {
                let chunk = try await stream.read()
                if chunk.isEmpty { return }
                try stream.write(chunk)
                try await stream.drain()
            }
        }
    }
} catch let error as UsageError {
    print("echo-server: \(error)\nusage: echo-server [--host H] [--port P]")
    exit(2)
}

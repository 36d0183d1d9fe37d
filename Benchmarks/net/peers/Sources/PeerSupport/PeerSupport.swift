// Command line and start-up shared by the peer servers.
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `--host H --port P` (defaults 127.0.0.1 and `defaultPort`); exits 2 on a bad flag.
public func parseHostPort(defaultPort: Int) -> (host: String, port: Int) {
    var host = "127.0.0.1"
    var port = defaultPort
    var args = CommandLine.arguments.dropFirst()
    while let flag = args.popFirst() {
        guard let value = args.popFirst() else { usage() }
        switch flag {
        case "--host": host = value
        case "--port": guard let p = Int(value) else { usage() }; port = p
        default: usage()
        }
    }
    return (host, port)
}

private func usage() -> Never {
    print("usage: \(CommandLine.arguments[0]) [--host H] [--port P]")
    exit(2)
}

/// Prints the ready line the benchmark script waits for.
public func announce(host: String, port: Int) {
    print("listening on \(host):\(port)")
    fflush(nil)
}

/// One event loop thread: the server is pinned to one CPU.
public let peerEventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

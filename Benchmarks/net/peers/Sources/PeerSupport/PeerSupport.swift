// Command line and start-up shared by the peer servers.
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `--host H --port P --threads N --work R` (defaults 127.0.0.1, `defaultPort`, 1, 0); exits 2 on a bad flag.
public func parseHostPort(defaultPort: Int) -> (host: String, port: Int) {
    var host = "127.0.0.1"
    var port = defaultPort
    var args = CommandLine.arguments.dropFirst()
    while let flag = args.popFirst() {
        guard let value = args.popFirst() else { usage() }
        switch flag {
        case "--host": host = value
        case "--port": guard let p = Int(value) else { usage() }; port = p
        case "--threads": guard let n = Int(value), n >= 1 else { usage() }; peerThreads = n
        case "--work": guard let n = Int(value), n >= 0 else { usage() }; peerWorkRounds = n
        default: usage()
        }
    }
    return (host, port)
}

private func usage() -> Never {
    print("usage: \(CommandLine.arguments[0]) [--host H] [--port P] [--threads N] [--work R]")
    exit(2)
}

/// Prints the ready line the benchmark script waits for.
public func announce(host: String, port: Int) {
    print("listening on \(host):\(port)")
    fflush(nil)
}

/// One event loop thread: the server is pinned to one CPU.
/// `--threads N`: the event loop group's threads (set by `parseHostPort`, before the group is first used).
nonisolated(unsafe) public var peerThreads = 1

/// `--work R`: rounds of hashing per request, as ours (ServerSupport.burnWork), for scripts/bench-cores.sh.
nonisolated(unsafe) public var peerWorkRounds = 0

/// The event loop group every peer runs on: `--threads` threads (1 by default).
public let peerEventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: peerThreads)

/// The same work as ours: FNV-1a over `bytes`, `peerWorkRounds` times.
public func burnWork(on bytes: UnsafeRawBufferPointer) {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for _ in 0..<peerWorkRounds {
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    workSink.store(h, ordering: .relaxed)
}

/// The last result of `burnWork`; public, so the optimiser cannot prove it unread and drop the work.
public let workSink = Atomic<UInt64>(0)

#if canImport(Glibc)
import Glibc
#endif

extension LoopGroup {
    /// Listens on the calling loop and hands each accepted connection to the
    /// loop of this group with the fewest open connections (SwiftNIO's and
    /// Seastar's way), where `handler` then serves it wholly, given that loop.
    ///
    /// The alternative is one listener per loop with `reusePort`
    /// (``startServer(host:port:backlog:reusePort:handler:)``), where the
    /// kernel picks the loop: no hand-off, but no balancing either
    /// (docs/11-many-loops.md compares the two).
    ///
    /// Closing the returned server stops accepting; connections already handed
    /// out keep running on their loops. A connection accepted while its chosen
    /// loop is no longer running is closed at once.
    ///
    /// - Throws: as ``startServer(host:port:backlog:reusePort:handler:)``;
    ///   ``LoopError/notOnLoopThread(api:)`` unless called on a loop's thread.
    public func startServer(
        host: String, port: Int, backlog: Int = 511,
        handler: @escaping @Sendable (isolated Loop, SocketStream) async throws -> Void
    ) async throws -> Server {
        _ = try EventLoop.running("LoopGroup.startServer")
        let balancer = ConnectionBalancer(count: loops.count)
        let server = try await AsyncIO.startServer(host: host, port: port, backlog: backlog) { _ in }
        let loops = self.loops
        server.handOff = { fd in
            let index = balancer.openOnLeastLoaded()
            let target = loops[index]
            guard target.eventLoop.isRunning else {
                balancer.closed(on: index)
                Glibc.close(fd)
                return
            }
            target.eventLoop.inbox.post(.callback {
                // nonisolated(unsafe): made on the target loop, used only by its task there.
                nonisolated(unsafe) let stream = SocketStream(fileDescriptor: fd)
                createTask(name: "connection") {
                    defer {
                        stream.close()
                        balancer.closed(on: index)
                    }
                    do {
                        try await handler(target, stream)
                    } catch let error as StreamError {
                        // A peer that resets or vanishes ends its connection, as in `startServer`.
                        switch error {
                        case .connectionReset, .closed, .incompleteRead: return
                        default: throw error
                        }
                    }
                }
            })
        }
        return server
    }
}

/// Open connections per loop, for the hand-off server's choice.
final class ConnectionBalancer: Sendable {
    private let counts: PThreadLock<(open: [Int], next: Int)>

    init(count: Int) { counts = PThreadLock((Array(repeating: 0, count: count), 0)) }

    /// The loop with the fewest open connections (ties go round-robin), counted as one more.
    func openOnLeastLoaded() -> Int {
        counts.withLock { state in
            let n = state.open.count
            var best = state.next % n
            for offset in 0..<n {
                let candidate = (state.next + offset) % n
                if state.open[candidate] < state.open[best] { best = candidate }
            }
            state.open[best] += 1
            state.next = best + 1
            return best
        }
    }

    /// One connection on loop `index` ended.
    func closed(on index: Int) {
        counts.withLock { $0.open[index] -= 1 }
    }
}

import CURing
#if canImport(Glibc)
import Glibc
#endif

/// Connects to `host`:`port` over TCP and returns the stream (MicroPython's
/// `open_connection`, which returns one object as reader and writer).
///
/// The name is resolved off the loop thread; each address is tried in turn.
/// `TCP_NODELAY` is set, as request/response traffic expects.
///
/// - Throws: ``StreamError/resolutionFailed(host:reason:)``;
///   ``StreamError/connectFailed(address:errno:)`` (the last address's error);
///   `CancellationError` (the half-open socket is closed).
public func openConnection(host: String, port: Int) async throws -> SocketStream {
    var lastError: any Error = StreamError.resolutionFailed(host: host, reason: "no addresses")
    for address in try await Resolver.resolve(host: host, port: port) {
        do {
            return try await connect(to: address, type: SOCK_STREAM) { fd in
                Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            }
        } catch let error as StreamError {
            lastError = error
        }
    }
    throw lastError
}

/// ``openConnection(host:port:)`` with a time limit on resolving and connecting.
///
/// - Parameter timeout: nil waits as long as the kernel does (minutes, for an
///   address that never answers).
/// - Throws: ``TimeoutError`` when `timeout` passes first (the attempt is
///   cancelled and its socket closed); otherwise as ``openConnection(host:port:)``.
public func openConnection(host: String, port: Int, timeout: Duration?) async throws -> SocketStream {
    guard let timeout else { return try await openConnection(host: host, port: port) }
    // The stream is made by a task of this loop and returned to it: it never leaves the loop.
    return try await waitFor({ LoopBound(try await openConnection(host: host, port: port)) }, timeout: timeout).value
}

/// Connects to the Unix-domain stream socket at `path`.
///
/// - Throws: ``StreamError/invalidAddress(_:)``; ``StreamError/connectFailed(address:errno:)``;
///   `CancellationError`.
public func openUnixConnection(path: String) async throws -> SocketStream {
    try await connect(to: SocketAddress(unixPath: path), type: SOCK_STREAM) { _ in }
}

private func connect(to address: SocketAddress, type: __socket_type, configure: (Int32) -> Void) async throws -> SocketStream {
    let fd = try Socket.make(family: address.family, type: type)
    configure(fd)
    do {
        try await Socket.connect(fd, to: address)
    } catch {
        Glibc.close(fd)
        throw error
    }
    return SocketStream(fileDescriptor: fd)
}

#if canImport(Glibc)
import Glibc
#endif
import CURing

/// Small helpers around socket file descriptors.
enum Socket {
    /// A non-blocking, close-on-exec socket.
    static func make(family: Int32, type: __socket_type) throws(StreamError) -> Int32 {
        let fd = socket(family, Int32(type.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        return fd
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Binds `fd` to `address`.
    static func bind(_ fd: Int32, _ address: SocketAddress) throws(StreamError) {
        let rc = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else { throw .system(call: "bind \(address)", errno: errno) }
    }

    /// The local address of `fd`.
    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return rc == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    /// The peer address of `fd`.
    static func peerAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return rc == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    /// Connects `fd` to `address` on the loop.
    ///
    /// - Throws: ``StreamError/connectFailed(address:errno:)``; `CancellationError`.
    static func connect(_ fd: Int32, to address: SocketAddress) async throws {
        // The kernel reads the address until the final completion: keep it on the heap.
        let storage = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: 1)
        storage.initialize(to: address.storage)
        defer { storage.deallocate() }
        let sockaddrPointer = UnsafeRawPointer(storage).assumingMemoryBound(to: sockaddr.self)
        let result = try await EventLoop.running("openConnection").submitAndAwait(
            .connect(fd: fd, address: sockaddrPointer, length: address.length))
        if result < 0 { throw StreamError.connectFailed(address: address.description, errno: -result) }
    }

}

import CURing
#if canImport(Glibc)
import Glibc
#endif

/// A UDP socket (IPv4 or IPv6): send and receive whole datagrams.
///
/// ```swift
/// let socket = try await DatagramSocket.bind(host: "127.0.0.1", port: 0)
/// let (bytes, sender) = try await socket.receive()
/// _ = try await socket.send(bytes, to: sender)
/// ```
public final class DatagramSocket {
    /// The socket's file descriptor.
    public let fileDescriptor: Int32
    private var isClosed = false

    /// The loop this socket's operations run on (the one that made it).
    private let loop: EventLoop

    private init(fileDescriptor: Int32) {
        self.loop = EventLoop.requireRunning("DatagramSocket")
        self.fileDescriptor = fileDescriptor
    }

    /// A socket bound to `host`:`port` (port 0: any free port).
    ///
    /// - Throws: ``StreamError/resolutionFailed(host:reason:)``; ``StreamError/system(call:errno:)``
    ///   if binding fails (`EADDRINUSE`).
    public static func bind(host: String, port: Int) async throws -> DatagramSocket {
        let address = try await Resolver.resolve(host: host, port: port, datagram: true)[0]
        let fd = try Socket.make(family: address.family, type: SOCK_DGRAM)
        do throws(StreamError) {
            try Socket.bind(fd, address)
        } catch {
            Glibc.close(fd)
            throw error
        }
        return DatagramSocket(fileDescriptor: fd)
    }

    /// A socket connected to `host`:`port`: ``send(_:)`` goes there and only its
    /// datagrams are received.
    ///
    /// - Throws: ``StreamError/resolutionFailed(host:reason:)``; ``StreamError/connectFailed(address:errno:)``.
    public static func connect(host: String, port: Int) async throws -> DatagramSocket {
        let address = try await Resolver.resolve(host: host, port: port, datagram: true)[0]
        let fd = try Socket.make(family: address.family, type: SOCK_DGRAM)
        let socket = DatagramSocket(fileDescriptor: fd)
        try socket.connect(to: address)
        return socket
    }

    /// Connects to `address` (for UDP this only sets the default destination and filter).
    ///
    /// - Throws: ``StreamError/connectFailed(address:errno:)``.
    public func connect(to address: SocketAddress) throws(StreamError) {
        let rc = address.withSockaddr { Glibc.connect(fileDescriptor, $0, $1) }
        guard rc == 0 else { throw .connectFailed(address: address.description, errno: errno) }
    }

    /// This socket's address.
    public var localAddress: SocketAddress? { Socket.localAddress(fileDescriptor) }

    /// Sends one datagram to the connected peer.
    ///
    /// - Returns: the bytes sent (all of them, for UDP).
    /// - Throws: ``StreamError/system(call:errno:)`` (`EMSGSIZE`, `ECONNREFUSED` from an
    ///   earlier ICMP error, ...); ``StreamError/closed``; `CancellationError`.
    public func send(_ bytes: [UInt8]) async throws -> Int {
        guard !isClosed else { throw StreamError.closed }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        let n = try await loop.submitAndAwait(
            .send(fd: fileDescriptor, buffer: buffer.baseAddress!, count: bytes.count, flags: 0))
        if n < 0 { throw StreamError.system(call: "send", errno: -n) }
        return Int(n)
    }

    /// Sends one datagram to `address`.
    ///
    /// - Throws: as ``send(_:)``.
    public func send(_ bytes: [UInt8], to address: SocketAddress) async throws -> Int {
        guard !isClosed else { throw StreamError.closed }
        let message = MessageBuffer(capacity: bytes.count)
        message.prepareToSend(bytes, to: address)
        let n = try await loop.submitAndAwait(.sendMessage(fd: fileDescriptor, message: message.header))
        if n < 0 { throw StreamError.system(call: "sendmsg", errno: -n) }
        return Int(n)
    }

    /// Receives one datagram of at most `maxSize` bytes (longer ones are truncated,
    /// as UDP does) and who sent it.
    ///
    /// - Throws: ``StreamError/system(call:errno:)``; ``StreamError/closed``; `CancellationError`;
    ///   ``LoopError/invalidArgument(api:argument:reason:)`` for a `maxSize` below 1
    ///   (sizes above 65,535, the largest datagram, are capped there).
    public func receive(maxSize: Int = 65_535) async throws -> (bytes: [UInt8], from: SocketAddress) {
        guard !isClosed else { throw StreamError.closed }
        guard maxSize >= 1 else {
            // Receiving into no room would consume a datagram and lose it.
            throw LoopError.invalidArgument(api: "DatagramSocket.receive", argument: "maxSize: \(maxSize)", reason: "must be at least 1")
        }
        // No datagram is larger than 65,535 bytes: more room would only cost memory.
        let message = MessageBuffer(capacity: min(maxSize, 65_535))
        message.prepareToReceive()
        let n = try await loop.submitAndAwait(.receiveMessage(fd: fileDescriptor, message: message.header))
        if n < 0 { throw StreamError.system(call: "recvmsg", errno: -n) }
        return (message.bytes(Int(n)), message.peer)
    }

    /// Closes the socket. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = shutdown(fileDescriptor, Int32(SHUT_RDWR))
        _ = loop.submitDetached(.close(fd: fileDescriptor)) { _ in }
    }
}

/// The memory a `sendmsg`/`recvmsg` uses: header, one iovec, the peer address
/// and the payload, in one allocation that lives until the operation's final
/// completion (the awaiting call returns only after it).
private final class MessageBuffer {
    let header: UnsafeMutablePointer<msghdr>
    private let vector: UnsafeMutablePointer<iovec>
    private let address: UnsafeMutablePointer<sockaddr_storage>
    private let payload: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        header = .allocate(capacity: 1)
        header.initialize(to: msghdr())
        vector = .allocate(capacity: 1)
        address = .allocate(capacity: 1)
        address.initialize(to: sockaddr_storage())
        payload = .allocate(byteCount: max(1, capacity), alignment: 16)
        vector.initialize(to: iovec(iov_base: payload.baseAddress, iov_len: capacity))
        header.pointee.msg_iov = vector
        header.pointee.msg_iovlen = 1
        header.pointee.msg_name = UnsafeMutableRawPointer(address)
    }

    deinit {
        header.deallocate()
        vector.deallocate()
        address.deallocate()
        payload.deallocate()
    }

    func prepareToSend(_ bytes: [UInt8], to destination: SocketAddress) {
        payload.copyBytes(from: bytes)
        vector.pointee.iov_len = bytes.count
        address.pointee = destination.storage
        header.pointee.msg_namelen = destination.length
    }

    func prepareToReceive() {
        header.pointee.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
    }

    func bytes(_ count: Int) -> [UInt8] { Array(payload.prefix(min(count, vector.pointee.iov_len))) }

    var peer: SocketAddress { SocketAddress(storage: address.pointee, length: header.pointee.msg_namelen) }
}

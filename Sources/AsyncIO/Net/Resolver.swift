import CURing
#if canImport(Glibc)
import Glibc
#endif

/// Host-name resolution. `getaddrinfo` blocks, so it runs on a short-lived
/// thread of its own and the answer comes back to the loop through the inbox;
/// numeric hosts ("127.0.0.1", "::1") are parsed on the loop without a thread.
enum Resolver {
    /// The addresses of `host`:`port` for stream (TCP) or datagram (UDP) sockets.
    ///
    /// - Throws: ``StreamError/resolutionFailed(host:reason:)``; `CancellationError`
    ///   (the lookup thread finishes on its own; its answer is dropped).
    static func resolve(host: String, port: Int, datagram: Bool = false) async throws -> [SocketAddress] {
        if let numeric = SocketAddress(numericHost: host, port: port) { return [numeric] }
        try Task.checkCancellation()
        let answer = await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<[SocketAddress], StreamError>, Never>) in
            runOnNewThread { continuation.resume(returning: lookup(host: host, port: port, datagram: datagram)) }
        }
        try Task.checkCancellation()
        return try answer.get()
    }

    private static func lookup(host: String, port: Int, datagram: Bool) -> Result<[SocketAddress], StreamError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0 else {
            return .failure(.resolutionFailed(host: host, reason: String(decoding: Array(UnsafeBufferPointer(start: gai_strerror(rc), count: strlen(gai_strerror(rc)))).map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        defer { freeaddrinfo(list) }
        var out: [SocketAddress] = []
        var node = list
        while let info = node {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen))) }
            let address = SocketAddress(storage: storage, length: info.pointee.ai_addrlen)
            if !out.contains(address) { out.append(address) }
            node = info.pointee.ai_next
        }
        return out.isEmpty ? .failure(.resolutionFailed(host: host, reason: "no addresses")) : .success(out)
    }
}

/// Runs `body` on a new detached POSIX thread (for blocking calls such as `getaddrinfo`).
func runOnNewThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        // @unchecked Sendable: written once before the thread starts, read once by it.
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    defer { pthread_attr_destroy(&attributes) }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(&thread, &attributes, { raw in
        Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, box)
    if rc != 0 {
        // No thread to be had: run it here rather than lose the answer.
        Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
    }
}

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
        guard (0...65_535).contains(port) else {
            throw LoopError.invalidArgument(api: "resolve \(host)", argument: "port: \(port)", reason: "not in 0...65535")
        }
        if let numeric = SocketAddress(numericHost: host, port: port) { return [numeric] }
        // getaddrinfo blocks: on a worker thread, as CPython does; a cancelled
        // caller stops waiting at once and the answer is dropped.
        return try await toThread { lookup(host: host, port: port, datagram: datagram) }.get()
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

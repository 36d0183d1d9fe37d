// Chapter 9: networking (docs/09-networking.md). Loopback only: every server
// listens on port 0 (a free port) and the same program connects to it.
import AsyncIO
#if canImport(Glibc)
import Glibc  // ECONNREFUSED, ECONNRESET, unlink
#endif

/// Bytes as a quoted string, with \r and \n spelled out.
func text(_ bytes: [UInt8]) -> String {
    "\"" + bytes.map { byte in
        switch byte {
        case UInt8(ascii: "\r"): return "\\r"
        case UInt8(ascii: "\n"): return "\\n"
        default: return String(UnicodeScalar(byte))
        }
    }.joined() + "\""
}

/// A line server: answers each line, says bye at end of stream.
@Loop func shout(_ stream: SocketStream) async throws {
    for try await line in stream.lines {
        try stream.write(String(decoding: line.dropLast(), as: UTF8.self).uppercased() + "!\n")
        try await stream.drain()
    }
    try stream.write("bye\n")  // the client sent writeEOF(); we can still answer
}

try AsyncIO.run {
    print("0. the loop runs on \(Loop.backend.map { "\($0)" } ?? "?")")

    // MARK: 1. A server, a client, lines both ways.
    try await withServer(host: "127.0.0.1", port: 0, handler: shout) { server in
        let port = server.localAddress.port
        print("1. listening on \(server.localAddress.host), port picked by the kernel: \(port > 0)")
        let client = try await openConnection(host: "127.0.0.1", port: port)
        print("   connected to the server's port: \(client.peerAddress?.port == port)")
        try client.write("hello\n")
        try client.write("world\n")
        try await client.drain()
        print("   replies: \(text(try await client.readLine())) \(text(try await client.readLine()))")
        client.writeEOF()  // half-close: the server's `lines` ends
        print("   after writeEOF: \(text(try await client.readLine())), then read() returns \(try await client.read()): end of stream")
        client.close()
        try await client.waitClosed()
        print("   accepted connections: \(server.acceptedCount)")
    }

    // MARK: 2. Reading: readUntil, readExactly, read, chunks; incompleteRead at the end.
    try await withServer(host: "127.0.0.1", port: 0, handler: { stream in
        try stream.write("LEN 5\r\nhello" + "rest of the stream")
        stream.close()  // queued bytes are sent first
    }) { server in
        let client = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
        let header = try await client.readUntil(Array("\r\n".utf8))
        let body = try await client.readExactly(5)
        let some = try await client.read(max: 4)
        var rest: [UInt8] = []
        for try await chunk in client.chunks { rest += chunk }
        print("2. readUntil: \(text(header)); readExactly(5): \(text(body)); read(max: 4): \(text(some)); chunks: \(text(rest))")
        do {
            _ = try await client.readExactly(10)
        } catch let error as StreamError {
            print("   readExactly(10) at end of stream: \(error)")
        }
        client.close()
    }

    // MARK: 3. readLine's limit: a typed error, bounded memory, a usable stream.
    try await withServer(host: "127.0.0.1", port: 0, handler: { stream in
        try stream.write([UInt8](repeating: UInt8(ascii: "a"), count: 100_000) + [UInt8(ascii: "\n")])
        try stream.write("next line\n")
        try await stream.drain()
    }) { server in
        let client = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
        do {
            _ = try await client.readLine()
        } catch StreamError.limitExceeded(let limit) {
            print("3. readLine() on a 100,000-byte line: limitExceeded(limit: \(limit)); buffered: \(client.bufferedByteCount <= limit + 64 * 1024 ? "at most limit + one receive" : "too much")")
        }
        let long = try await client.readLine(limit: 200_000)
        print("   the bytes stayed buffered: readLine(limit: 200_000) returned \(long.count) bytes, then \(text(try await client.readLine()))")
        client.close()
    }

    // MARK: 4. Writing: write() queues, drain() waits above the high-water mark.
    let slowStart = Event()
    try await withServer(host: "127.0.0.1", port: 0, handler: { stream in
        try await slowStart.wait()  // don't read yet: let the client's queue fill
        var total = 0
        for try await chunk in stream.chunks { total += chunk.count }
        try stream.write("got \(total) bytes\n")
    }) { server in
        let client = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
        let payload = [UInt8](repeating: 7, count: 8 << 20)
        try client.write(payload)
        print("4. write() of 8 MiB returned at once; queued: \(client.queuedByteCount > client.highWaterMark ? "above" : "below") the high-water mark (\(client.highWaterMark / 1024) KiB)")
        let drainer = createTask { try await client.drain() }
        try await sleepMs(20)
        print("   drain() waits while the server does not read: \(!drainer.isDone)")
        slowStart.set()
        try await drainer.value
        print("   once it reads, drain() returns with at most \(client.lowWaterMark / 1024) KiB queued: \(client.queuedByteCount <= client.lowWaterMark)")
        client.writeEOF()
        print("   server: \(text(try await client.readLine()))")
        client.close()
    }

    // MARK: 5. Closing and errors.
    let seen = Future<String>()
    try await withServer(host: "127.0.0.1", port: 0, handler: { stream in
        do {
            while try await !stream.read().isEmpty {}
            seen.resolve("end of stream")
        } catch let error as StreamError {
            seen.resolve("\(error)")
        }
    }) { server in
        let client = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
        try client.write("partial request")
        try await sleepMs(5)
        client.abort()  // RST instead of FIN
        print("5. the server's read after the client's abort(): \(try await seen.value)")
        do { try client.write("more") } catch { print("   write() after abort(): \(error)") }
    }
    let closedPort = try await startServer(host: "127.0.0.1", port: 0) { _ in }
    let port = closedPort.localAddress.port
    closedPort.close()
    try await closedPort.waitClosed()
    do {
        _ = try await openConnection(host: "127.0.0.1", port: port)
    } catch StreamError.connectFailed(_, let errno) {
        print("   connecting to a closed port: connectFailed, errno is ECONNREFUSED: \(errno == ECONNREFUSED)")
    }

    // MARK: 6. Unix-domain sockets.
    let path = "/tmp/swift-asyncio-example-networking.sock"
    unlink(path)
    let unixServer = try startUnixServer(path: path, handler: shout)
    let unixClient = try await openUnixConnection(path: path)
    try unixClient.write("over unix\n")
    print("6. \(unixServer.localAddress): \(text(try await unixClient.readLine()))")
    unixClient.close()
    unixServer.close()
    try await unixServer.waitClosed()
    print("   the socket file is removed on close: \(access(path, F_OK) != 0)")
}

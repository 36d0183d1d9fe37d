// http-server --host H --port P: a minimal HTTP/1.1 keep-alive "hello world",
// for the peer comparison with wrk. Request line and headers are bounded
// (8 KiB per line, 100 headers); oversized requests get 431 and are closed.
import AsyncIO
import ServerSupport
#if canImport(Glibc)
import Glibc
#endif

let body = "Hello, World!"
let okResponse = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
let okClose = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
let tooLarge = Array("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
let badRequest = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)

/// Serves requests on one connection until the client closes or asks to.
@Loop func serveHTTP(_ stream: SocketStream) async throws {
    while true {
        let requestLine: [UInt8]
        do {
            requestLine = try await stream.readLine(limit: 8192)
        } catch StreamError.limitExceeded {
            try stream.write(tooLarge)
            return
        }
        if requestLine.isEmpty { return }  // client closed
        guard requestLine.starts(with: Array("GET ".utf8)) || requestLine.starts(with: Array("HEAD ".utf8)) else {
            try stream.write(badRequest)
            return
        }
        var keepAlive = !requestLine.contains(where: { $0 == UInt8(ascii: "0") }) || requestLine.suffix(10).starts(with: Array("HTTP/1.1".utf8))
        var headers = 0
        while true {
            let line: [UInt8]
            do {
                line = try await stream.readLine(limit: 8192)
            } catch StreamError.limitExceeded {
                try stream.write(tooLarge)
                return
            }
            if line.isEmpty { return }
            if line == [13, 10] || line == [10] { break }
            headers += 1
            if headers > 100 {
                try stream.write(tooLarge)
                return
            }
            let lower = String(decoding: line, as: UTF8.self).lowercased()
            if lower.hasPrefix("connection:") { keepAlive = !lower.contains("close") }
        }
        try stream.write(keepAlive ? okResponse : okClose)
        if !keepAlive { return }
        // Pipelined requests already buffered are answered before sending.
        if stream.bufferedByteCount == 0 { try await stream.drain() }
    }
}

do {
    let options = try ServerOptions(arguments: Array(CommandLine.arguments.dropFirst()), defaultPort: 8080)
    try serveUntilSignalled {
        try await startServer(host: options.host, port: options.port, handler: serveHTTP)
    }
} catch let error as UsageError {
    print("http-server: \(error)\nusage: http-server [--host H] [--port P]")
    exit(2)
}

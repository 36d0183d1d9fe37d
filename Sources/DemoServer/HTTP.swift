import AsyncIO

/// A request line and the headers the demo cares about.
struct HTTPRequest {
    var method: String
    var path: String
    var keepAlive: Bool

    static let limit = 8192

    /// Reads one request; nil when the client closed or sent something malformed.
    @Loop
    static func read(from stream: SocketStream) async throws -> HTTPRequest? {
        let line = try await stream.readLine(limit: limit)
        if line.isEmpty { return nil }
        let parts = String(decoding: line, as: UTF8.self).trimmingSpaces.split(separator: " ")
        guard parts.count == 3 else { return nil }
        var path = String(parts[1])
        if let q = path.firstIndex(of: "?") { path = String(path[..<q]) }
        var keepAlive = parts[2] == "HTTP/1.1"
        var headers = 0
        while true {
            let header = try await stream.readLine(limit: limit)
            if header.isEmpty { return nil }
            if header == [13, 10] || header == [10] { break }
            headers += 1
            if headers > 100 { return nil }
            let lower = String(decoding: header, as: UTF8.self).lowercased()
            if lower.hasPrefix("connection:") {
                if lower.contains("close") { keepAlive = false } else if lower.contains("keep-alive") { keepAlive = true }
            }
        }
        return HTTPRequest(method: String(parts[0]), path: path, keepAlive: keepAlive)
    }
}

enum HTTPResponse {
    static let boundary = "asyncioframe"
    static let crlf: [UInt8] = [13, 10]
    static let streamHead = Array("""
        HTTP/1.1 200 OK\r
        Content-Type: multipart/x-mixed-replace; boundary=\(boundary)\r
        Cache-Control: no-store, no-cache, must-revalidate\r
        Pragma: no-cache\r
        Connection: close\r
        \r

        """.utf8)

    static func bytes(status: String, type: String, body: [UInt8], keepAlive: Bool, head: Bool = false, extra: String = "") -> [UInt8] {
        var out = Array("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nCache-Control: no-store\r\n\(extra)\(keepAlive ? "" : "Connection: close\r\n")\r\n".utf8)
        if !head { out += body }
        return out
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = self[...]
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}

import Foundation
import AsyncIO
import AsyncIOHTTP
import HTTPTypes

/// A response as the raw test client read it.
struct RawResponse {
    var status: Int
    var fields: [(String, String)]
    var body: [UInt8]

    func field(_ name: String) -> String? { fields.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Reads one response from `stream` (Content-Length, chunked, or until close;
/// none for HEAD and 1xx/204/304). Nil if the stream ended before a status line.
@Loop
func readResponse(_ stream: SocketStream, toHead: Bool = false) async throws -> RawResponse? {
    let headBytes: [UInt8]
    do {
        headBytes = try await stream.readUntil(Array("\r\n\r\n".utf8), limit: 64 * 1024)
    } catch StreamError.incompleteRead(let partial, _) where partial.isEmpty {
        return nil
    }
    let lines = String(decoding: headBytes, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    let statusLine = lines[0].split(separator: " ")
    let status = Int(statusLine[1])!
    let fields = lines.dropFirst().map { line -> (String, String) in
        let colon = line.firstIndex(of: ":")!
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    var response = RawResponse(status: status, fields: fields, body: [])
    if toHead || status < 200 || status == 204 || status == 304 { return response }
    if let length = response.field("Content-Length") {
        response.body = try await stream.readExactly(Int(length)!)
    } else if response.field("Transfer-Encoding")?.lowercased() == "chunked" {
        while true {
            let sizeLine = try await stream.readLine()
            let size = Int(String(decoding: sizeLine, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), radix: 16)!
            if size == 0 {
                _ = try await stream.readLine()
                break
            }
            response.body += try await stream.readExactly(size)
            _ = try await stream.readExactly(2)
        }
    } else {
        while case let chunk = try await stream.read(), !chunk.isEmpty { response.body += chunk }
    }
    return response
}

/// Bytes of a request with the given parts.
func requestBytes(_ method: String = "GET", _ path: String = "/", fields: [String] = ["Host: test"], body: String? = nil) -> [UInt8] {
    var text = "\(method) \(path) HTTP/1.1\r\n"
    for field in fields { text += field + "\r\n" }
    if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
    text += "\r\n"
    if let body { text += body }
    return Array(text.utf8)
}

/// True once the peer closed `stream` (a read returns end of stream or fails), within `timeout`.
@Loop
func peerClosed(_ stream: SocketStream, within timeout: Duration = .seconds(5)) async -> Bool {
    do {
        return try await waitFor({
            while true {
                do {
                    if try await stream.read().isEmpty { return true }
                } catch is StreamError {
                    return true
                }
            }
        }, timeout: timeout)
    } catch {
        return false
    }
}

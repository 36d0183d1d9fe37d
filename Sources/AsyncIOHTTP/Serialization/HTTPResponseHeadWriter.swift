import AsyncIO
import HTTPTypes

/// Writes a response head (status line and fields) into bytes.
enum HTTPResponseHeadWriter {
    /// The head of `response` for a request of `version`, with the framing
    /// fields the connection decided (`Content-Length` or `Transfer-Encoding`),
    /// `Connection: close` when the connection ends after it, and `Date`.
    @Loop
    static func bytes(
        _ response: HTTPResponse, version: HTTPVersion, framing: ResponseFraming, close: Bool
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + response.headerFields.count * 32)
        out += version.minor >= 1 ? Array("HTTP/1.1 ".utf8) : Array("HTTP/1.0 ".utf8)
        out += Array(String(response.status.code).utf8)
        out.append(32)
        out += Array(response.status.reasonPhrase.utf8)
        out += [13, 10]
        for field in response.headerFields {
            // Framing and persistence are the connection's: a handler's copies are dropped.
            switch field.name {
            case .contentLength, .transferEncoding, .connection, .date: continue
            default: break
            }
            out += Array(field.name.rawName.utf8)
            out += [58, 32]
            out += Array(field.value.utf8)
            out += [13, 10]
        }
        if response.status.code >= 200 {
            out += Array("Date: ".utf8)
            out += HTTPDate.now
            out += [13, 10]
        }
        switch framing {
        case .none: break
        case .length(let length):
            out += Array("Content-Length: ".utf8)
            out += Array(String(length).utf8)
            out += [13, 10]
        case .chunked:
            out += Array("Transfer-Encoding: chunked\r\n".utf8)
        case .untilClose: break
        }
        if close && version.minor >= 1 {
            out += Array("Connection: close\r\n".utf8)
        } else if !close && version.minor == 0 {
            out += Array("Connection: keep-alive\r\n".utf8)
        }
        out += [13, 10]
        return out
    }
}

/// How a response body is delimited on the wire.
enum ResponseFraming: Equatable {
    /// No body, and no length field (1xx, 204, 304; HEAD keeps the length of GET).
    case none
    /// `Content-Length`.
    case length(Int)
    /// `Transfer-Encoding: chunked` (HTTP/1.1 streams).
    case chunked
    /// Until the connection closes (HTTP/1.0 streams).
    case untilClose
}

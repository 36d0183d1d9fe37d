import AsyncIO
import HTTPTypes

/// Writes a response head (status line and fields) into bytes.
enum HTTPResponseHeadWriter {
    /// The head of `response` for a request of `version`, with the framing
    /// fields the connection decided (`Content-Length` or `Transfer-Encoding`),
    /// `Connection: close` when the connection ends after it, and `Date`.
    static func bytes(
        _ response: HTTPResponse, version: HTTPVersion, framing: ResponseFraming, close: Bool
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + response.headerFields.count * 32)
        out.append(contentsOf: version.minor >= 1 ? "HTTP/1.1 ".utf8 : "HTTP/1.0 ".utf8)
        appendDecimal(response.status.code, to: &out)
        out.append(32)
        out.append(contentsOf: response.status.reasonPhrase.utf8)
        out.append(contentsOf: crlf)
        for field in response.headerFields {
            // Framing and persistence are the connection's: a handler's copies are dropped.
            switch field.name {
            case .contentLength, .transferEncoding, .connection, .date: continue
            default: break
            }
            out.append(contentsOf: field.name.rawName.utf8)
            out.append(58)
            out.append(32)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: crlf)
        }
        if response.status.code >= 200 {
            out.append(contentsOf: "Date: ".utf8)
            out.append(contentsOf: HTTPDate.now)
            out.append(contentsOf: crlf)
        }
        switch framing {
        case .none: break
        case .length(let length):
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(length, to: &out)
            out.append(contentsOf: crlf)
        case .chunked:
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        case .untilClose: break
        }
        if close && version.minor >= 1 {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if !close && version.minor == 0 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: crlf)
        return out
    }

    private static let crlf: [UInt8] = [13, 10]

    /// Appends the decimal digits of a non-negative `value`, without a String.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        guard value > 0 else {
            out.append(48)
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[19 - count] = UInt8(48 + rest % 10)
                rest /= 10
                count += 1
            }
            out.append(contentsOf: buffer[(20 - count)...])
        }
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

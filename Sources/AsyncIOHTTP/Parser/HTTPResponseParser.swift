public import HTTPTypes

/// A parsed response head: the response in swift-http-types' terms, and what
/// HTTP/1.1 adds to it.
public struct HTTPResponseHead: Sendable, Hashable {
    /// Status and fields.
    public var response: HTTPResponse
    /// The response's version.
    public var version: HTTPVersion
    /// True if the connection may carry another request after this response's
    /// body (by version and `Connection`; never for a body delimited by the close).
    public var keepAlive: Bool
}

/// What ``HTTPResponseParser/parse(_:)`` found at the front of its input.
public enum HTTPResponseParserEvent: Sendable, Hashable {
    /// The input holds no complete event yet: read more and call again with all of it.
    case needMoreData
    /// An interim (1xx) response, such as `100 Continue`; the final one follows.
    case interim(HTTPResponseHead)
    /// The final response's head; its body (if any) follows.
    case head(HTTPResponseHead)
    /// Body bytes: these offsets of the input passed in.
    case body(Range<Int>)
    /// The end of the body, with a chunked body's trailer fields.
    case end(trailers: HTTPFields)
}

/// A strict, bounded parser of the response to one request: a pure state
/// machine over bytes, used as ``HTTPRequestParser`` is (pass the unconsumed
/// input, drop what each event consumed, read more on
/// ``HTTPResponseParserEvent/needMoreData``).
///
/// The framing follows RFC 9112 §6.3: no body for a `HEAD` request or a
/// 1xx/204/304 status; `chunked`; `Content-Length`; otherwise the body runs
/// until the server closes (call ``finishAtEndOfStream()`` then). It refuses
/// what the request parser refuses in fields, and `Transfer-Encoding` together
/// with `Content-Length`. Every limit is checked as bytes arrive.
public struct HTTPResponseParser: Sendable {
    private enum State: Sendable {
        case head(scanned: Int)
        case body(HTTPBodyDecoder)
        case done
        case failed(HTTPParseError)
    }

    /// The limits in force (``HTTPParserLimits/requestLineBytes`` bounds the status line).
    public let limits: HTTPParserLimits
    private let requestMethod: HTTPRequest.Method
    private var state = State.head(scanned: 0)

    /// Creates a parser for the response to a request with this method.
    public init(requestMethod: HTTPRequest.Method, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.requestMethod = requestMethod
        self.limits = limits
    }

    /// True once the response (head and body) is complete.
    public var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Parses the event at the front of `input` (the bytes not consumed yet).
    ///
    /// - Returns: the event and the number of bytes of `input` it consumed.
    /// - Throws: ``HTTPParseError``; every later call throws it again.
    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (event: HTTPResponseParserEvent, consumed: Int) {
        do {
            return try step(input)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// Ends the response at the end of the stream: its body was delimited by
    /// the close, or it was already complete.
    ///
    /// - Throws: ``HTTPParseError`` (400) if the response was cut short.
    public mutating func finishAtEndOfStream() throws(HTTPParseError) {
        switch state {
        case .done: return
        case .body(var decoder):
            try decoder.finishAtEndOfStream()
            state = .done
        case .head: throw .bad("connection closed before a complete response head")
        case .failed(let error): throw error
        }
    }

    private mutating func step(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (event: HTTPResponseParserEvent, consumed: Int) {
        switch state {
        case .failed(let error):
            throw error
        case .done:
            throw .bad("bytes after the end of the response")
        case .head(let scanned):
            guard let end = Self.endOfHead(input, from: scanned) else {
                if input.count > limits.headBytes {
                    throw HTTPParseError(.requestHeaderFieldsTooLarge, "response head over \(limits.headBytes) bytes")
                }
                state = .head(scanned: max(0, input.count - 3))
                return (.needMoreData, 0)
            }
            guard end <= limits.headBytes else {
                throw HTTPParseError(.requestHeaderFieldsTooLarge, "response head over \(limits.headBytes) bytes")
            }
            let (head, framing) = try parseHead(UnsafeRawBufferPointer(rebasing: input[0..<end]))
            if head.response.status.kind == .informational {
                state = .head(scanned: 0)
                return (.interim(head), end)
            }
            state = .body(framing)
            return (.head(head), end)
        case .body(var decoder):
            let (event, consumed) = try decoder.decode(input, limits: limits)
            switch event {
            case .needMoreData:
                state = .body(decoder)
                return (.needMoreData, consumed)
            case .body(let range):
                state = .body(decoder)
                return (.body(range), consumed)
            case .end(let trailers):
                state = .done
                return (.end(trailers: trailers), consumed)
            }
        }
    }

    /// The offset just past the head's empty line, scanning from `start`; nil
    /// if it has not arrived. A bare LF anywhere is refused when the head is parsed.
    private static func endOfHead(_ input: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var position = start
        while let lf = HTTPSyntax.find(HTTPSyntax.lf, in: input, from: position) {
            if lf >= 3, input[lf - 1] == HTTPSyntax.cr, input[lf - 2] == HTTPSyntax.lf, input[lf - 3] == HTTPSyntax.cr {
                return lf + 1
            }
            position = lf + 1
        }
        return nil
    }

    /// The status line and fields, and how the body is delimited.
    private func parseHead(_ head: UnsafeRawBufferPointer) throws(HTTPParseError) -> (HTTPResponseHead, HTTPBodyDecoder) {
        // Every line must end in CRLF: a bare CR or LF is refused.
        for i in 0..<head.count {
            if head[i] == HTTPSyntax.lf, i == 0 || head[i - 1] != HTTPSyntax.cr { throw .bad("bare LF in the response head") }
            if head[i] == HTTPSyntax.cr, i + 1 == head.count || head[i + 1] != HTTPSyntax.lf { throw .bad("bare CR in the response head") }
        }
        var lines = LineCursor(head)
        guard let statusLine = lines.next() else { throw .bad("empty response head") }
        guard statusLine.count + 2 <= limits.requestLineBytes else {
            throw HTTPParseError(.uriTooLong, "status line over \(limits.requestLineBytes) bytes")
        }
        let (version, status) = try Self.parseStatusLine(statusLine)

        var fields = HTTPFields()
        var count = 0
        var contentLengths: [UnsafeRawBufferPointer] = []
        var lastCoding: UnsafeRawBufferPointer?
        var sawTransferEncoding = false
        var connectionClose = false
        var connectionKeepAlive = false
        while let line = lines.next(), !line.isEmpty {
            let (name, value) = try HTTPSyntax.splitFieldLine(line)
            count += 1
            guard count <= limits.fieldCount else {
                throw HTTPParseError(.requestHeaderFieldsTooLarge, "more than \(limits.fieldCount) fields")
            }
            if HTTPSyntax.equalsIgnoringCase(name, "content-length") {
                contentLengths.append(value)
            } else if HTTPSyntax.equalsIgnoringCase(name, "transfer-encoding") {
                sawTransferEncoding = true
                if let last = HTTPSyntax.listElements(value).last { lastCoding = last }
            } else if HTTPSyntax.equalsIgnoringCase(name, "connection") {
                for token in HTTPSyntax.listElements(value) {
                    if HTTPSyntax.equalsIgnoringCase(token, "close") { connectionClose = true }
                    if HTTPSyntax.equalsIgnoringCase(token, "keep-alive") { connectionKeepAlive = true }
                }
            }
            guard let fieldName = HTTPField.Name(HTTPSyntax.string(name)) else { throw .bad("invalid field name") }
            fields.append(HTTPField(name: fieldName, value: value))
        }

        var keepAlive = version.minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        let code = status.code
        let decoder: HTTPBodyDecoder
        if requestMethod == .head || code < 200 || code == 204 || code == 304 {
            decoder = HTTPBodyDecoder(.none)
        } else if sawTransferEncoding {
            if !contentLengths.isEmpty { throw .bad("both Transfer-Encoding and Content-Length") }
            if let lastCoding, HTTPSyntax.equalsIgnoringCase(lastCoding, "chunked") {
                decoder = HTTPBodyDecoder(.chunked)
            } else {
                decoder = .untilClose()
            }
        } else if !contentLengths.isEmpty {
            decoder = HTTPBodyDecoder(.length(try Self.contentLength(contentLengths, limit: limits.bodyBytes)))
        } else {
            decoder = .untilClose()
        }
        if decoder.endsAtClose { keepAlive = false }
        let response = HTTPResponse(status: status, headerFields: fields)
        return (HTTPResponseHead(response: response, version: version, keepAlive: keepAlive), decoder)
    }

    /// `HTTP-version SP 3DIGIT SP [ reason-phrase ]` (the space and reason may be missing, as h11 allows).
    private static func parseStatusLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (HTTPVersion, HTTPResponse.Status) {
        guard line.count >= 12,
              line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"),
              line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/"), line[5] == UInt8(ascii: "1"),
              line[6] == UInt8(ascii: "."), (48...57).contains(line[7]), line[8] == HTTPSyntax.space,
              (48...57).contains(line[9]), (48...57).contains(line[10]), (48...57).contains(line[11])
        else { throw .bad("invalid status line") }
        let code = Int(line[9] - 48) * 100 + Int(line[10] - 48) * 10 + Int(line[11] - 48)
        guard code >= 100 else { throw .bad("invalid status code") }
        var reason = ""
        if line.count > 12 {
            guard line[12] == HTTPSyntax.space else { throw .bad("invalid status line") }
            let phrase = UnsafeRawBufferPointer(rebasing: line[13...])
            guard phrase.allSatisfy({ HTTPSyntax.isFieldValueByte[Int($0)] }) else { throw .bad("control character in the reason phrase") }
            reason = HTTPSyntax.string(phrase)
        }
        let version = HTTPVersion(major: 1, minor: min(1, Int(line[7] - 48)))
        return (version, HTTPResponse.Status(code: code, reasonPhrase: reason))
    }

    /// One Content-Length (identical repeats, as a list or as fields, collapse to one).
    private static func contentLength(_ values: [UnsafeRawBufferPointer], limit: Int) throws(HTTPParseError) -> Int {
        var length: Int?
        for value in values {
            let parts = HTTPSyntax.listElements(value)
            guard !parts.isEmpty else { throw .bad("invalid Content-Length") }
            for digits in parts {
                guard digits.allSatisfy({ (48...57).contains($0) }) else { throw .bad("invalid Content-Length") }
                guard digits.count <= 18 else { throw HTTPParseError(.contentTooLarge, "Content-Length too large") }
                let parsed = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
                if let length, length != parsed { throw .bad("differing Content-Length values") }
                length = parsed
            }
        }
        guard let length else { throw .bad("invalid Content-Length") }
        guard length <= limit else { throw HTTPParseError(.contentTooLarge, "Content-Length \(length) over \(limit)") }
        return length
    }
}

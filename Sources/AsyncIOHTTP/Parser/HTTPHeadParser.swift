import HTTPTypes

/// Parses a complete request head (request line and fields, CRLF-terminated
/// lines, ending with the empty line) into an ``HTTPRequestHead``, enforcing
/// RFC 9112's rules strictly: it rejects what llhttp's strict mode rejects, a
/// superset of h11's rejections (docs/10-http.md lists the classes).
enum HTTPHeadParser {
    /// The longest method accepted (longer: 501, as for an unknown method).
    static let maximumMethodBytes = 64

    static func parse(_ head: UnsafeRawBufferPointer, limits: HTTPParserLimits) throws(HTTPParseError) -> HTTPRequestHead {
        var lines = LineCursor(head)
        guard let requestLine = lines.next() else { throw .bad("empty request head") }
        let (method, target, version) = try parseRequestLine(requestLine, limits: limits)

        var fields = HTTPFields()
        var fieldCount = 0
        var host: UnsafeRawBufferPointer?
        var hostCount = 0
        var contentLengths: [UnsafeRawBufferPointer] = []
        var codings: [UnsafeRawBufferPointer] = []
        var sawTransferEncoding = false
        var connectionClose = false
        var connectionKeepAlive = false
        var expectation: UnsafeRawBufferPointer?
        while let line = lines.next() {
            if line.isEmpty { break }
            let (name, value) = try HTTPSyntax.splitFieldLine(line)
            fieldCount += 1
            guard fieldCount <= limits.fieldCount else {
                throw HTTPParseError(.requestHeaderFieldsTooLarge, "more than \(limits.fieldCount) fields")
            }
            if HTTPSyntax.equalsIgnoringCase(name, "host") {
                hostCount += 1
                host = value
                continue  // becomes the request's authority
            } else if HTTPSyntax.equalsIgnoringCase(name, "content-length") {
                contentLengths.append(contentsOf: value.isEmpty ? [value] : splitList(value))
            } else if HTTPSyntax.equalsIgnoringCase(name, "transfer-encoding") {
                sawTransferEncoding = true
                codings.append(contentsOf: HTTPSyntax.listElements(value))
            } else if HTTPSyntax.equalsIgnoringCase(name, "connection") {
                for token in HTTPSyntax.listElements(value) {
                    if HTTPSyntax.equalsIgnoringCase(token, "close") { connectionClose = true }
                    if HTTPSyntax.equalsIgnoringCase(token, "keep-alive") { connectionKeepAlive = true }
                }
            } else if HTTPSyntax.equalsIgnoringCase(name, "expect") {
                expectation = value
            }
            // The name is a token, so this never fails.
            guard let fieldName = HTTPField.Name(HTTPSyntax.string(name)) else { throw .bad("invalid field name") }
            fields.append(HTTPField(name: fieldName, value: value))
        }

        // Host (RFC 9112 §3.2): exactly one in HTTP/1.1, at most one in HTTP/1.0.
        if hostCount > 1 { throw .bad("more than one Host field") }
        if version.minor >= 1 && hostCount == 0 { throw .bad("HTTP/1.1 request without Host") }
        if let host, !host.allSatisfy({ HTTPSyntax.isAuthorityByte[Int($0)] }) { throw .bad("invalid Host") }

        let framing = try bodyFraming(
            version: version, contentLengths: contentLengths, sawTransferEncoding: sawTransferEncoding,
            codings: codings, limits: limits)

        var expectsContinue = false
        if let expectation, version.minor >= 1, !expectation.isEmpty {
            guard HTTPSyntax.equalsIgnoringCase(expectation, "100-continue") else {
                throw HTTPParseError(.expectationFailed, "unsupported expectation")
            }
            expectsContinue = true
        }
        let keepAlive = version.minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)

        guard let requestMethod = HTTPRequest.Method(HTTPSyntax.string(method)) else { throw .bad("invalid method") }
        if requestMethod == .connect {
            throw HTTPParseError(.notImplemented, "CONNECT (tunnels are not supported)")
        }
        let request = HTTPRequest(
            method: requestMethod, scheme: nil, authority: host.map(HTTPSyntax.string),
            path: HTTPSyntax.string(target), headerFields: fields)
        return HTTPRequestHead(
            request: request, version: version, framing: framing, keepAlive: keepAlive, expectsContinue: expectsContinue)
    }

    /// `method SP request-target SP HTTP-version`, single spaces.
    private static func parseRequestLine(
        _ line: UnsafeRawBufferPointer, limits: HTTPParserLimits
    ) throws(HTTPParseError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer, HTTPVersion) {
        guard line.count + 2 <= limits.requestLineBytes else {
            throw HTTPParseError(.uriTooLong, "request line over \(limits.requestLineBytes) bytes")
        }
        guard let firstSpace = line.firstIndex(of: HTTPSyntax.space) else { throw .bad("malformed request line") }
        let method = UnsafeRawBufferPointer(rebasing: line[0..<firstSpace])
        guard !method.isEmpty, method.allSatisfy({ HTTPSyntax.isTokenByte[Int($0)] }) else { throw .bad("invalid method") }
        if method.count > maximumMethodBytes { throw HTTPParseError(.notImplemented, "method over \(maximumMethodBytes) bytes") }
        // The version is the last 8 bytes: "HTTP/d.d", after one space.
        guard line.count >= firstSpace + 1 + 1 + 1 + 8, line[line.count - 9] == HTTPSyntax.space else {
            throw .bad("malformed request line")
        }
        let target = UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<(line.count - 9)])
        guard !target.isEmpty, target.allSatisfy({ HTTPSyntax.isTargetByte[Int($0)] }) else {
            throw .bad("invalid request target")
        }
        let version = UnsafeRawBufferPointer(rebasing: line[(line.count - 8)...])
        guard version[0] == UInt8(ascii: "H"), version[1] == UInt8(ascii: "T"), version[2] == UInt8(ascii: "T"),
              version[3] == UInt8(ascii: "P"), version[4] == UInt8(ascii: "/"), version[6] == UInt8(ascii: "."),
              (48...57).contains(version[5]), (48...57).contains(version[7])
        else { throw .bad("invalid HTTP version") }
        let major = Int(version[5] - 48)
        let minor = Int(version[7] - 48)
        guard major == 1 else { throw HTTPParseError(.httpVersionNotSupported, "HTTP/\(major).\(minor)") }
        // A later 1.x is served as 1.1 (RFC 9110 §6.2).
        return (method, target, HTTPVersion(major: 1, minor: min(minor, 1)))
    }

    /// RFC 9112 §6.3, strictly: Transfer-Encoding and Content-Length together,
    /// a coding other than a final `chunked`, or any doubtful Content-Length is refused.
    private static func bodyFraming(
        version: HTTPVersion, contentLengths: [UnsafeRawBufferPointer], sawTransferEncoding: Bool,
        codings: [UnsafeRawBufferPointer], limits: HTTPParserLimits
    ) throws(HTTPParseError) -> HTTPBodyFraming {
        if sawTransferEncoding {
            if version.minor == 0 { throw .bad("Transfer-Encoding in an HTTP/1.0 request") }
            if !contentLengths.isEmpty { throw .bad("both Transfer-Encoding and Content-Length") }
            guard let last = codings.last, HTTPSyntax.equalsIgnoringCase(last, "chunked") else {
                throw .bad("Transfer-Encoding does not end in chunked")
            }
            for coding in codings.dropLast() {
                if HTTPSyntax.equalsIgnoringCase(coding, "chunked") { throw .bad("chunked applied twice") }
                throw HTTPParseError(.notImplemented, "transfer coding other than chunked")
            }
            return .chunked
        }
        guard !contentLengths.isEmpty else { return .none }
        guard contentLengths.count == 1 else { throw .bad("more than one Content-Length") }
        let digits = contentLengths[0]
        guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }) else { throw .bad("invalid Content-Length") }
        guard digits.count <= 18 else { throw HTTPParseError(.contentTooLarge, "Content-Length too large") }
        let length = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        guard length <= limits.bodyBytes else {
            throw HTTPParseError(.contentTooLarge, "Content-Length \(length) over \(limits.bodyBytes)")
        }
        return length == 0 ? .none : .length(length)
    }

    /// A Content-Length value split at commas (each part trimmed, empty parts kept
    /// so that `3,,3` and `3,` are refused).
    private static func splitList(_ bytes: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var parts: [UnsafeRawBufferPointer] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: ",") {
            parts.append(HTTPSyntax.trimmingWhitespace(UnsafeRawBufferPointer(rebasing: bytes[start..<i])))
            start = i + 1
        }
        return parts
    }
}

/// The CRLF-terminated lines of a buffer already checked to hold no bare CR or LF.
struct LineCursor {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next line without its CRLF, or nil at the end.
    mutating func next() -> UnsafeRawBufferPointer? {
        guard position < bytes.count else { return nil }
        var end = position
        while end + 1 < bytes.count, !(bytes[end] == HTTPSyntax.cr && bytes[end + 1] == HTTPSyntax.lf) { end += 1 }
        guard end + 1 < bytes.count else { return nil }
        let line = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
        position = end + 2
        return line
    }
}

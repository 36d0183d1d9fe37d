public import HTTPTypes
#if canImport(Glibc)
import Glibc
#endif

/// What ``HTTPRequestParser/parse(_:)`` found at the front of its input.
public enum HTTPParserEvent: Sendable, Hashable {
    /// The input holds no complete event yet: read more and call again with all of it.
    case needMoreData
    /// A request head; its body (if any) follows.
    case head(HTTPRequestHead)
    /// Body bytes: these offsets of the input passed in (valid until the caller
    /// drops them; the parser keeps no pointer).
    case body(Range<Int>)
    /// The end of the request's body, with a chunked body's trailer fields
    /// (kept apart from the head's fields, RFC 9110 §6.5.1). The next request may follow.
    case end(trailers: HTTPFields)
}

/// A strict, bounded HTTP/1.1 request parser: a pure state machine over bytes,
/// with no I/O and no buffer of its own.
///
/// The caller keeps the bytes: it passes the unconsumed input, gets one event
/// and how many bytes that event consumed, drops those bytes, and calls again
/// (after reading more, on ``HTTPParserEvent/needMoreData``). A request head
/// is parsed once its empty line has arrived, so a head is never parsed twice;
/// the scan for that line resumes where it stopped. Requests may be pipelined:
/// after ``HTTPParserEvent/end(trailers:)`` the next head is parsed.
///
/// Every limit is checked as bytes arrive, so a peer cannot make the caller
/// buffer more than ``HTTPParserLimits/headBytes`` of head or one chunk line of
/// framing. Any error means the connection must be closed: its framing is lost.
public struct HTTPRequestParser: Sendable {
    private enum State: Sendable {
        /// Looking for the end of a head; `scanned` bytes of the input were
        /// checked already, `lineStart` is where the current line starts.
        case head(scanned: Int, lineStart: Int, lines: Int)
        case fixedBody(remaining: Int)
        case chunkSize(total: Int)
        case chunkData(remaining: Int, total: Int)
        case chunkDataEnd(total: Int)
        case trailers(scanned: Int, lineStart: Int, total: Int)
        case bodyDone
        case failed(HTTPParseError)
    }

    /// The limits in force.
    public let limits: HTTPParserLimits
    private var state = State.head(scanned: 0, lineStart: 0, lines: 0)

    /// Empty lines accepted before a request line (RFC 9112 §2.2 asks to ignore at least one).
    static let maximumLeadingEmptyLines = 4

    /// Creates a parser expecting a request head.
    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// True between requests: nothing of a next request has been parsed yet
    /// (a connection closed here ends cleanly).
    public var isAtRequestBoundary: Bool {
        if case .head(let scanned, _, _) = state { return scanned == 0 }
        return false
    }

    /// Parses the event at the front of `input` (the bytes not consumed yet).
    ///
    /// - Returns: the event and the number of bytes of `input` it consumed.
    /// - Throws: ``HTTPParseError`` with the status to answer; every later
    ///   call throws it again.
    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (event: HTTPParserEvent, consumed: Int) {
        do {
            return try step(input)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (event: HTTPParserEvent, consumed: Int) {
        switch state {
        case .failed(let error):
            throw error
        case .head(let scanned, let lineStart, let lines):
            return try scanHead(input, from: scanned, lineStart: lineStart, lines: lines)
        case .fixedBody(let remaining):
            if remaining == 0 {
                state = .head(scanned: 0, lineStart: 0, lines: 0)
                return (.end(trailers: [:]), 0)
            }
            guard !input.isEmpty else { return (.needMoreData, 0) }
            let count = min(remaining, input.count)
            state = .fixedBody(remaining: remaining - count)
            return (.body(0..<count), count)
        case .chunkSize(let total):
            return try parseChunkSize(input, total: total)
        case .chunkData(let remaining, let total):
            guard !input.isEmpty else { return (.needMoreData, 0) }
            let count = min(remaining, input.count)
            state = remaining == count ? .chunkDataEnd(total: total) : .chunkData(remaining: remaining - count, total: total)
            return (.body(0..<count), count)
        case .chunkDataEnd(let total):
            guard input.count >= 2 else {
                if input.count == 1 && input[0] != HTTPSyntax.cr { throw .bad("chunk data not followed by CRLF") }
                return (.needMoreData, 0)
            }
            guard input[0] == HTTPSyntax.cr, input[1] == HTTPSyntax.lf else { throw .bad("chunk data not followed by CRLF") }
            state = .chunkSize(total: total)
            return Self.after(2, try step(UnsafeRawBufferPointer(rebasing: input[2...])))
        case .trailers(let scanned, let lineStart, let total):
            return try scanTrailers(input, from: scanned, lineStart: lineStart, total: total)
        case .bodyDone:
            state = .head(scanned: 0, lineStart: 0, lines: 0)
            return (.end(trailers: [:]), 0)
        }
    }

    // MARK: Head

    private mutating func scanHead(
        _ input: UnsafeRawBufferPointer, from scanned: Int, lineStart: Int, lines: Int
    ) throws(HTTPParseError) -> (event: HTTPParserEvent, consumed: Int) {
        var lineStart = lineStart
        var lines = lines
        var position = scanned
        while position < input.count {
            guard let lf = Self.find(HTTPSyntax.lf, in: input, from: position) else {
                position = input.count
                break
            }
            guard lf > 0, input[lf - 1] == HTTPSyntax.cr else { throw .bad("bare LF as a line end") }
            let lineLength = lf - 1 - lineStart
            if lineLength == 0 {
                if lines == 0 {
                    // An empty line before the request line: skip it (RFC 9112 §2.2).
                    guard lf + 1 <= 2 * Self.maximumLeadingEmptyLines else { throw .bad("too many empty lines before the request") }
                    lineStart = lf + 1
                    position = lf + 1
                    continue
                }
                // The empty line: the head is complete.
                let headStart = Self.leadingEmptyLineBytes(input)
                let head = try HTTPHeadParser.parse(
                    UnsafeRawBufferPointer(rebasing: input[headStart...lf]), limits: limits)
                switch head.framing {
                case .none: state = .bodyDone
                case .length(let length): state = .fixedBody(remaining: length)
                case .chunked: state = .chunkSize(total: 0)
                }
                return (.head(head), lf + 1)
            }
            if lines == 0, lf + 1 - lineStart > limits.requestLineBytes {
                throw HTTPParseError(.uriTooLong, "request line over \(limits.requestLineBytes) bytes")
            }
            lines += 1
            lineStart = lf + 1
            position = lf + 1
            if lineStart - Self.leadingEmptyLineBytes(input) > limits.headBytes { break }
        }
        let headBytes = input.count - Self.leadingEmptyLineBytes(input)
        if lines == 0 && input.count - lineStart > limits.requestLineBytes {
            throw HTTPParseError(.uriTooLong, "request line over \(limits.requestLineBytes) bytes")
        }
        if headBytes > limits.headBytes {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "request head over \(limits.headBytes) bytes")
        }
        state = .head(scanned: position, lineStart: lineStart, lines: lines)
        return (.needMoreData, 0)
    }

    /// The bytes of the empty lines before the request line.
    private static func leadingEmptyLineBytes(_ input: UnsafeRawBufferPointer) -> Int {
        var i = 0
        while i + 1 < input.count, input[i] == HTTPSyntax.cr, input[i + 1] == HTTPSyntax.lf { i += 2 }
        return i
    }

    // MARK: Chunked body

    /// `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1); extensions are checked and ignored.
    private mutating func parseChunkSize(_ input: UnsafeRawBufferPointer, total: Int) throws(HTTPParseError) -> (event: HTTPParserEvent, consumed: Int) {
        guard let lf = Self.find(HTTPSyntax.lf, in: input, from: 0, limit: limits.chunkLineBytes) else {
            if input.count >= limits.chunkLineBytes { throw .bad("chunk size line over \(limits.chunkLineBytes) bytes") }
            return (.needMoreData, 0)
        }
        guard lf > 0, input[lf - 1] == HTTPSyntax.cr else { throw .bad("bare LF in a chunk size line") }
        let line = UnsafeRawBufferPointer(rebasing: input[0..<(lf - 1)])
        var size = 0
        var digits = 0
        while digits < line.count, let value = Self.hexValue(line[digits]) {
            guard digits < 15 else { throw HTTPParseError(.contentTooLarge, "chunk size overflows") }
            size = size << 4 | value
            digits += 1
        }
        guard digits > 0 else { throw .bad("chunk size is not hexadecimal") }
        try Self.checkChunkExtensions(UnsafeRawBufferPointer(rebasing: line[digits...]))
        let newTotal = total + size
        guard newTotal <= limits.bodyBytes else {
            throw HTTPParseError(.contentTooLarge, "chunked body over \(limits.bodyBytes) bytes")
        }
        if size == 0 {
            state = .trailers(scanned: 0, lineStart: 0, total: 0)
            return Self.after(lf + 1, try scanTrailers(UnsafeRawBufferPointer(rebasing: input[(lf + 1)...]), from: 0, lineStart: 0, total: 0))
        }
        state = .chunkData(remaining: size, total: newTotal)
        return Self.after(lf + 1, try step(UnsafeRawBufferPointer(rebasing: input[(lf + 1)...])))
    }

    /// `*( ";" token [ "=" ( token / quoted-string ) ] )`, with no whitespace
    /// (h11 refuses it, RFC 9112's BWS is "bad" whitespace): checked, then ignored.
    private static func checkChunkExtensions(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) {
        var i = 0
        func token() -> Bool {
            let start = i
            while i < bytes.count, HTTPSyntax.isTokenByte[Int(bytes[i])] { i += 1 }
            return i > start
        }
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: ";") else { throw .bad("invalid chunk extension") }
            i += 1
            guard token() else { throw .bad("invalid chunk extension name") }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { continue }
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < bytes.count {
                    let b = bytes[i]
                    if b == UInt8(ascii: "\\") {
                        guard i + 1 < bytes.count, HTTPSyntax.isFieldValueByte[Int(bytes[i + 1])] else { throw .bad("invalid chunk extension value") }
                        i += 2
                        continue
                    }
                    i += 1
                    if b == UInt8(ascii: "\"") { closed = true; break }
                    guard HTTPSyntax.isFieldValueByte[Int(b)] else { throw .bad("invalid chunk extension value") }
                }
                guard closed else { throw .bad("unterminated chunk extension value") }
            } else {
                guard token() else { throw .bad("invalid chunk extension value") }
            }
        }
    }

    /// The trailer section after the last chunk, up to its empty line.
    private mutating func scanTrailers(
        _ input: UnsafeRawBufferPointer, from scanned: Int, lineStart: Int, total: Int
    ) throws(HTTPParseError) -> (event: HTTPParserEvent, consumed: Int) {
        var lineStart = lineStart
        var position = scanned
        while position < input.count {
            guard let lf = Self.find(HTTPSyntax.lf, in: input, from: position) else {
                position = input.count
                break
            }
            guard lf > 0, input[lf - 1] == HTTPSyntax.cr else { throw .bad("bare LF in the trailer section") }
            if lf - 1 == lineStart {
                let trailers = try Self.parseTrailers(UnsafeRawBufferPointer(rebasing: input[0...lf]), limits: limits)
                state = .head(scanned: 0, lineStart: 0, lines: 0)
                return (.end(trailers: trailers), lf + 1)
            }
            lineStart = lf + 1
            position = lf + 1
        }
        if input.count > limits.trailerBytes {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "trailer section over \(limits.trailerBytes) bytes")
        }
        state = .trailers(scanned: position, lineStart: lineStart, total: total)
        return (.needMoreData, 0)
    }

    /// Trailer fields, validated as header fields are.
    private static func parseTrailers(_ section: UnsafeRawBufferPointer, limits: HTTPParserLimits) throws(HTTPParseError) -> HTTPFields {
        var fields = HTTPFields()
        var lines = LineCursor(section)
        var count = 0
        while let line = lines.next(), !line.isEmpty {
            if line[0] == HTTPSyntax.space || line[0] == HTTPSyntax.tab { throw .bad("obsolete line folding in a trailer") }
            guard let colon = line.firstIndex(of: HTTPSyntax.colon) else { throw .bad("trailer line without a colon") }
            let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
            guard !name.isEmpty, name.allSatisfy({ HTTPSyntax.isTokenByte[Int($0)] }),
                  let fieldName = HTTPField.Name(HTTPSyntax.string(name))
            else { throw .bad("invalid trailer name") }
            let value = HTTPSyntax.trimmingWhitespace(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
            guard value.allSatisfy({ HTTPSyntax.isFieldValueByte[Int($0)] }) else { throw .bad("control character in a trailer") }
            count += 1
            guard count <= limits.fieldCount else {
                throw HTTPParseError(.requestHeaderFieldsTooLarge, "more than \(limits.fieldCount) trailer fields")
            }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    // MARK: Bytes

    /// `result`, parsed from the input after `prefix` bytes of framing: its
    /// consumed count and a body's offsets are shifted to count from the input's start.
    @inline(__always)
    private static func after(_ prefix: Int, _ result: (event: HTTPParserEvent, consumed: Int)) -> (event: HTTPParserEvent, consumed: Int) {
        if case .body(let range) = result.event {
            return (.body((range.lowerBound + prefix)..<(range.upperBound + prefix)), result.consumed + prefix)
        }
        return (result.event, result.consumed + prefix)
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: return Int(byte - 48)
        case 65...70: return Int(byte - 55)
        case 97...102: return Int(byte - 87)
        default: return nil
        }
    }

    /// The index of the first `byte` in `input` at or after `start` (and before `start + limit`).
    @inline(__always)
    private static func find(_ byte: UInt8, in input: UnsafeRawBufferPointer, from start: Int, limit: Int = .max) -> Int? {
        let end = limit == .max ? input.count : min(input.count, start + limit)
        guard start < end, let base = input.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}

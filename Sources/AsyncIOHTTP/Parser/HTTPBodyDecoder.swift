import HTTPTypes
#if canImport(Glibc)
import Glibc
#endif

/// What ``HTTPBodyDecoder/decode(_:limits:)`` found at the front of its input.
enum HTTPBodyEvent: Sendable, Hashable {
    /// No complete event yet: read more and call again with all unconsumed input.
    case needMoreData
    /// Body bytes: these offsets of the input passed in.
    case body(Range<Int>)
    /// The end of the body, with a chunked body's trailer fields.
    case end(trailers: HTTPFields)
}

/// Decodes one message body (RFC 9112 §6–7): a fixed length, `chunked` with
/// extensions and trailers, or (responses only) everything until the peer
/// closes. A pure state machine over bytes, shared by the request and response
/// parsers: the caller keeps the bytes and drops what each event consumed.
///
/// Every limit is checked as bytes arrive: the body's total, a chunk-size
/// line, the trailer section and its field count.
struct HTTPBodyDecoder: Sendable {
    private enum State: Sendable {
        case length(remaining: Int)
        case chunkSize(total: Int)
        case chunkData(remaining: Int, total: Int)
        case chunkDataEnd(total: Int)
        /// `scanned` bytes of the trailer section were checked; `lineStart` is where the current line starts.
        case trailers(scanned: Int, lineStart: Int)
        case untilClose(total: Int)
        case done
    }

    private var state: State

    /// A decoder for a body with this framing.
    init(_ framing: HTTPBodyFraming) {
        switch framing {
        case .none: state = .done
        case .length(let length): state = length == 0 ? .done : .length(remaining: length)
        case .chunked: state = .chunkSize(total: 0)
        }
    }

    /// A decoder for a response body delimited by the end of the connection.
    static func untilClose() -> HTTPBodyDecoder {
        var decoder = HTTPBodyDecoder(.none)
        decoder.state = .untilClose(total: 0)
        return decoder
    }

    /// True if the body ends when the connection does.
    var endsAtClose: Bool {
        if case .untilClose = state { return true }
        return false
    }

    /// Decodes the event at the front of `input`.
    ///
    /// - Returns: the event and the bytes of `input` it consumed.
    /// - Throws: ``HTTPParseError`` (400, 413 or 431) on bad framing or a limit passed.
    mutating func decode(_ input: UnsafeRawBufferPointer, limits: HTTPParserLimits) throws(HTTPParseError) -> (event: HTTPBodyEvent, consumed: Int) {
        switch state {
        case .done:
            return (.end(trailers: [:]), 0)
        case .length(let remaining):
            guard !input.isEmpty else { return (.needMoreData, 0) }
            let count = min(remaining, input.count)
            state = remaining == count ? .done : .length(remaining: remaining - count)
            return (.body(0..<count), count)
        case .untilClose(let total):
            guard !input.isEmpty else { return (.needMoreData, 0) }
            guard input.count <= limits.bodyBytes - total else {
                throw HTTPParseError(.contentTooLarge, "body over \(limits.bodyBytes) bytes")
            }
            state = .untilClose(total: total + input.count)
            return (.body(0..<input.count), input.count)
        case .chunkSize(let total):
            return try decodeChunkSize(input, total: total, limits: limits)
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
            return Self.after(2, try decode(UnsafeRawBufferPointer(rebasing: input[2...]), limits: limits))
        case .trailers(let scanned, let lineStart):
            return try scanTrailers(input, from: scanned, lineStart: lineStart, limits: limits)
        }
    }

    /// Ends a body at the end of the stream: fine for a body delimited by the
    /// close (and for a body already complete); otherwise the message was cut short.
    ///
    /// - Throws: ``HTTPParseError`` (400) if the body was incomplete.
    mutating func finishAtEndOfStream() throws(HTTPParseError) {
        switch state {
        case .untilClose, .done: state = .done
        default: throw .bad("connection closed in the middle of a body")
        }
    }

    // MARK: Chunked

    /// `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1); extensions are checked and ignored.
    private mutating func decodeChunkSize(
        _ input: UnsafeRawBufferPointer, total: Int, limits: HTTPParserLimits
    ) throws(HTTPParseError) -> (event: HTTPBodyEvent, consumed: Int) {
        guard let lf = HTTPSyntax.find(HTTPSyntax.lf, in: input, from: 0, limit: limits.chunkLineBytes) else {
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
        let rest = UnsafeRawBufferPointer(rebasing: input[(lf + 1)...])
        if size == 0 {
            state = .trailers(scanned: 0, lineStart: 0)
            return Self.after(lf + 1, try scanTrailers(rest, from: 0, lineStart: 0, limits: limits))
        }
        state = .chunkData(remaining: size, total: newTotal)
        return Self.after(lf + 1, try decode(rest, limits: limits))
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
        _ input: UnsafeRawBufferPointer, from scanned: Int, lineStart: Int, limits: HTTPParserLimits
    ) throws(HTTPParseError) -> (event: HTTPBodyEvent, consumed: Int) {
        var lineStart = lineStart
        var position = scanned
        while position < input.count {
            guard let lf = HTTPSyntax.find(HTTPSyntax.lf, in: input, from: position) else {
                position = input.count
                break
            }
            guard lf > 0, input[lf - 1] == HTTPSyntax.cr else { throw .bad("bare LF in the trailer section") }
            if lf - 1 == lineStart {
                let trailers = try Self.parseTrailers(UnsafeRawBufferPointer(rebasing: input[0...lf]), limits: limits)
                state = .done
                return (.end(trailers: trailers), lf + 1)
            }
            lineStart = lf + 1
            position = lf + 1
        }
        if input.count > limits.trailerBytes {
            throw HTTPParseError(.requestHeaderFieldsTooLarge, "trailer section over \(limits.trailerBytes) bytes")
        }
        state = .trailers(scanned: position, lineStart: lineStart)
        return (.needMoreData, 0)
    }

    /// Trailer fields, validated as header fields are.
    private static func parseTrailers(_ section: UnsafeRawBufferPointer, limits: HTTPParserLimits) throws(HTTPParseError) -> HTTPFields {
        var fields = HTTPFields()
        var lines = LineCursor(section)
        var count = 0
        while let line = lines.next(), !line.isEmpty {
            let (name, value) = try HTTPSyntax.splitFieldLine(line)
            count += 1
            guard count <= limits.fieldCount else {
                throw HTTPParseError(.requestHeaderFieldsTooLarge, "more than \(limits.fieldCount) trailer fields")
            }
            guard let fieldName = HTTPField.Name(HTTPSyntax.string(name)) else { throw .bad("invalid trailer name") }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    // MARK: Bytes

    /// `result`, decoded from the input after `prefix` bytes of framing: its
    /// consumed count and a body's offsets are shifted to count from the input's start.
    @inline(__always)
    private static func after(_ prefix: Int, _ result: (event: HTTPBodyEvent, consumed: Int)) -> (event: HTTPBodyEvent, consumed: Int) {
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
}

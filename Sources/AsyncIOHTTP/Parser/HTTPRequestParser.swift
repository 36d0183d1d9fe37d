public import HTTPTypes

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
        case body(HTTPBodyDecoder)
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
                state = .head(scanned: 0, lineStart: 0, lines: 0)
                return (.end(trailers: trailers), consumed)
            }
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
            guard let lf = HTTPSyntax.find(HTTPSyntax.lf, in: input, from: position) else {
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
                state = .body(HTTPBodyDecoder(head.framing))
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
}

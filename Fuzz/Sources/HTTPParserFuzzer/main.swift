// libFuzzer entry point for the HTTP parsers: the input's first byte picks
// the parser (below 0x80 HTTPRequestParser; above, HTTPResponseParser, for a
// HEAD request when bit 6 is set) and the size of the pieces the rest is fed
// in. Checked: the parser's promises: no crash, no read past the input,
// consumption within what was passed, body offsets inside the input,
// progress on every call, errors that stay, and the limits.
import AsyncIOHTTP
import HTTPTypes

let limits = HTTPParserLimits(requestLineBytes: 256, headBytes: 1024, fieldCount: 16, bodyBytes: 4096,
                              chunkLineBytes: 64, trailerBytes: 256)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let split = Int(bytes[0] % 17) + 1
    let input = Array(bytes.dropFirst())
    if bytes[0] < 0x80 {
        var parser = HTTPRequestParser(limits: limits)
        feed(input, split: split, parse: { try parser.parse($0) }) { event in
            switch event {
            case .needMoreData: return .needMoreData
            case .head(let head):
                if case .length(let length) = head.framing { precondition(length <= limits.bodyBytes) }
                return .head(fields: head.request.headerFields.count)
            case .body(let range): return .body(range)
            case .end: return .end(last: false)  // the next request may follow
            }
        }
    } else {
        let method: HTTPRequest.Method = bytes[0] & 0x40 != 0 ? .head : .get
        var parser = HTTPResponseParser(requestMethod: method, limits: limits)
        feed(input, split: split, parse: { try parser.parse($0) }) { event in
            switch event {
            case .needMoreData: return .needMoreData
            case .interim(let head), .head(let head): return .head(fields: head.response.headerFields.count)
            case .body(let range):
                precondition(method != .head, "a body for HEAD")
                return .body(range)
            case .end:
                precondition(parser.isComplete)
                return .end(last: true)
            }
        }
        // The end of the input is the end of the stream.
        try? parser.finishAtEndOfStream()
    }
    return 0
}

/// What the checks need to know of either parser's event.
enum Step {
    case needMoreData
    case head(fields: Int)
    case body(Range<Int>)
    /// The end of a message; `last` if nothing may follow it.
    case end(last: Bool)
}

/// Feeds `input` to `parse` in pieces of `split` bytes, keeping the unconsumed
/// bytes as a caller does, and checks every event `describe` translates.
func feed<Event>(
    _ input: [UInt8], split: Int,
    parse: (UnsafeRawBufferPointer) throws -> (event: Event, consumed: Int),
    describe: (Event) -> Step
) {
    var buffer: [UInt8] = []
    var fed = 0
    var bodyBytes = 0
    while true {
        let piece = min(split, input.count - fed)
        buffer += input[fed..<(fed + piece)]
        fed += piece
        var idle = 0
        while true {
            let event: Event
            let consumed: Int
            do {
                (event, consumed) = try buffer.withUnsafeBytes { try parse($0) }
            } catch {
                // An error must be final.
                var failsAgain = false
                do {
                    _ = try buffer.withUnsafeBytes { try parse($0) }
                } catch {
                    failsAgain = true
                }
                precondition(failsAgain, "error not final")
                return
            }
            precondition(consumed >= 0 && consumed <= buffer.count, "consumed \(consumed) of \(buffer.count)")
            let step = describe(event)
            switch step {
            case .needMoreData:
                buffer.removeFirst(consumed)
                precondition(buffer.count <= limits.headBytes + 2 * split + 64, "buffered \(buffer.count) bytes without an event")
            case .head(let fields):
                precondition(fields <= limits.fieldCount)
            case .body(let range):
                precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count && !range.isEmpty, "body \(range) of \(buffer.count)")
                bodyBytes += range.count
                precondition(bodyBytes <= limits.bodyBytes, "body over the limit")
            case .end(let last):
                if last { return }
                bodyBytes = 0
            }
            if case .needMoreData = step { break }
            buffer.removeFirst(consumed)
            idle = consumed == 0 ? idle + 1 : 0
            precondition(idle < 3, "no progress")
        }
        if fed == input.count { return }
    }
}

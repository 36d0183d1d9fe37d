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
    if bytes[0] >= 0x80 {
        fuzzResponse(input, split: split, method: bytes[0] & 0x40 != 0 ? .head : .get)
        return 0
    }
    var parser = HTTPRequestParser(limits: limits)
    var buffer: [UInt8] = []
    var fed = 0
    var bodyBytes = 0
    while true {
        let piece = min(split, input.count - fed)
        buffer += input[fed..<(fed + piece)]
        fed += piece
        var idle = 0
        while true {
            let step: (event: HTTPParserEvent, consumed: Int)
            do {
                step = try buffer.withUnsafeBytes { try parser.parse($0) }
            } catch {
                // An error must be final.
                precondition((try? buffer.withUnsafeBytes { try parser.parse($0) }) == nil, "error not final")
                return 0
            }
            precondition(step.consumed >= 0 && step.consumed <= buffer.count, "consumed \(step.consumed) of \(buffer.count)")
            switch step.event {
            case .needMoreData:
                buffer.removeFirst(step.consumed)
                precondition(buffer.count <= limits.headBytes + 2 * split + 64, "buffered \(buffer.count) bytes without an event")
                break
            case .head(let head):
                if case .length(let length) = head.framing { precondition(length <= limits.bodyBytes) }
                precondition(head.request.headerFields.count <= limits.fieldCount)
            case .body(let range):
                precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count && !range.isEmpty, "body \(range) of \(buffer.count)")
                bodyBytes += range.count
                precondition(bodyBytes <= limits.bodyBytes, "body over the limit")
            case .end:
                bodyBytes = 0
            }
            if case .needMoreData = step.event { break }
            buffer.removeFirst(step.consumed)
            idle = step.consumed == 0 ? idle + 1 : 0
            precondition(idle < 3, "no progress")
        }
        if fed == input.count { return 0 }
    }
}

/// The response parser, fed as the request parser is; the end of the input is
/// the end of the stream.
func fuzzResponse(_ input: [UInt8], split: Int, method: HTTPRequest.Method) {
    var parser = HTTPResponseParser(requestMethod: method, limits: limits)
    var buffer: [UInt8] = []
    var fed = 0
    var bodyBytes = 0
    while true {
        let piece = min(split, input.count - fed)
        buffer += input[fed..<(fed + piece)]
        fed += piece
        var idle = 0
        while true {
            let step: (event: HTTPResponseParserEvent, consumed: Int)
            do {
                step = try buffer.withUnsafeBytes { try parser.parse($0) }
            } catch {
                precondition((try? buffer.withUnsafeBytes { try parser.parse($0) }) == nil, "error not final")
                return
            }
            precondition(step.consumed >= 0 && step.consumed <= buffer.count, "consumed \(step.consumed) of \(buffer.count)")
            switch step.event {
            case .needMoreData:
                buffer.removeFirst(step.consumed)
                precondition(buffer.count <= limits.headBytes + 2 * split + 64, "buffered \(buffer.count) bytes without an event")
            case .interim(let head), .head(let head):
                precondition(head.response.headerFields.count <= limits.fieldCount)
            case .body(let range):
                precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count && !range.isEmpty, "body \(range) of \(buffer.count)")
                precondition(method != .head, "a body for HEAD")
                bodyBytes += range.count
                precondition(bodyBytes <= limits.bodyBytes, "body over the limit")
            case .end:
                precondition(parser.isComplete)
                return
            }
            if case .needMoreData = step.event { break }
            buffer.removeFirst(step.consumed)
            idle = step.consumed == 0 ? idle + 1 : 0
            precondition(idle < 3, "no progress")
        }
        if fed == input.count {
            try? parser.finishAtEndOfStream()
            return
        }
    }
}

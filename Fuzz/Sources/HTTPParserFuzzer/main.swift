// libFuzzer entry point for HTTPRequestParser: feeds the input in pieces whose
// sizes come from the input's first byte, and checks the parser's promises:
// no crash, no read past the input, consumption within what was passed, body
// offsets inside the input, progress on every call, and the limits.
import AsyncIOHTTP
import HTTPTypes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let split = Int(bytes[0] % 17) + 1
    let input = Array(bytes.dropFirst())
    let limits = HTTPParserLimits(requestLineBytes: 256, headBytes: 1024, fieldCount: 16, bodyBytes: 4096,
                                  chunkLineBytes: 64, trailerBytes: 256)
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

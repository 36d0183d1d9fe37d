#if canImport(Glibc)
import Glibc
#endif

/// RFC 9110/9112 character classes, as 256-entry tables (one load per byte),
/// and the small byte scans every parser here shares.
enum HTTPSyntax {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let tab: UInt8 = 9
    static let colon: UInt8 = 58

    /// `tchar`: the characters of a token (method, field name, coding).
    static let isTokenByte: [Bool] = (0..<256).map { b in
        switch UInt8(b) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(UInt8(b))
        }
    }

    /// The bytes of a request target: visible ASCII (`VCHAR`), no space, no control, no obs-text.
    static let isTargetByte: [Bool] = (0..<256).map { (0x21...0x7E).contains($0) }

    /// The bytes of a field value: HTAB, SP, VCHAR and obs-text; no other control and no DEL.
    static let isFieldValueByte: [Bool] = (0..<256).map { $0 == 9 || (0x20...0x7E).contains($0) || $0 >= 0x80 }

    /// The bytes of a `Host` value (an authority: reg-name, IP literal, port): RFC 3986.
    static let isAuthorityByte: [Bool] = (0..<256).map { b in
        switch UInt8(b) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "-._~!$&'()*+,;=:[]%".utf8.contains(UInt8(b))
        }
    }

    /// ASCII lowercase of one byte.
    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }

    /// True if `bytes` equals `lowercase` ignoring ASCII case.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for i in 0..<bytes.count where lower(bytes[i]) != expected[i] { return false }
        return true
    }

    /// `bytes` without leading and trailing SP/HTAB (OWS).
    static func trimmingWhitespace(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == space || bytes[start] == tab { start += 1 }
        while end > start, bytes[end - 1] == space || bytes[end - 1] == tab { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// The comma-separated elements of a list-valued field, trimmed, empty ones dropped.
    static func listElements(_ bytes: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var elements: [UnsafeRawBufferPointer] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: ",") {
            let element = trimmingWhitespace(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            if !element.isEmpty { elements.append(element) }
            start = i + 1
        }
        return elements
    }

    /// An ASCII string from bytes already validated as ASCII or obs-text
    /// (obs-text is decoded as Latin-1, byte for byte).
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// A field line (`name ":" OWS value OWS`, without its CRLF) split and
    /// checked: the name a token with nothing before the colon, the value
    /// free of control characters, no obsolete folding.
    ///
    /// - Throws: ``HTTPParseError`` (400) naming what was wrong.
    static func splitFieldLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        if line[0] == space || line[0] == tab { throw .bad("obsolete line folding") }
        guard let colonIndex = line.firstIndex(of: colon) else { throw .bad("field line without a colon") }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colonIndex])
        guard !name.isEmpty, name.allSatisfy({ isTokenByte[Int($0)] }) else {
            throw .bad("invalid field name (or whitespace before the colon)")
        }
        let value = trimmingWhitespace(UnsafeRawBufferPointer(rebasing: line[(colonIndex + 1)...]))
        guard value.allSatisfy({ isFieldValueByte[Int($0)] }) else { throw .bad("control character in a field value") }
        return (name, value)
    }

    /// The index of the first `byte` in `input` at or after `start` (and before `start + limit`).
    @inline(__always)
    static func find(_ byte: UInt8, in input: UnsafeRawBufferPointer, from start: Int, limit: Int = .max) -> Int? {
        let end = limit == .max ? input.count : min(input.count, start + limit)
        guard start < end, let base = input.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}

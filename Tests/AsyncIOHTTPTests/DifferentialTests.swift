import AsyncIOHTTP
import AsyncIOTestSupport
import Foundation
import HTTPTypes
import Testing

/// One request of the differential corpus, and why this parser may answer
/// differently from h11 (nil: the two must agree).
struct CorpusCase {
    var bytes: [UInt8]
    var stricter: Stricter?
    var label: String

    /// The classes of input where the two parsers disagree on purpose.
    enum Stricter: String {
        // This parser rejects, h11 accepts (llhttp's strict rules, docs/10-http.md):
        case contentLengthWithTransferEncoding, duplicateContentLength, obsFold, lineFeedLineEnd,
             controlByte, versionNotOne, connect, unknownExpectation, longMethod, hostCharacters,
             transferEncodingOnHTTP10, chunkExtension
        // h11 rejects, this parser accepts:
        case leadingEmptyLine
    }
}

/// A deterministic corpus: valid requests of several shapes, and each of them
/// mutated in the ways h11's and llhttp's test vectors probe.
func differentialCorpus() -> [CorpusCase] {
    let valid: [(String, String)] = [
        ("get", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        ("get-fields", "GET /a/b?c=d&e HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: curl/8\r\nAccept: */*\r\nX-Empty:\r\nX-Spaces:   padded value  \r\n\r\n"),
        ("post-length", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"),
        ("post-chunked", "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
        ("http10", "GET /old HTTP/1.0\r\nUser-Agent: old\r\n\r\n"),
        ("options-star", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("absolute-form", "GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        ("zeros-length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc"),
        ("upper-chunk", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"),
        ("obs-text", "GET / HTTP/1.1\r\nHost: h\r\nX-Latin: caf\u{E9}\r\n\r\n"),
    ]
    var cases: [CorpusCase] = []
    func add(_ label: String, _ text: String, _ stricter: CorpusCase.Stricter? = nil) {
        cases.append(CorpusCase(bytes: Array(text.utf8), stricter: stricter, label: label))
    }
    func addBytes(_ label: String, _ bytes: [UInt8], _ stricter: CorpusCase.Stricter? = nil) {
        cases.append(CorpusCase(bytes: bytes, stricter: stricter, label: label))
    }
    for (name, text) in valid {
        if name == "obs-text" {
            // obs-text as a raw byte (0xE9), not as UTF-8.
            addBytes(name, Array("GET / HTTP/1.1\r\nHost: h\r\nX-Latin: caf".utf8) + [0xE9] + Array("\r\n\r\n".utf8))
            continue
        }
        add(name, text)
        let isHTTP10 = text.contains("HTTP/1.0")
        let head = String(text[..<text.range(of: "\r\n\r\n")!.lowerBound])
        let rest = String(text[text.range(of: "\r\n\r\n")!.upperBound...])
        let hostless = isHTTP10 ? head : head
        // Fields added to the head.
        func withField(_ field: String) -> String { hostless + "\r\n" + field + "\r\n\r\n" + rest }
        add("\(name)+ws-before-colon", withField("X-A : 1"))
        add("\(name)+bad-name", withField("X@A: 1"))
        add("\(name)+obs-fold", withField("X-A: 1\r\n  folded"), .obsFold)
        add("\(name)+nul", withField("X-A: a\u{0}b"))
        add("\(name)+bare-cr", withField("X-A: a\rb"))
        add("\(name)+ctl-0x01", withField("X-A: a\u{1}b"), .controlByte)
        add("\(name)+del", withField("X-A: a\u{7F}b"), .controlByte)
        add("\(name)+expect-continue", withField("Expect: 100-continue"))
        add("\(name)+expect-other", withField("Expect: magic"), isHTTP10 ? nil : .unknownExpectation)
        add("\(name)+connection-close", withField("Connection: close"))
        add("\(name)+no-colon", withField("NoColonHere"))
        add("\(name)+empty-name", withField(": value"))
        if !isHTTP10 {
            add("\(name)+second-host", withField("Host: other"))
            add("\(name)+host-space", head.replacingOccurrences(of: "Host: ", with: "Host: a b") + "\r\n\r\n" + rest, .hostCharacters)
        }
        // Line ends and leading lines.
        add("\(name)+lf-only", text.replacingOccurrences(of: "\r\n", with: "\n"), .lineFeedLineEnd)
        add("\(name)+leading-crlf", "\r\n" + text, .leadingEmptyLine)
        // The request line.
        let method = String(text[..<text.firstIndex(of: " ")!])
        let afterMethod = String(text[text.index(after: text.firstIndex(of: " ")!)...])
        add("\(name)+double-space", method + "  " + afterMethod)
        add("\(name)+tab-separator", method + "\t" + afterMethod)
        add("\(name)+lowercase-http", text.replacingOccurrences(of: " HTTP/1.", with: " http/1."))
        add("\(name)+http2", text.replacingOccurrences(of: " HTTP/1.1\r\n", with: " HTTP/2.0\r\n").replacingOccurrences(of: " HTTP/1.0\r\n", with: " HTTP/2.0\r\n"), .versionNotOne)
        add("\(name)+long-method", String(repeating: "M", count: 70) + " " + afterMethod, .longMethod)
        add("\(name)+target-space", text.replacingOccurrences(of: " HTTP/1.", with: " x HTTP/1."))
        // Framing.
        if !isHTTP10 {
            add("\(name)+cl+te", withField("Content-Length: 3\r\nTransfer-Encoding: chunked"), .contentLengthWithTransferEncoding)
            add("\(name)+te-identity", withField("Transfer-Encoding: identity"))
            add("\(name)+te-gzip-chunked", withField("Transfer-Encoding: gzip, chunked"))
            add("\(name)+te-chunked-twice", withField("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"))
        } else {
            add("\(name)+te-on-1.0", withField("Transfer-Encoding: chunked") + "0\r\n\r\n", .transferEncodingOnHTTP10)
        }
        if !text.contains("Content-Length") && !text.contains("Transfer-Encoding") {
            add("\(name)+cl-twice", withField("Content-Length: 2\r\nContent-Length: 2") + "ab", .duplicateContentLength)
            add("\(name)+cl-list", withField("Content-Length: 2, 2") + "ab", .duplicateContentLength)
            add("\(name)+cl-differ", withField("Content-Length: 2\r\nContent-Length: 3") + "abc")
            add("\(name)+cl-plus", withField("Content-Length: +2") + "ab")
            add("\(name)+cl-hex", withField("Content-Length: 0x2") + "ab")
            add("\(name)+cl-short", withField("Content-Length: 9") + "ab")
        }
    }
    // Chunked bodies, malformed.
    let chunkedHead = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    add("chunk-no-crlf-after-data", chunkedHead + "3\r\nabcXX0\r\n\r\n")
    add("chunk-bad-size", chunkedHead + "zz\r\nab\r\n0\r\n\r\n")
    add("chunk-size-overflow", chunkedHead + "fffffffffffffffffffff\r\nab\r\n0\r\n\r\n")
    add("chunk-lf-only", chunkedHead + "3\nabc\r\n0\r\n\r\n", .lineFeedLineEnd)
    add("chunk-missing-end", chunkedHead + "3\r\nabc\r\n")
    add("chunk-trailer-obs-fold", chunkedHead + "0\r\nX: 1\r\n  2\r\n\r\n", .obsFold)
    add("chunk-ext-spaces", chunkedHead + "3 ;a=b\r\nabc\r\n0\r\n\r\n")
    add("chunk-trailing-space", chunkedHead + "3 \r\nabc\r\n0\r\n\r\n", .chunkExtension)
    add("chunk-ext-space-in-name", chunkedHead + "3;a b\r\nabc\r\n0\r\n\r\n", .chunkExtension)
    add("chunk-ext-quoted", chunkedHead + "3;a=\"q s\";b\r\nabc\r\n0\r\n\r\n")
    add("chunk-ext-unterminated", chunkedHead + "3;a=\"q\r\nabc\r\n0\r\n\r\n", .chunkExtension)
    add("connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", .connect)
    return cases
}

/// What one parser made of a case.
struct Verdict: Equatable {
    var accepted: Bool
    var method = ""
    var target = ""
    var fields: [String] = []
    var body: [UInt8] = []
    var why = ""
}

/// This parser's verdict on the first request of `bytes`, fed in pieces of `split`.
func ourVerdict(_ bytes: [UInt8], split: Int) -> Verdict {
    let run = ParseRun(bytes, split: split)
    guard run.error == nil, let head = run.heads.first, !run.bodies.isEmpty else {
        return Verdict(accepted: false, why: run.error?.description ?? "incomplete")
    }
    // Values as their bytes decoded as Latin-1 (h11's view of obs-text; `value` is a UTF-8 view).
    var fields = head.request.headerFields.map { field in
        "\(field.name.canonicalName): " + field.withUnsafeBytesOfValue { String(String.UnicodeScalarView($0.map { Unicode.Scalar($0) })) }
    }
    if let authority = head.request.authority { fields.append("host: \(authority)") }
    return Verdict(accepted: true, method: head.request.method.rawValue, target: head.request.path ?? "",
                   fields: fields.sorted(), body: run.bodies[0])
}

@Suite("HTTP parser against h11 (differential)", .serialized, .timeLimit(.minutes(2)))
struct DifferentialTests {
    @Test func agreesWithH11ExceptWhereItIsStricterOnPurpose() throws {
        let corpus = differentialCorpus()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Oracle/h11_oracle.py").path
        let h11 = try h11Verdicts(corpus.map(\.bytes), script: script)
        try #require(h11.count == corpus.count)
        var agreed = 0
        var stricterSeen: Set<String> = []
        for (index, item) in corpus.enumerated() {
            let theirs = h11[index]
            for split in [0, 1, 2 + index % 5] {
                let ours = ourVerdict(item.bytes, split: split)
                switch (ours.accepted, theirs.accepted) {
                case (true, true):
                    #expect(ours.method == theirs.method && ours.target == theirs.target, "\(item.label): request line \(ours) vs \(theirs)")
                    // h11 lowercases Transfer-Encoding's value; compare that one without case.
                    func normalized(_ fields: [String]) -> [String] {
                        fields.map { $0.hasPrefix("transfer-encoding:") ? $0.lowercased() : $0 }
                    }
                    #expect(normalized(ours.fields) == normalized(theirs.fields), "\(item.label): fields \(ours.fields) vs \(theirs.fields)")
                    #expect(ours.body == theirs.body, "\(item.label): body")
                    #expect(item.stricter == nil || item.stricter == .leadingEmptyLine, "\(item.label): both accepted, expected a disagreement")
                    if split == 0 { agreed += 1 }
                case (false, false):
                    if split == 0 { agreed += 1 }
                case (false, true):
                    let expected = item.stricter != nil && item.stricter != .leadingEmptyLine
                    #expect(expected, "\(item.label): we reject (\(ours.why)), h11 accepts")
                    if expected { stricterSeen.insert(item.stricter!.rawValue) }
                case (true, false):
                    #expect(item.stricter == .leadingEmptyLine, "\(item.label): we accept, h11 rejects (\(theirs.why)): \(ours)")
                    if item.stricter == .leadingEmptyLine { stricterSeen.insert(item.stricter!.rawValue) }
                }
            }
        }
        // Every class of deliberate disagreement occurred (the corpus probes them all).
        #expect(stricterSeen.count >= 10, "classes seen: \(stricterSeen.sorted())")
        #expect(agreed > corpus.count / 2, "\(agreed) of \(corpus.count) agreed")
    }
}

/// h11's verdicts, from `Oracle/h11_oracle.py` in a child process.
func h11Verdicts(_ requests: [[UInt8]], script: String) throws -> [Verdict] {
    let input = requests.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n") + "\n"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script]
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    stdin.fileHandleForWriting.write(input.data(using: .utf8)!)
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestFailure("h11 oracle failed (exit \(process.terminationStatus)); is h11 installed? pip install h11==0.16.0")
    }
    return try String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        guard object["ok"] as? Bool == true else { return Verdict(accepted: false, why: object["why"] as? String ?? "") }
        let headers = (object["headers"] as! [[String]]).map { "\($0[0]): \($0[1])" }.sorted()
        let bodyHex = object["body"] as! String
        var body: [UInt8] = []
        var index = bodyHex.startIndex
        while index < bodyHex.endIndex {
            let next = bodyHex.index(index, offsetBy: 2)
            body.append(UInt8(bodyHex[index..<next], radix: 16)!)
            index = next
        }
        return Verdict(accepted: true, method: object["method"] as! String, target: object["target"] as! String,
                       fields: headers, body: body)
    }
}

/// A failure to set the test up.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

import AsyncIOHTTP
import HTTPTypes
import Testing

/// Feeds `text` to a parser in pieces of `split` bytes (0: all at once), as a
/// connection would, and collects the events, the body and the error.
struct ParseRun {
    var heads: [HTTPRequestHead] = []
    var bodies: [[UInt8]] = []
    var trailers: [HTTPFields] = []
    var error: HTTPParseError?
    var leftover = 0

    init(_ text: String, split: Int = 0, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.init(Array(text.utf8), split: split, limits: limits)
    }

    init(_ bytes: [UInt8], split: Int = 0, limits: HTTPParserLimits = HTTPParserLimits()) {
        var parser = HTTPRequestParser(limits: limits)
        var buffer: [UInt8] = []
        var fed = 0
        var body: [UInt8] = []
        outer: while true {
            let piece = split == 0 ? bytes.count - fed : min(split, bytes.count - fed)
            buffer += bytes[fed..<(fed + piece)]
            fed += piece
            while true {
                let step: (event: HTTPParserEvent, consumed: Int)
                do {
                    step = try buffer.withUnsafeBytes { try parser.parse($0) }
                } catch {
                    self.error = error as? HTTPParseError
                    break outer
                }
                switch step.event {
                case .needMoreData:
                    buffer.removeFirst(step.consumed)
                    if fed == bytes.count { break outer }
                    continue outer
                case .head(let head): heads.append(head)
                case .body(let range): body += buffer[range]
                case .end(let fields):
                    trailers.append(fields)
                    bodies.append(body)
                    body = []
                }
                buffer.removeFirst(step.consumed)
            }
        }
        leftover = buffer.count
    }

    var status: Int? { error.map { $0.status.code } }
}

@Suite("HTTP request parser")
struct ParserTests {
    @Test(arguments: [0, 1, 2, 3, 7])
    func aSimpleGetWithFieldsInAnySplit(split: Int) {
        let run = ParseRun("GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n", split: split)
        #expect(run.error == nil)
        #expect(run.heads.count == 1)
        let head = run.heads[0]
        #expect(head.request.method == .get)
        #expect(head.request.path == "/index.html?q=1")
        #expect(head.request.authority == "example.com")
        #expect(head.request.headerFields[.userAgent] == "t")
        #expect(head.request.headerFields[.accept] == "*/*")
        #expect(head.request.headerFields.count == 2, "Host becomes the authority")
        #expect(head.version == .http1_1 && head.keepAlive && !head.expectsContinue && head.framing == .none)
        #expect(run.bodies == [[]])
    }

    @Test(arguments: [0, 1, 5])
    func contentLengthAndChunkedBodiesAndPipelining(split: Int) {
        let text = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nworld\r\n3\r\n!!!\r\n0\r\nX-Sum: 8\r\n\r\n"
            + "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        let run = ParseRun(text, split: split)
        #expect(run.error == nil)
        #expect(run.heads.map { $0.request.path } == ["/a", "/b", "/c"])
        #expect(run.heads.map(\.framing) == [.length(5), .chunked, .none])
        #expect(run.bodies == [Array("hello".utf8), Array("world!!!".utf8), []])
        #expect(run.trailers[1][HTTPField.Name("X-Sum")!] == "8")
        #expect(run.heads[2].keepAlive == false)
        #expect(run.leftover == 0)
    }

    @Test func persistenceByVersionAndConnection() {
        #expect(ParseRun("GET / HTTP/1.0\r\n\r\n").heads[0].keepAlive == false)
        #expect(ParseRun("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").heads[0].keepAlive)
        #expect(ParseRun("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, Close\r\n\r\n").heads[0].keepAlive == false)
        #expect(ParseRun("GET / HTTP/1.2\r\nHost: h\r\n\r\n").heads[0].version == .http1_1)
        #expect(ParseRun("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").heads.count == 1, "leading empty lines are skipped")
        #expect(ParseRun("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx").heads[0].expectsContinue)
        #expect(ParseRun("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").heads[0].expectsContinue == false)
    }

    /// What h11 and llhttp reject, and the statuses a production server answers.
    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3000000\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nX@Y: 1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400),
        ("GET / HTTP/1.1\nHost: h\n\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\rX: 1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        ("GET / HTTP/0.9\r\n\r\n", 505),
        ("GET / http/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 501),
        ("GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", 417),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a\u{0}\r\nhello\r\n0\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX : 1\r\n\r\n", 400),
    ])
    func rejectsWithTheRightStatus(text: String, status: Int) {
        for split in [0, 1, 3] {
            let run = ParseRun(text, split: split)
            #expect(run.status == status, "split \(split): \(text.debugDescription) → \(String(describing: run.error))")
        }
    }

    @Test func limitsAreCheckedAsBytesArrive() {
        let limits = HTTPParserLimits(requestLineBytes: 64, headBytes: 256, fieldCount: 3, bodyBytes: 10, chunkLineBytes: 16, trailerBytes: 32)
        // A request line that never ends: 414 once it passes the limit, not at the end.
        let longLine = "GET /" + String(repeating: "a", count: 100)
        #expect(ParseRun(longLine, split: 7, limits: limits).status == 414)
        // A head that never ends: 431.
        let longHead = "GET / HTTP/1.1\r\n" + String(repeating: "X-A: 1234567890\r\n", count: 40)
        #expect(ParseRun(longHead, split: 9, limits: limits).status == 431)
        #expect(ParseRun("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits).status == 431)
        #expect(ParseRun("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits).status == 413)
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(ParseRun(chunked + "6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n", limits: limits).status == 413)
        #expect(ParseRun(chunked + "1;" + String(repeating: "x", count: 40), split: 4, limits: limits).status == 400)
        #expect(ParseRun(chunked + "0\r\nX: " + String(repeating: "y", count: 60), split: 4, limits: limits).status == 431)
    }

    @Test func anErrorIsFinal() {
        var parser = HTTPRequestParser()
        let bad = Array("GET / HTTP/1.1\nHost: h\n\n".utf8)
        #expect(throws: HTTPParseError.self) { _ = try bad.withUnsafeBytes { try parser.parse($0) } }
        let good = Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.self) { _ = try good.withUnsafeBytes { try parser.parse($0) } }
    }

    @Test func nothingBufferedBetweenRequests() {
        var parser = HTTPRequestParser()
        #expect(parser.isAtRequestBoundary)
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        _ = try? bytes.withUnsafeBytes { try parser.parse($0) }
        #expect(!parser.isAtRequestBoundary)
        _ = try? [UInt8]().withUnsafeBytes { try parser.parse($0) }
        #expect(parser.isAtRequestBoundary)
    }
}

@Suite("HTTP response parser")
struct ResponseParserTests {
    /// Feeds `bytes` to a fresh parser `step` bytes at a time; returns status, body and trailers.
    func parse(_ text: String, method: HTTPRequest.Method = .get, step: Int) throws -> (Int, [UInt8], HTTPFields, complete: Bool) {
        let bytes = Array(text.utf8)
        var parser = HTTPResponseParser(requestMethod: method)
        var buffered: [UInt8] = []
        var fed = 0
        var status = 0
        var body: [UInt8] = []
        var trailers = HTTPFields()
        while true {
            let (event, consumed) = try buffered.withUnsafeBytes { input in try parser.parse(input) }
            switch event {
            case .needMoreData:
                guard fed < bytes.count else {
                    try parser.finishAtEndOfStream()
                    return (status, body, trailers, parser.isComplete)
                }
                let next = min(bytes.count, fed + step)
                buffered += bytes[fed..<next]
                fed = next
            case .interim: break
            case .head(let head): status = head.response.status.code
            case .body(let range): body += buffered[range]
            case .end(let fields):
                trailers = fields
                buffered.removeFirst(consumed)
                return (status, body, trailers, parser.isComplete)
            }
            buffered.removeFirst(consumed)
        }
    }

    @Test(arguments: [1, 2, 7, 1000])
    func framingInEverySplit(step: Int) throws {
        let chunked = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"
        let (status, body, trailers, complete) = try parse(chunked, step: step)
        #expect(status == 200 && body == Array("abc".utf8) && trailers[HTTPField.Name("T")!] == "1" && complete)
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nxyz", step: step).1 == Array("xyz".utf8))
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", method: .head, step: step).1.isEmpty)
        #expect(try parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n", step: step).1.isEmpty)
        #expect(try parse("HTTP/1.1 200\r\n\r\nto the end", step: step).1 == Array("to the end".utf8))
        #expect(throws: HTTPParseError.self) { try parse("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", step: step) }
        #expect(throws: HTTPParseError.self) { try parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", step: step) }
        #expect(throws: HTTPParseError.self) { try parse("HTTP/1.1 2000 OK\r\n\r\n", step: step) }
    }
}

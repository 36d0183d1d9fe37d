import AsyncIO
import AsyncIOHTTP
import AsyncIOTestSupport
import HTTPTypes
import Testing

/// A raw TCP server that reads one request head per exchange and answers with
/// `responses[i]` (bytes as given), then runs `after` (close, stall, ...).
@Loop
func withScriptedServer<T>(
    _ responses: [String], closeAfterLast: Bool = true, stallAfter: Bool = false,
    _ body: (Int) async throws -> T
) async throws -> T {
    let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
        for response in responses {
            _ = try await stream.readUntil(Array("\r\n\r\n".utf8), limit: 64 * 1024)
            try stream.write(Array(response.utf8))
            try await stream.drain()
        }
        if stallAfter { while try await !stream.read().isEmpty {} }  // until the client gives up
        if closeAfterLast { stream.close() }
    }
    defer { server.close() }
    return try await body(server.localAddress.port)
}

@Suite("HTTP client", .serialized, .timeLimit(.minutes(1)))
struct ClientTests {
    @Test func aChunkEndingAtAReadBoundaryIsFollowedThrough() throws {
        // The chunk's closing CRLF arrives without the next size line: the parser
        // takes the CRLF while asking for more, and the client must drop it.
        try runLoopTest {
            let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
                _ = try await stream.readUntil(Array("\r\n\r\n".utf8), limit: 64 * 1024)
                try stream.write(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".utf8))
                try await stream.drain()
                try await sleepMs(20)
                try stream.write(Array("6\r\n world\r\n0\r\n\r\n".utf8))
                try await stream.drain()
            }
            defer { server.close() }
            let client = HTTPClient()
            defer { client.close() }
            let response = try await client.get("http://127.0.0.1:\(server.localAddress.port)/")
            #expect(response.text == "hello world")
        }
    }

    @Test func getAndPostAgainstTheServerReuseOneConnection() throws {
        try runLoopTest {
            var peers: Set<Int> = []
            let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { request in
                peers.insert(request.peerAddress?.port ?? -1)
                if request.request.path == "/echo" {
                    return HTTPServerResponse(bytes: try await request.body.collect())
                }
                if request.request.path == "/chunked" {
                    return HTTPServerResponse(body: .stream { writer in
                        for i in 0..<100 { try await writer.write("line \(i)\n") }
                    })
                }
                return HTTPServerResponse(bytes: Array("hello \(request.request.path ?? "")".utf8))
            }
            let client = HTTPClient()
            let base = "http://127.0.0.1:\(server.localAddress.port)"
            let hello = try await client.get(base + "/a?x=1")
            #expect(hello.status == .ok)
            #expect(hello.text == "hello /a?x=1")
            #expect(client.idleConnectionCount == 1)

            let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
            let echo = try await client.post(base + "/echo", body: body, contentType: "application/octet-stream")
            #expect(echo.body == body)

            let chunked = try await client.get(base + "/chunked")
            #expect(chunked.headerFields[.transferEncoding] == "chunked")
            #expect(chunked.text == (0..<100).map { "line \($0)\n" }.joined())

            let head = try await client.request(.head, base + "/")
            #expect(head.body.isEmpty)
            #expect(head.headerFields[.contentLength] == "7")
            #expect(peers.count == 1, "every request on one pooled connection")
            client.close()
            #expect(client.idleConnectionCount == 0)
            await server.shutdown()
        }
    }

    @Test func chunkedTrailersInterimResponsesAndCloseDelimitedBodies() throws {
        try runLoopTest {
            let responses = [
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n",
                "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.0 200 OK\r\n\r\nuntil the end",
            ]
            try await withScriptedServer(responses) { port in
                let client = HTTPClient()
                let first = try await client.get("http://127.0.0.1:\(port)/")
                #expect(first.text == "hello world")
                #expect(first.trailers[HTTPField.Name("X-Sum")!] == "11")
                let second = try await client.get("http://127.0.0.1:\(port)/")
                #expect(second.status == .noContent)
                let third = try await client.get("http://127.0.0.1:\(port)/")
                #expect(third.version == .http1_0)
                #expect(third.text == "until the end")
                #expect(client.idleConnectionCount == 0, "a close-delimited body ends the connection")
            }
        }
    }

    @Test func badResponsesAreTypedErrors() throws {
        let cases: [(String, HTTPResponse.Status)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .badRequest),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .badRequest),
            ("HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n", .badRequest),
            ("HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 0\r\n\r\n", .badRequest),
            ("HTTP/2 200 OK\r\n\r\n", .badRequest),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", .contentTooLarge),
            ("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", .contentTooLarge),
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", .badRequest),
        ]
        try runLoopTest {
            for (response, status) in cases {
                try await withScriptedServer([response]) { port in
                    let client = HTTPClient(configuration: HTTPClientConfiguration(limits: HTTPParserLimits(bodyBytes: 100)))
                    do {
                        _ = try await client.get("http://127.0.0.1:\(port)/")
                        Issue.record("accepted \(response.debugDescription)")
                    } catch HTTPClientError.invalidResponse(let error) {
                        #expect(error.status == status, "\(response.debugDescription): \(error)")
                    }
                    #expect(client.idleConnectionCount == 0)
                }
            }
        }
    }

    @Test func aCutShortResponseIsConnectionClosed() throws {
        try runLoopTest {
            for response in ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "HTTP/1.1 200 OK\r\nContent-Le"] {
                try await withScriptedServer([response]) { port in
                    await #expect(throws: HTTPClientError.connectionClosed) {
                        _ = try await HTTPClient().get("http://127.0.0.1:\(port)/")
                    }
                }
            }
        }
    }

    @Test func aSilentServerMeetsTheTimeouts() throws {
        try runLoopTest {
            let quick = HTTPClientConfiguration(responseHeadTimeout: .milliseconds(200), bodyReadTimeout: .milliseconds(200))
            try await withScriptedServer([], closeAfterLast: false, stallAfter: true) { port in
                let start = ContinuousClock.now
                await #expect(throws: HTTPClientError.timedOut(.responseHead)) {
                    _ = try await HTTPClient(configuration: quick).get("http://127.0.0.1:\(port)/")
                }
                #expect(ContinuousClock.now - start < .seconds(2))
            }
            try await withScriptedServer(["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"], closeAfterLast: false, stallAfter: true) { port in
                await #expect(throws: HTTPClientError.timedOut(.body)) {
                    _ = try await HTTPClient(configuration: quick).get("http://127.0.0.1:\(port)/")
                }
            }
        }
    }

    @Test func aPooledConnectionTheServerClosedIsReplaced() throws {
        try runLoopTest {
            // Each connection answers one request, keep-alive in its words, then closes.
            let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
                _ = try await stream.readUntil(Array("\r\n\r\n".utf8))
                try stream.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8))
                stream.close()
            }
            let client = HTTPClient()
            for _ in 0..<5 {
                let response = try await client.get("http://127.0.0.1:\(server.localAddress.port)/")
                #expect(response.text == "ok")
                try await sleepMs(20)
            }
            // Without the pause the close may still be in flight: detected, or retried.
            for _ in 0..<20 {
                #expect(try await client.get("http://127.0.0.1:\(server.localAddress.port)/").text == "ok")
            }
            server.close()
        }
    }

    @Test func anIdempotentRequestIsRetriedOnceWhenAPooledConnectionDropsIt() throws {
        try runLoopTest {
            // Each connection answers its first request, then takes the second and closes unanswered.
            var connections = 0
            let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
                connections += 1
                _ = try await stream.readUntil(Array("\r\n\r\n".utf8))
                try stream.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8))
                _ = try await stream.readUntil(Array("\r\n\r\n".utf8))
                stream.close()
            }
            let client = HTTPClient()
            let url = "http://127.0.0.1:\(server.localAddress.port)/"
            #expect(try await client.get(url).text == "ok")
            #expect(try await client.get(url).text == "ok", "retried on a new connection")
            #expect(connections == 2)
            // A POST is not retried: the server may have acted on it.
            await #expect(throws: HTTPClientError.connectionClosed) { _ = try await client.post(url, body: [1]) }
            #expect(connections == 2)
            client.close()
            server.close()
        }
    }

    @Test func requestsThatWouldBreakTheFramingAreRefused() throws {
        try runLoopTest {
            let client = HTTPClient()
            await #expect(throws: HTTPClientError.unsupportedScheme("https")) { _ = try await client.get("https://example.com/") }
            await #expect(throws: HTTPClientError.self) { _ = try await client.get("http://127.0.0.1:1/a b") }
            await #expect(throws: HTTPClientError.self) { _ = try await client.get("http://127.0.0.1:1/a\r\nX: y") }
            await #expect(throws: HTTPClientError.self) { _ = try await client.get("http://127.0.0.1:99999/") }
            await #expect(throws: HTTPClientError.self) { _ = try await client.get("http://user@127.0.0.1/") }
            await #expect(throws: HTTPClientError.self) { _ = try await client.get("127.0.0.1/") }
            await #expect(throws: HTTPClientError.self) {
                _ = try await client.execute(HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/"))
            }
        }
    }

    @Test func aHeaderValueCannotInjectFields() throws {
        try runLoopTest {
            var seen: HTTPFields = [:]
            let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { request in
                seen = request.request.headerFields
                return HTTPServerResponse()
            }
            var fields = HTTPFields()
            fields[HTTPField.Name("X-Test")!] = "a\r\nX-Injected: 1"
            _ = try? await HTTPClient().get("http://127.0.0.1:\(server.localAddress.port)/", headerFields: fields)
            #expect(seen[HTTPField.Name("X-Injected")!] == nil)
            await server.shutdown()
        }
    }
}

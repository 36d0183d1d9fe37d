import AsyncIO
import AsyncIOHTTP
import AsyncIOTestSupport
import HTTPTypes
import Testing

/// What the `/fail` route throws.
struct HandlerFailure: Error {}

/// A server with an echo handler on loopback, for the duration of `body`.
@Loop
func withEchoServer<T>(
    configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
    _ body: (HTTPServer) async throws -> T
) async throws -> T {
    let server = try await HTTPServer.start(host: "127.0.0.1", port: 0, configuration: configuration) { request in
        switch request.request.path {
        case "/echo":
            let bytes = try await request.body.collect()
            return HTTPServerResponse(headerFields: [.contentType: "application/octet-stream"], bytes: bytes)
        case "/stream":
            return HTTPServerResponse(body: .stream { writer in
                for i in 0..<3 { try await writer.write("part \(i)\n") }
            })
        case "/huge":
            // A long stream, for a peer that does not read.
            return HTTPServerResponse(body: .stream { writer in
                let block = [UInt8](repeating: 65, count: 64 * 1024)
                for _ in 0..<100_000 { try await writer.write(block) }
            })
        case "/nocontent":
            return HTTPServerResponse(status: .noContent)
        case "/fail":
            throw HandlerFailure()
        default:
            return HTTPServerResponse(headerFields: [.contentType: "text/plain"], bytes: Array("hello\n".utf8))
        }
    }
    do {
        let value = try await body(server)
        await server.shutdown(gracePeriod: .seconds(1))
        return value
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
}

@Loop
func connect(_ server: HTTPServer) async throws -> SocketStream {
    try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
}

@Suite("HTTP server on loopback", .serialized, .timeLimit(.minutes(2)))
struct ServerTests {
    @Test func keepAliveRequestsAndTheirFraming() throws {
        try runLoopTest {
            try await withEchoServer { server in
                let client = try await connect(server)
                try client.write(requestBytes())
                let hello = try await readResponse(client)!
                #expect(hello.status == 200 && hello.text == "hello\n")
                #expect(hello.field("Content-Length") == "6" && hello.field("Date") != nil && hello.field("Connection") == nil)
                try client.write(requestBytes("POST", "/echo", body: "ping"))
                #expect(try await readResponse(client)!.text == "ping")
                try client.write(requestBytes("POST", "/echo", fields: ["Host: t", "Transfer-Encoding: chunked"]) + Array("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".utf8))
                #expect(try await readResponse(client)!.text == "abcde")
                try client.write(requestBytes("GET", "/stream"))
                let streamed = try await readResponse(client)!
                #expect(streamed.field("Transfer-Encoding") == "chunked" && streamed.text == "part 0\npart 1\npart 2\n")
                try client.write(requestBytes("HEAD", "/"))
                let head = try await readResponse(client, toHead: true)!
                #expect(head.status == 200 && head.field("Content-Length") == "6")
                try client.write(requestBytes("GET", "/nocontent"))
                let empty = try await readResponse(client)!
                #expect(empty.status == 204 && empty.field("Content-Length") == nil)
                // The connection still works: HEAD sent no body, 204 none either.
                try client.write(requestBytes("GET", "/", fields: ["Host: t", "Connection: close"]))
                let last = try await readResponse(client)!
                #expect(last.text == "hello\n" && last.field("Connection") == "close")
                #expect(await peerClosed(client))
                client.close()
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try runLoopTest {
            try await withEchoServer { server in
                let client = try await connect(server)
                var all: [UInt8] = []
                for i in 0..<20 { all += requestBytes("POST", "/echo", body: "request \(i)") }
                try client.write(all)
                for i in 0..<20 {
                    #expect(try await readResponse(client)!.text == "request \(i)")
                }
                client.close()
            }
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
        ("GET / HTTP/1.1\nHost: t\n\n", 400),
        ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n", 413),
    ])
    func badRequestsGetTheirStatusAndTheConnectionCloses(text: String, status: Int) throws {
        try runLoopTest {
            try await withEchoServer { server in
                let client = try await connect(server)
                // A second request behind the bad one must not be answered (no smuggling).
                try client.write(Array(text.utf8) + requestBytes())
                let response = try await readResponse(client)!
                #expect(response.status == status)
                #expect(response.field("Connection") == "close")
                #expect(await peerClosed(client))
                client.close()
            }
        }
    }

    @Test func aBodyThatLooksLikeARequestStaysABody() throws {
        try runLoopTest {
            try await withEchoServer { server in
                let client = try await connect(server)
                let inner = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"
                try client.write(requestBytes("POST", "/echo", body: inner))
                #expect(try await readResponse(client)!.text == inner)
                try client.write(requestBytes())
                #expect(try await readResponse(client)!.text == "hello\n")
                client.close()
            }
        }
    }

    @Test func expectContinueAsksForTheBodyWhenTheHandlerReadsIt() throws {
        try runLoopTest {
            try await withEchoServer { server in
                let client = try await connect(server)
                try client.write(Array("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n".utf8))
                let interim = try await readResponse(client)!
                #expect(interim.status == 100)
                try client.write(Array("data".utf8))
                #expect(try await readResponse(client)!.text == "data")
                client.close()
            }
        }
    }

    @Test func aFailingHandlerGets500AndTheConnectionCloses() throws {
        try runLoopTest {
            try await withEchoServer { server in
                let client = try await connect(server)
                try client.write(requestBytes("GET", "/fail"))
                #expect(try await readResponse(client)!.status == 500)
                #expect(await peerClosed(client))
                client.close()
            }
        }
    }

    @Test func slowPeersMeetTheirTimeouts() throws {
        let configuration = HTTPServerConfiguration(
            headerReadTimeout: .milliseconds(300), keepAliveIdleTimeout: .milliseconds(300),
            bodyReadTimeout: .milliseconds(300), writeTimeout: .milliseconds(300))
        try runLoopTest {
            try await withEchoServer(configuration: configuration) { server in
                // A head dripped byte by byte: the total head deadline cuts it off.
                let dripper = try await connect(server)
                let dripping = createTask {
                    for byte in requestBytes() {
                        try dripper.write([byte])
                        try await sleepMs(50)
                    }
                }
                // Meanwhile a normal client is served at once.
                let normal = try await connect(server)
                let start = ContinuousClock.now
                try normal.write(requestBytes())
                #expect(try await readResponse(normal)!.status == 200)
                #expect(ContinuousClock.now - start < .milliseconds(100))
                #expect(await peerClosed(dripper, within: .seconds(2)))
                dripping.cancel()
                _ = try? await dripping.value
                // An idle keep-alive connection is closed.
                #expect(await peerClosed(normal, within: .seconds(2)))
                // A body that stops coming.
                let stalled = try await connect(server)
                try stalled.write(Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc".utf8))
                #expect(await peerClosed(stalled, within: .seconds(2)))
                // A peer that never reads a long response.
                let deaf = try await connect(server)
                try deaf.write(requestBytes("GET", "/huge"))
                try await sleepMs(800)
                #expect(server.connectionCount == 0, "the deaf peer was disconnected")
                for stream in [dripper, normal, stalled, deaf] { stream.abort() }
            }
        }
    }

    @Test func shutdownClosesIdleAtOnceFinishesInFlightAndAbortsTheStuck() throws {
        try runLoopTest {
            let release = Event()
            let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { request in
                if request.request.path == "/slow" {
                    try await release.wait()
                    return HTTPServerResponse(bytes: Array("finished".utf8))
                }
                if request.request.path == "/stuck" {
                    try await sleep(60)
                }
                return HTTPServerResponse(bytes: Array("ok".utf8))
            }
            let idle = try await connect(server)
            try idle.write(requestBytes())
            _ = try await readResponse(idle)
            let slow = try await connect(server)
            try slow.write(requestBytes("GET", "/slow"))
            let stuck = try await connect(server)
            try stuck.write(requestBytes("GET", "/stuck"))
            try await sleepMs(20)
            #expect(server.connectionCount == 3)
            let start = ContinuousClock.now
            let shutdown = createTask { await server.shutdown(gracePeriod: .milliseconds(300)) }
            #expect(await peerClosed(idle, within: .milliseconds(100)), "idle keep-alive closed at once")
            release.set()
            let finished = try await readResponse(slow)!
            #expect(finished.text == "finished" && finished.field("Connection") == "close")
            try await shutdown.value
            let took = ContinuousClock.now - start
            #expect(took < .milliseconds(400), "shutdown took \(took): at most 100 ms past the grace period")
            #expect(await peerClosed(stuck, within: .milliseconds(100)))
            #expect(server.connectionCount == 0)
            for stream in [idle, slow, stuck] { stream.abort() }
        }
    }

    @Test func pastTheConnectionLimitA503() throws {
        try runLoopTest {
            try await withEchoServer(configuration: HTTPServerConfiguration(maximumConnections: 2)) { server in
                let a = try await connect(server)
                let b = try await connect(server)
                try a.write(requestBytes())
                try b.write(requestBytes())
                _ = try await readResponse(a)
                _ = try await readResponse(b)
                let c = try await connect(server)
                #expect(try await readResponse(c)!.status == 503)
                #expect(server.refusedConnections == 1)
                for stream in [a, b, c] { stream.close() }
            }
        }
    }
}

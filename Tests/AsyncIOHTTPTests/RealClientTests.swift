@_spi(LowLevel) import AsyncIO
import AsyncIOHTTP
import AsyncIOTestSupport
import HTTPTypes
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// True if `tool` can run here. Under CI (which installs every one of them)
/// a missing tool fails the test instead of skipping it.
func toolAvailable(_ tool: String, check: [String]? = nil) -> Bool {
    let child = ChildProcess(check ?? ["sh", "-c", "command -v \(tool) > /dev/null"])
    if child.wait() == 0 { return true }
    if getenv("CI") != nil { Issue.record("\(tool) is missing; CI installs it (.ci/run)") }
    return false
}

/// Runs a child to its end and returns its standard output; a non-zero exit is a test failure.
@Loop
func output(of arguments: [String]) async throws -> String {
    let child = ChildProcess(arguments)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
    defer { buffer.deallocate() }
    var bytes: [UInt8] = []
    while case let n = try await RawIO.read(fd: child.stdoutFD, into: buffer), n > 0 {
        bytes += buffer.prefix(n)
    }
    let status = try await toThread { child.wait() }
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(status == 0, "\(arguments[0]) exited with \(status): \(text)")
    return text
}

/// The routes the real clients exercise.
@Loop
func withClientTestServer<T>(_ body: (Int) async throws -> T) async throws -> T {
    let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { request in
        switch request.request.path {
        case "/echo":
            return HTTPServerResponse(bytes: try await request.body.collect())
        case "/chunked":
            return HTTPServerResponse(body: .stream { writer in
                for i in 0..<50 { try await writer.write("line \(i)\n") }
            })
        default:
            return HTTPServerResponse(headerFields: [.contentType: "text/plain"], bytes: Array("Hello, World!".utf8))
        }
    }
    do {
        let value = try await body(server.localAddress.port)
        await server.shutdown(gracePeriod: .milliseconds(200))
        return value
    } catch {
        await server.shutdown(gracePeriod: .milliseconds(200))
        throw error
    }
}

let chunkedLines = (0..<50).map { "line \($0)\n" }.joined()

/// Python's http.client: one kept-alive connection for GET, POST, HEAD and a chunked body.
let httpClientScript = """
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/"); r = c.getresponse(); print(r.status, r.read().decode())
body = bytes(range(256)) * 400
c.request("POST", "/echo", body=body); r = c.getresponse(); print(r.status, r.read() == body)
c.request("HEAD", "/"); r = c.getresponse(); print(r.status, r.getheader("Content-Length"), len(r.read()))
c.request("GET", "/chunked"); r = c.getresponse(); print(r.status, r.getheader("Transfer-Encoding"), len(r.read()))
print("one connection", c.sock is not None)
"""

/// aiohttp: 100 concurrent GETs over a pool of 10, then a chunked POST.
let aiohttpScript = """
import asyncio, aiohttp, sys
async def main():
    url = f"http://127.0.0.1:{sys.argv[1]}"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=10)) as s:
        async def get():
            async with s.get(url + "/") as r:
                return r.status, await r.text()
        results = await asyncio.gather(*[get() for _ in range(100)])
        print(sum(1 for st, t in results if st == 200 and t == "Hello, World!"))
        async def parts():
            for i in range(20):
                yield b"x" * 1000
        async with s.post(url + "/echo", data=parts()) as r:
            print(r.status, len(await r.read()))
        async with s.get(url + "/chunked") as r:
            print(r.status, len(await r.read()))
asyncio.run(main())
"""

@Suite("HTTP server with real clients", .serialized, .timeLimit(.minutes(2)))
struct RealClientTests {
    @Test func curl() throws {
        guard toolAvailable("curl") else { return }
        try runLoopTest(timeout: .seconds(30)) {
            try await withClientTestServer { port in
                let base = "http://127.0.0.1:\(port)"
                // Two URLs in one run share a kept-alive connection (curl says "Re-using").
                let pair = try await output(of: ["curl", "-sS", "-v", "--max-time", "5", "-o", "/dev/null", "-o", "/dev/null", "\(base)/a", "\(base)/b", "--stderr", "-"])
                #expect(pair.contains("Re-using") || pair.contains("Reusing"), "\(pair)")
                let posted = String(repeating: "0123456789", count: 10_000)
                #expect(try await output(of: ["curl", "-sS", "--max-time", "5", "--data-binary", posted, "\(base)/echo"]) == posted)
                #expect(try await output(of: ["curl", "-sS", "--max-time", "5", "\(base)/chunked"]) == chunkedLines)
                let head = try await output(of: ["curl", "-sS", "-I", "--max-time", "5", "\(base)/"])
                #expect(head.hasPrefix("HTTP/1.1 200") && head.contains("Content-Length: 13"), "\(head)")
                let http10 = try await output(of: ["curl", "-sS", "-0", "--max-time", "5", "\(base)/chunked"])
                #expect(http10 == chunkedLines, "HTTP/1.0: a stream ends with the connection")
            }
        }
    }

    @Test func pythonHTTPClient() throws {
        guard toolAvailable("python3") else { return }
        try runLoopTest(timeout: .seconds(30)) {
            try await withClientTestServer { port in
                let lines = try await output(of: ["python3", "-c", httpClientScript, "\(port)"]).split(separator: "\n")
                #expect(lines == ["200 Hello, World!", "200 True", "200 13 0", "200 chunked \(chunkedLines.utf8.count)", "one connection True"])
            }
        }
    }

    @Test func aiohttp() throws {
        guard toolAvailable("aiohttp", check: ["python3", "-c", "import aiohttp"]) else { return }
        try runLoopTest(timeout: .seconds(30)) {
            try await withClientTestServer { port in
                let lines = try await output(of: ["python3", "-c", aiohttpScript, "\(port)"]).split(separator: "\n")
                #expect(lines == ["100", "200 20000", "200 \(chunkedLines.utf8.count)"])
            }
        }
    }

    @Test func wrk() throws {
        guard toolAvailable("wrk") else { return }
        try runLoopTest(timeout: .seconds(30)) {
            try await withClientTestServer { port in
                let report = try await output(of: ["wrk", "-t1", "-c20", "-d1s", "http://127.0.0.1:\(port)/"])
                #expect(!report.contains("Socket errors") && !report.contains("Non-2xx"), "\(report)")
                let requests = report.split(separator: "\n").first { $0.contains("requests in") }
                    .flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0
                #expect(requests > 1000, "\(report)")
            }
        }
    }
}

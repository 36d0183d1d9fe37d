import AsyncIO
import AsyncIOHTTP
import AsyncIOTestSupport
import HTTPTypes
import Testing

/// Clients that send pipelined requests as fast as they can and never read.
let pipelineFloodClient = """
import socket, sys, time
port, connections, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
request = b"GET / HTTP/1.1\\r\\nHost: flood\\r\\n\\r\\n" * 64
socks = []
for _ in range(connections):
    s = socket.create_connection(("127.0.0.1", port))
    s.setblocking(False)
    socks.append(s)
sent = 0
end = time.time() + seconds
while time.time() < end:
    progress = False
    for s in socks:
        try:
            sent += s.send(request)
            progress = True
        except BlockingIOError:
            pass
        except OSError:
            pass
    if not progress:
        time.sleep(0.01)
print("sent", sent, flush=True)
for s in socks:
    s.close()
"""

@Suite("HTTP server against hostile peers", .serialized, .timeLimit(.minutes(3)))
struct HostilePeerTests {
    @Test func aNeverReadingPipelineFloodKeepsMemoryBounded() throws {
        try runLoopTest(timeout: .seconds(60)) {
            let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { _ in
                HTTPServerResponse(bytes: Array(repeating: UInt8(ascii: "x"), count: 1024))
            }
            let before = residentBytes()
            let client = ChildProcess(["python3", "-c", pipelineFloodClient, "\(server.localAddress.port)", "20", "4"])
            var peak = 0
            // The flood lasts 4 s; watch the server's memory meanwhile.
            for _ in 0..<45 {
                try await sleepMs(100)
                peak = max(peak, residentBytes() - before)
            }
            let output = try await toThread { client.wait() }
            #expect(output == 0)
            let growth = peak
            print("pipeline flood: \(server.statistics.requests) requests answered, peak RSS growth \(growth / 1024) KiB")
            // 20 connections: each holds one request in flight and at most one read.
            #expect(growth < 64 * 1024 * 1024, "server RSS grew \(growth / 1024) KiB under the flood")
            #expect(server.statistics.requests > 20)
            await server.shutdown(gracePeriod: .milliseconds(100))
        }
    }

    @Test func fiveThousandBadRequestsWriteABoundedLog() throws {
        try runLoopTest(timeout: .seconds(60)) {
            let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { _ in HTTPServerResponse() }
            let start = ContinuousClock.now
            var answered = 0
            for round in 0..<100 {
                try await withTaskScope { scope in
                    for i in 0..<50 {
                        try scope.createTask {
                            let stream = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
                            try stream.write(Array("BAD\(round)-\(i) /\r\nHost: h\r\n\r\n".utf8))
                            if try await readResponse(stream)?.status == 400 { answered += 1 }
                            stream.close()
                        }
                    }
                }
            }
            let seconds = Int((ContinuousClock.now - start).components.seconds) + 1
            #expect(answered == 5000)
            #expect(server.statistics.badRequests == 5000)
            #expect(server.statistics.logLines <= 10 * (seconds + 1), "\(server.statistics)")
            #expect(server.statistics.logLinesSuppressed >= 5000 - 10 * (seconds + 1))
            await server.shutdown()
        }
    }
}

// http-server --host H --port P [--loops N] [--pin yes|no] [--work R]: HTTP/1.1
// on AsyncIOHTTP, for the peer comparison with wrk and for trying the module by
// hand. --loops N serves on N loops (threads) sharing the port (SO_REUSEPORT).
//   GET /       "Hello, World!" (keep-alive)
//   POST /echo  the request body back
// Limits, timeouts and graceful shutdown are the module's defaults (docs/10-http.md).
import AsyncIO
import AsyncIOHTTP
import HTTPTypes
import ServerSupport
#if canImport(Glibc)
import Glibc
#endif

let hello = Array("Hello, World!".utf8)

/// The answer to `request`; `work` rounds of hashing over a POST body first
/// (`--work`, for CPU-bound benchmarks). Runs on the loop that serves the connection.
func respond(_ request: HTTPServerRequest, work: Int) async throws -> HTTPServerResponse {
    switch (request.request.method, request.request.path) {
    case (.post, "/echo"):
        let body = try await request.body.collect()
        if work > 0 { burnWork(on: body, rounds: work) }
        return HTTPServerResponse(headerFields: [.contentType: "application/octet-stream"], bytes: body)
    case (.get, _), (.head, _):
        return HTTPServerResponse(headerFields: [.contentType: "text/plain"], bytes: hello)
    default:
        return HTTPServerResponse(status: .methodNotAllowed, headerFields: [.allow: "GET, HEAD, POST"])
    }
}

do {
    let options = try ServerOptions(arguments: Array(CommandLine.arguments.dropFirst()), defaultPort: 8080)
    // One server per loop on the same port (SO_REUSEPORT): the kernel spreads
    // connections, and each is served wholly on the loop that accepted it.
    try serveUntilSignalled(options) { loop, port in
        let server = try await HTTPServer.start(host: options.host, port: port, reusePort: options.loops > 1) { request in
            try await respond(request, work: options.workRounds)
        }
        return ServingLoop(address: server.localAddress) { await server.shutdown(gracePeriod: .seconds(5)) }
    }
} catch let error as UsageError {
    print("http-server: \(error)\nusage: http-server [--host H] [--port P] [--loops N] [--pin yes|no] [--work R]")
    exit(2)
}

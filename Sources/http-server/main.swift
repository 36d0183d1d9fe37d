// http-server --host H --port P: HTTP/1.1 on AsyncIOHTTP, for the peer
// comparison with wrk and for trying the module by hand.
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

@Loop func respond(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
    switch (request.request.method, request.request.path) {
    case (.post, "/echo"):
        let body = try await request.body.collect()
        return HTTPServerResponse(headerFields: [.contentType: "application/octet-stream"], bytes: body)
    case (.get, _), (.head, _):
        return HTTPServerResponse(headerFields: [.contentType: "text/plain"], bytes: hello)
    default:
        return HTTPServerResponse(status: .methodNotAllowed, headerFields: [.allow: "GET, HEAD, POST"])
    }
}

do {
    let options = try ServerOptions(arguments: Array(CommandLine.arguments.dropFirst()), defaultPort: 8080)
    let stop = ThreadSafeFlag()
    installStopSignals(stop)
    try AsyncIO.run {
        let server = try await HTTPServer.start(host: options.host, port: options.port, handler: respond)
        print("listening on \(server.localAddress)")
        fflush(nil)
        try await stop.wait()
        await server.shutdown(gracePeriod: .seconds(5))
    }
} catch let error as UsageError {
    print("http-server: \(error)\nusage: http-server [--host H] [--port P]")
    exit(2)
}

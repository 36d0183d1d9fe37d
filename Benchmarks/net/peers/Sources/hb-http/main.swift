// Hummingbird 2 server: a router with GET / ("Hello, World!") and POST /echo
// (the body back), on the default HTTP/1 server, with the NIO event loop
// group of one thread.
import Hummingbird
import Logging
import PeerSupport

let (host, port) = parseHostPort(defaultPort: 8080)
let router = Router()
router.get("/") { _, _ in "Hello, World!" }
router.post("/echo") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: body))
}
var logger = Logger(label: "hb-http")
logger.logLevel = .warning
let app = Application(
    router: router,
    configuration: .init(address: .hostname(host, port: port), backlog: 1024),
    onServerRunning: { channel in announce(host: host, port: channel.localAddress?.port ?? port) },
    eventLoopGroupProvider: .shared(peerEventLoopGroup),
    logger: logger
)
try await app.runService()

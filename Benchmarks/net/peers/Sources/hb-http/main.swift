// Hummingbird 2 "Hello, World!" server: a router with one GET route, on the
// default HTTP/1 server, with the NIO event loop group of one thread.
import Hummingbird
import Logging
import PeerSupport

let (host, port) = parseHostPort(defaultPort: 8080)
let router = Router()
router.get("/") { _, _ in "Hello, World!" }
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

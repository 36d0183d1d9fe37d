// SwiftNIO NIOHTTP1 server (keep-alive), ChannelHandler style: the standard
// HTTP/1 server pipeline plus one handler that answers each request at its
// end: "Hello, World!", or for POST /echo the request body back. Writes are
// flushed once per read burst.
import NIOCore
import NIOHTTP1
import NIOPosix
import PeerSupport

final class HelloHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let body = "Hello, World!"
    private var keepAlive = true
    private var echo: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            keepAlive = request.isKeepAlive
            echo = request.method == .POST && request.uri == "/echo" ? context.channel.allocator.buffer(capacity: 4096) : nil
        case .body(var bytes):
            echo?.writeBuffer(&bytes)
        case .end:
            let body = echo ?? context.channel.allocator.buffer(string: Self.body)
            echo = nil
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain")
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            if keepAlive {
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    loopBound.value.close(promise: nil)
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

let (host, port) = parseHostPort(defaultPort: 8080)
let channel = try ServerBootstrap(group: peerEventLoopGroup)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(HelloHandler())
        }
    }
    .bind(host: host, port: port)
    .wait()
announce(host: host, port: channel.localAddress?.port ?? port)
try channel.closeFuture.wait()

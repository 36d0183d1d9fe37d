// SwiftNIO echo server, ChannelHandler style: each read is written back, and
// the writes are flushed once per read burst (channelReadComplete).
import NIOCore
import NIOPosix
import PeerSupport

final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if peerWorkRounds > 0 { unwrapInboundIn(data).withUnsafeReadableBytes { burnWork(on: $0) } }
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

let (host, port) = parseHostPort(defaultPort: 7000)
let channel = try ServerBootstrap(group: peerEventLoopGroup)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(EchoHandler())
        }
    }
    .bind(host: host, port: port)
    .wait()
announce(host: host, port: channel.localAddress?.port ?? port)
try channel.closeFuture.wait()

// SwiftNIO echo server, NIOAsyncChannel style: the server's connections are an
// async sequence, and each connection is a child task that writes back every
// buffer it reads. The tasks run on Swift's default (global) executor; the
// channels' I/O runs on the one NIO event loop.
import NIOCore
import NIOPosix
import PeerSupport

let (host, port) = parseHostPort(defaultPort: 7000)
let server = try await ServerBootstrap(group: peerEventLoopGroup)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .bind(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
    }
announce(host: host, port: server.channel.localAddress?.port ?? port)

try await withThrowingDiscardingTaskGroup { group in
    try await server.executeThenClose { connections in
        for try await connection in connections {
            group.addTask {
                try? await connection.executeThenClose { inbound, outbound in
                    for try await buffer in inbound {
                        try await outbound.write(buffer)
                    }
                }
            }
        }
    }
}

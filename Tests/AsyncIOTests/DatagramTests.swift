import AsyncIO
import AsyncIOTestSupport
import Testing

@Suite("UDP datagrams", .serialized, .timeLimit(.minutes(1)))
struct DatagramTests {
    @Test func sendToAndReceiveFromOverIPv4AndIPv6() throws {
        try runLoopTest {
            for host in ["127.0.0.1", "::1"] {
                let server = try await DatagramSocket.bind(host: host, port: 0)
                let port = server.localAddress!.port
                let echo = createTask {
                    for _ in 0..<3 {
                        let (bytes, sender) = try await server.receive()
                        _ = try await server.send(bytes.reversed(), to: sender)
                    }
                }
                let client = try await DatagramSocket.connect(host: host, port: port)
                for word in ["one", "two", "three"] {
                    let sent = try await client.send(Array(word.utf8))
                    #expect(sent == word.utf8.count)
                    let (reply, from) = try await client.receive()
                    #expect(reply == Array(word.utf8).reversed())
                    #expect(from.port == port)
                }
                try await echo.value
                client.close()
                server.close()
            }
        }
    }

    @Test func aCancelledReceiveLeavesTheSocketUsable() throws {
        try runLoopTest {
            let socket = try await DatagramSocket.bind(host: "127.0.0.1", port: 0)
            let receiver = createTask { try await socket.receive() }
            try await sleepMs(2)
            receiver.cancel()
            await #expect(throws: CancellationError.self) { _ = try await receiver.value }
            let sender = try await DatagramSocket.bind(host: "127.0.0.1", port: 0)
            _ = try await sender.send([42], to: socket.localAddress!)
            let (bytes, _) = try await socket.receive()
            #expect(bytes == [42])
            socket.close()
            sender.close()
        }
    }

    @Test func oversizedDatagramsAreTruncatedToMaxSize() throws {
        try runLoopTest {
            let socket = try await DatagramSocket.bind(host: "127.0.0.1", port: 0)
            let sender = try await DatagramSocket.bind(host: "127.0.0.1", port: 0)
            _ = try await sender.send([UInt8](repeating: 7, count: 1000), to: socket.localAddress!)
            let (bytes, _) = try await socket.receive(maxSize: 100)
            #expect(bytes.count == 100)
            socket.close()
            sender.close()
        }
    }
}

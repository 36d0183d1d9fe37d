import AsyncIO
import AsyncIOTestSupport
import Glibc
import Synchronization
import Testing

/// Runs `body` on loop 1 of a 2-loop group (loop 0 idles meanwhile), with a
/// time limit, then checks that loop 1 holds nothing more than before.
private func onSecondLoop(
    timeout: Duration = .seconds(20),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable (isolated Loop) async throws -> Void
) throws {
    _ = try LoopGroup.run(loops: 2) { loop in
        guard loop.index == 1 else { return }
        #expect(loop !== Loop.shared)
        let baseline = try Loop.statistics()
        try await waitFor({ try await body(loop) }, timeout: timeout)
        try await settle(to: baseline, sourceLocation: sourceLocation)
    }
}

/// Echoes until end of stream, on whichever loop serves the connection.
private func echoOnAnyLoop(_ stream: SocketStream) async throws {
    while true {
        let chunk = try await stream.read()
        if chunk.isEmpty { return }
        try stream.write(chunk)
        try await stream.drain()
    }
}

@Suite("The library on a loop other than the main one", .serialized, .timeLimit(.minutes(2)))
struct NonMainLoopTests {
    @Test func tasksSleepsAndCoordinationRunOnLoopOne() throws {
        try onSecondLoop { loop in
            let thread = currentThreadID()
            var order: [String] = []
            let a = createTask { order.append("a"); try await sleepMs(2); return 1 }
            let b = createTask { order.append("b"); try await sleep(0); return 2 }
            let (x, y) = try await gather(a, b)
            #expect(x + y == 3)
            #expect(order == ["a", "b"])
            #expect(currentThreadID() == thread)
            await #expect(throws: TimeoutError.self) { try await waitForMs({ try await sleepMs(1000) }, 5) }
            let scoped = try await withTaskScope { scope in
                let t = try scope.createTask { try await sleepMs(1); return Loop.current === loop }
                return try await t.value
            }
            #expect(scoped)
            let done = try await wait([createTask { 5 }], returnWhen: .allCompleted)
            #expect(done.pending.isEmpty)
            // A cancelled task gets one CancellationError at its await.
            let sleeper = createTask { try await sleepMs(10_000) }
            try await sleepMs(1)
            sleeper.cancel()
            await #expect(throws: CancellationError.self) { try await sleeper.value }
        }
    }

    @Test func primitivesHandOffBetweenTasksOfLoopOne() throws {
        try onSecondLoop { _ in
            let event = Event()
            let lock = Lock()
            let queue = Queue<Int>(maxSize: 2)
            let semaphore = try Semaphore(value: 1)
            let condition = Condition()
            let barrier = try Barrier(parties: 2)
            var log: [String] = []
            let consumer = createTask {
                try await event.wait()
                var sum = 0
                for _ in 0..<10 { sum += try await queue.get() }
                return sum
            }
            event.set()
            for i in 0..<10 { try await queue.put(i) }
            #expect(try await consumer.value == 45)
            try await lock.withLock {
                try await semaphore.acquire()
                log.append("locked")
                semaphore.release()
            }
            let waiter = createTask {
                try await condition.withLock { try await condition.wait() }
                log.append("notified")
            }
            try await sleepMs(1)
            try await condition.withLock { try condition.notify() }
            try await waiter.value
            let other = createTask { try await barrier.wait() }
            _ = try await barrier.wait()
            _ = try await other.value
            #expect(log == ["locked", "notified"])
            let future = Future<SocketAddress>()
            let reader = createTask { try await future.value.port }
            future.resolve(SocketAddress(numericHost: "127.0.0.1", port: 80)!)
            #expect(try await reader.value == 80)
        }
    }

    @Test func streamsServersAndDatagramsRunOnLoopOne() throws {
        try onSecondLoop { loop in
            let served = Atomic<Int>(0)
            let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
                #expect(Loop.current === loop, "a connection is served on the loop that accepted it")
                served.add(1, ordering: .relaxed)
                try await echoOnAnyLoop(stream)
            }
            defer { server.close() }
            for _ in 0..<20 {
                let client = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
                try client.write("line one\nline two\n")
                #expect(try await client.readLine() == Array("line one\n".utf8))
                #expect(try await client.readExactly(9) == Array("line two\n".utf8))
                let big = [UInt8](repeating: 7, count: 1 << 20)
                try client.write(big)
                try await client.drain()
                #expect(try await client.readExactly(big.count) == big)
                client.close()
            }
            #expect(served.load(ordering: .relaxed) == 20)
            let receiver = try await DatagramSocket.bind(host: "127.0.0.1", port: 0)
            defer { receiver.close() }
            let sender = try await DatagramSocket.connect(host: "127.0.0.1", port: receiver.localAddress!.port)
            defer { sender.close() }
            try await sender.send(Array("ping".utf8))
            #expect(try await receiver.receive().bytes == Array("ping".utf8))
        }
    }

    @Test func threadBridgesWakeLoopOne() throws {
        try onSecondLoop { loop in
            let flag = ThreadSafeFlag()
            let join = startThread {
                usleep(5_000)
                flag.set()
            }
            try await waitFor({ try await flag.wait() }, timeout: .seconds(5))
            join()
            let value = try await toThread { 6 * 7 }
            #expect(value == 42)
            #expect(Loop.current === loop)
        }
    }

    @Test func reusePortListenersOnBothLoopsShareTheConnections() throws {
        let servedByZero = Atomic<Int>(0)
        let servedByOne = Atomic<Int>(0)
        let port = Atomic<Int>(0)
        let ready = Atomic<Int>(0)
        let results = try LoopGroup.run(loops: 2) { loop -> Int in
            if loop.index == 1 {
                while port.load(ordering: .acquiring) == 0 { try await sleepMs(1) }
            }
            let server = try await startServer(
                host: "127.0.0.1", port: port.load(ordering: .acquiring), reusePort: true
            ) { stream in
                if loop.index == 0 { servedByZero.add(1, ordering: .relaxed) } else { servedByOne.add(1, ordering: .relaxed) }
                try await echoOnAnyLoop(stream)
            }
            defer { server.close() }
            if loop.index == 0 { port.store(server.localAddress.port, ordering: .releasing) }
            ready.add(1, ordering: .acquiringAndReleasing)
            while ready.load(ordering: .acquiring) < 2 { try await sleepMs(1) }
            guard loop.index == 0 else {
                try await sleepMs(2_000)  // serving until loop 0's clients are done
                return 0
            }
            var echoed = 0
            for i in 0..<200 {
                let client = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
                try client.write("\(i)\n")
                if try await client.readLine() == Array("\(i)\n".utf8) { echoed += 1 }
                client.close()
            }
            return echoed
        }
        #expect(results[0] == 200)
        let counts = (servedByZero.load(ordering: .relaxed), servedByOne.load(ordering: .relaxed))
        #expect(counts.0 + counts.1 == 200)
        #expect(counts.0 > 0 && counts.1 > 0, "the kernel spreads connections over both listeners: \(counts)")
    }

    @Test func aHandOffServerGivesEachConnectionToTheLeastLoadedLoop() throws {
        let servedByZero = Atomic<Int>(0)
        let servedByOne = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        _ = try LoopGroup.run(loops: 2) { loop in
            guard loop.index == 0, let group = loop.group else {
                while !done.load(ordering: .acquiring) { try await sleepMs(2) }
                return
            }
            let server = try await group.startServer(host: "127.0.0.1", port: 0) { loop, stream in
                if loop.index == 0 { servedByZero.add(1, ordering: .relaxed) } else { servedByOne.add(1, ordering: .relaxed) }
                #expect(Loop.current === loop, "served on the loop it was handed to")
                try await echoOnAnyLoop(stream)
            }
            // 40 connections open at once: each goes to the loop with fewer.
            var clients: [SocketStream] = []
            for i in 0..<40 {
                let client = try await openConnection(host: "127.0.0.1", port: server.localAddress.port)
                try client.write("\(i)\n")
                #expect(try await client.readLine() == Array("\(i)\n".utf8))
                clients.append(client)
            }
            #expect(servedByZero.load(ordering: .relaxed) == 20)
            #expect(servedByOne.load(ordering: .relaxed) == 20)
            for client in clients { client.close() }
            server.close()
            try await server.waitClosed()
            try await sleepMs(20)
            done.store(true, ordering: .releasing)
        }
    }

    @Test func aGroupStoppedWithConnectionsOpenLosesAndLeaksNothing() throws {
        let fdsBefore = openDescriptorCount()
        let client = Mutex<ChildProcess?>(nil)
        let port = Atomic<Int>(0)
        let connected = Atomic<Int>(0)
        #expect(throws: CancellationError.self) {
            _ = try LoopGroup.run(loops: 2) { loop -> Int in
                if loop.index == 1 {
                    while port.load(ordering: .acquiring) == 0 { try await sleepMs(1) }
                }
                let server = try await startServer(
                    host: "127.0.0.1", port: port.load(ordering: .acquiring), reusePort: true
                ) { stream in
                    connected.add(1, ordering: .relaxed)
                    try await echoOnAnyLoop(stream)
                }
                defer { server.close() }
                if loop.index == 0 {
                    port.store(server.localAddress.port, ordering: .releasing)
                    try await sleepMs(20)
                    // 100 connections that stay open until the server closes them.
                    client.withLock { $0 = ChildProcess(["python3", "-c", holdUntilClosedClient, "\(server.localAddress.port)", "100"]) }
                    while connected.load(ordering: .relaxed) < 100 { try await sleepMs(5) }
                    loop.group?.cancelAll()
                }
                try await sleepMs(60_000)
                return 0
            }
        }
        // Every connection's task was cancelled and its stream closed: the
        // client sees all 100 end (it prints how many).
        let child = client.withLock { $0 }!
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(child.stdoutFD, &buffer, 64)
        #expect(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).contains("closed 100"))
        #expect(child.wait() == 0)
        #expect(openDescriptorCount() <= fdsBefore + 2, "no descriptor of the group is left open")
    }
}

/// Opens `count` connections, then waits for the server to close each; prints "closed N".
private let holdUntilClosedClient = """
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
closed = 0
for s in socks:
    s.settimeout(20)
    try:
        if s.recv(1) == b"": closed += 1
    except OSError:
        closed += 1
print("closed", closed, flush=True)
"""

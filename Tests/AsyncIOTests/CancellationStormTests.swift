import AsyncIO
import AsyncIOTestSupport
import Testing

/// A reproducible generator (xorshift64*), so a failing storm can be replayed from its seed.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

/// What a loopback connection's reader tasks have received so far.
@Loop private final class ReceivedBytes {
    var bytes: [UInt8] = []
    var reading = false
    var finished = false
}

/// The byte at `offset` of what every storm connection sends.
private func patternByte(_ offset: Int) -> UInt8 { UInt8(truncatingIfNeeded: offset &* 31 &+ offset >> 8) }

/// Ten thousand tasks, each cancelled at a random point of a stream read, a
/// sleep, a primitive's wait, a gather or a waitFor. Afterwards nothing is left
/// in the loop (no operation, timer or task), every stream delivered its bytes
/// whole and in order across the cancelled readers, and (in `make test-asan`)
/// AddressSanitizer found no bad access and LeakSanitizer no leak.
@Suite("Cancellation storm", .serialized, .timeLimit(.minutes(3)))
struct CancellationStormTests {
    static let taskCount = 10_000
    static let connectionCount = 32
    static let bytesPerConnection = 48 * 1024

    @Test func tenThousandTasksCancelledAtRandomPointsLeaveNothingBehind() throws {
        let seed = UInt64(truncatingIfNeeded: ContinuousClock.now.hashValue) | 1
        let report = "seed \(seed)"
        try runLoopTest(timeout: .seconds(150)) {
            var random = SeededGenerator(seed: seed)
            // waitFor tasks time out before the storm gets to await them.
            Loop.setExceptionHandler { _ in }
            defer { Loop.setExceptionHandler(nil) }
            // Servers send a known pattern in small pieces, with pauses, then close.
            let server = try await startServer(host: "127.0.0.1", port: 0) { stream in
                var offset = 0
                while offset < Self.bytesPerConnection {
                    let count = min(Self.bytesPerConnection - offset, 1 + offset % 700)
                    try stream.write((offset..<offset + count).map(patternByte))
                    try await stream.drain()
                    offset += count
                    if offset % 5 == 0 { try await sleepMs(1) } else { try await sleep(0) }
                }
                stream.close()
            }
            var streams: [SocketStream] = []
            var received: [ReceivedBytes] = []
            for _ in 0..<Self.connectionCount {
                streams.append(try await openConnection(host: "127.0.0.1", port: server.localAddress.port))
                received.append(ReceivedBytes())
            }
            let event = Event()
            let queue = Queue<Int>()
            let lock = Lock()
            try await lock.acquire()  // held throughout: acquirers wait until cancelled
            var created = 0
            var finished = 0
            while created < Self.taskCount {
                var wave: [AnyTaskHandle] = []
                for _ in 0..<250 where created < Self.taskCount {
                    created += 1
                    let kind = Int.random(in: 0..<8, using: &random)
                    let task: AnyTaskHandle
                    switch kind {
                    case 0:
                        // A reader of a connection nobody reads now (else a sleeper).
                        if let index = received.indices.first(where: { !received[$0].reading && !received[$0].finished }) {
                            let stream = streams[index], sink = received[index]
                            sink.reading = true
                            let chunk = Int.random(in: 1...4096, using: &random)
                            task = createTask {
                                defer { sink.reading = false }
                                while true {
                                    let bytes = try await stream.read(max: chunk)
                                    if bytes.isEmpty { sink.finished = true; return }
                                    sink.bytes += bytes
                                }
                            }
                        } else {
                            task = createTask { try await sleepMs(2) }
                        }
                    case 1: task = createTask { try await sleep(0.001 * Double.random(in: 0...3, using: &random)) }
                    case 2: task = createTask { for _ in 0..<100 { try await sleep(0) } }
                    case 3: task = createTask { try await event.wait() }
                    case 4: task = createTask { _ = try await queue.get() }
                    case 5: task = createTask { try await lock.acquire(); try lock.release() }
                    case 6:
                        task = createTask {
                            _ = try await gather(createTask { try await sleepMs(1) }, createTask { try await sleep(0) })
                        }
                    default:
                        task = createTask { try await waitFor({ try await sleepMs(5) }, timeout: .milliseconds(3)) }
                    }
                    wave.append(task)
                }
                // Cancel each at a random point: before it runs, after some turns, or after a while.
                for task in wave {
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0: task.cancel()
                    case 1: try await sleep(0); task.cancel()
                    case 2: for _ in 0..<Int.random(in: 1...4, using: &random) { try await sleep(0) }; task.cancel()
                    default: break  // cancelled after the wave's pause below
                    }
                }
                try await sleepMs(Int.random(in: 0...2, using: &random))
                for task in wave {
                    task.cancel()
                    do { try await task.waitUntilDone() } catch is CancellationError {} catch is TimeoutError {}
                    finished += 1
                }
            }
            #expect(finished == Self.taskCount, "\(report)")
            // The readers were cancelled mid-read many times; the streams lost nothing.
            for (index, stream) in streams.enumerated() {
                let sink = received[index]
                while !sink.finished {
                    let bytes = try await stream.read()
                    if bytes.isEmpty { sink.finished = true } else { sink.bytes += bytes }
                }
                #expect(sink.bytes == (0..<Self.bytesPerConnection).map(patternByte), "connection \(index), \(report)")
                stream.close()
                try await stream.waitClosed()
            }
            try lock.release()
            server.close()
            try await server.waitClosed()
        }
    }
}

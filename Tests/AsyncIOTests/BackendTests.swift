@_spi(LowLevel) import AsyncIO
import AsyncIOTestSupport
import Glibc
import Testing

/// The backend CI expects on this leg (`ASYNCIO_EXPECT_BACKEND=uring|epoll`), if any.
let expectedBackend: String? = getenv("ASYNCIO_EXPECT_BACKEND").map { String(cString: $0) }

@Suite("Backend selection", .serialized, .timeLimit(.minutes(1)))
struct BackendTests {
    @Test func theLoopReportsItsBackendAndWhy() throws {
        try runLoopTest { try await RawIO.nop() }
        let backend = try #require(Loop.backend)
        #expect(!Loop.backendReason.isEmpty)
        if let expectedBackend {
            #expect(backend.rawValue == (expectedBackend == "uring" ? "io_uring" : expectedBackend),
                    "backend \(backend) because \(Loop.backendReason)")
        }
        if getenv("ASYNCIO_BACKEND") == nil && backend == .epoll {
            // Chosen automatically: the reason names what io_uring_setup said.
            #expect(Loop.backendReason.contains("io_uring unavailable"))
        }
    }

    @Test func pipeIOAndCancellationBehaveAlikeOnEveryBackend() throws {
        let pipe = TestPipe()
        try runLoopTest {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 1)
            defer { buffer.deallocate() }
            let reader = createTask { try await RawIO.read(fd: pipe.readFD, into: buffer) }
            try await sleepMs(2)
            reader.cancel()
            await #expect(throws: CancellationError.self) { _ = try await reader.value }
            let message = Array("over the pipe".utf8)
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: message.count, alignment: 1)
            defer { copy.deallocate() }
            copy.copyBytes(from: message)
            let written = try await RawIO.write(fd: pipe.writeFD, from: UnsafeRawBufferPointer(copy))
            #expect(written == message.count)
            let n = try await RawIO.read(fd: pipe.readFD, into: buffer)
            #expect(Array(buffer.prefix(n)) == message)
            let events = try await RawIO.poll(fd: pipe.writeFD, events: Int16(POLLOUT))
            #expect(events & Int16(POLLOUT) != 0)
        }
    }
}

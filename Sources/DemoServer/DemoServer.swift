public import AsyncIO
public import AsyncIOCamera
import AsyncIOHTTP
import HTTPTypes
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The camera-to-browser demo: one capture task and an HTTP server on the loop.
///
/// - `/` a page showing the live stream and statistics (polled from `/stats`);
/// - `/snapshot.jpg` the newest frame;
/// - `/stream` MJPEG (`multipart/x-mixed-replace`): every client gets the
///   newest frame when it has finished sending the previous one, so a slow
///   client skips frames (counted in ``DemoStatistics/framesSkippedByClients``)
///   and never queues more than one frame, nor slows the others;
/// - `/stats` ``DemoStatistics`` as JSON.
///
/// A new frame is encoded once, on the loop, and only while a stream client
/// or a snapshot request waits for it; all clients send the same bytes.
///
/// ```swift
/// try AsyncIO.run {
///     let demo = try await DemoServer.start(options: DemoOptions())
///     ...
///     await demo.stop()
/// }
/// ```
@Loop
public final class DemoServer {
    /// The settings it was started with.
    public nonisolated let options: DemoOptions
    /// The camera frames come from.
    public let camera: Camera
    /// Where the server listens (the real port when 0 was asked for).
    public var localAddress: SocketAddress { server.localAddress }
    /// The page's address, `http://host:port/`.
    public var url: String { "http://\(localAddress.host):\(localAddress.port)/" }

    private var server: HTTPServer!
    private let encoder: JPEGEncoder
    private var captureTask: TaskHandle<Void>?
    private var stopping = false
    private var captureEnded = false
    private let startedAt = LoopIO.monotonicNanoseconds()

    /// The newest encoded frame.
    private var latest: EncodedFrame?
    /// Woken (and replaced) whenever a new frame is encoded or the capture ends.
    private var frameReady = Event()
    /// Stream clients, and snapshot requests waiting for a frame.
    private var streamClients = 0
    private var snapshotWaiters = 0
    private var lastCapturedSequence: UInt32?
    private var generation = 0
    /// The generation each stream client sent last (or is sending).
    private var clientProgress: [ObjectIdentifier: Int] = [:]

    private var counters = DemoStatistics()
    private var captureTimes = SampleWindow(capacity: 256)
    private var latencies = SampleWindow(capacity: 512)
    private var encodeTimes = SampleWindow(capacity: 64)

    static let logger = Logger(label: "asyncio-demo")

    private init(options: DemoOptions, camera: Camera) {
        self.options = options
        self.camera = camera
        encoder = JPEGEncoder(quality: options.quality)
    }

    /// Opens the camera, starts capturing and starts listening.
    ///
    /// - Throws: ``CameraError`` when the named device cannot be opened;
    ///   what ``startServer(host:port:backlog:reusePort:handler:)`` throws (`EADDRINUSE`).
    public static func start(options: DemoOptions) async throws -> DemoServer {
        let camera = try openCamera(options)
        let demo = DemoServer(options: options, camera: camera)
        do {
            try camera.start()
            demo.server = try await HTTPServer.start(host: options.host, port: options.port) { [weak demo] request in
                guard let demo else { return HTTPServerResponse(status: .serviceUnavailable) }
                return try await demo.respond(to: request)
            }
        } catch {
            camera.close()
            throw error
        }
        demo.captureTask = createTask(name: "demo-capture") { [demo] in await demo.captureLoop() }
        return demo
    }

    /// Stops accepting, ends every connection, stops the capture and closes
    /// the camera. Idempotent.
    public func stop() async {
        guard !stopping else { return }
        stopping = true
        // Stream clients end their loops when woken; anything else in flight
        // gets a moment, then the server disconnects what is left.
        wakeWaiters()
        let shutdown = createTask { [server] in await server!.shutdown(gracePeriod: .milliseconds(200)) }
        if let captureTask {
            _ = captureTask.cancel()
            _ = try? await captureTask.value
        }
        camera.close()
        _ = try? await shutdown.value
    }

    /// The counters now.
    public var statistics: DemoStatistics {
        var s = counters
        let now = LoopIO.monotonicNanoseconds()
        let recent = captureTimes.values.filter { $0 > now - 1_000_000_000 }
        if recent.count >= 2, let first = recent.min(), let last = recent.max(), last > first {
            s.fps = Double(recent.count - 1) * 1e9 / Double(last - first)
        }
        s.latencyP50Ms = Double(latencies.percentile(0.5)) / 1e6
        s.latencyP99Ms = Double(latencies.percentile(0.99)) / 1e6
        s.encodeMs = encodeTimes.mean / 1e6
        s.clients = streamClients
        // Frames a client is skipping now, while it still sends an older one.
        let newest = latest?.generation ?? 0
        s.framesSkippedByClients += clientProgress.values.reduce(0) { $0 + max(0, newest - $1 - 1) }
        s.connections = server?.connectionCount ?? 0
        s.width = camera.format.width
        s.height = camera.format.height
        s.pixelFormat = camera.format.pixelFormat.fourcc
        s.device = camera.device
        s.backend = Loop.backendDescription
        s.uptime = Double(now - startedAt) / 1e9
        return s
    }

    private static func openCamera(_ options: DemoOptions) throws -> Camera {
        switch options.device {
        case nil:
            return try Camera.default(width: options.width, height: options.height, fps: options.fps)
        case "test-pattern"?:
            return try Camera.testPattern(width: options.width, height: options.height, fps: options.fps)
        case let device?:
            let camera = try Camera(device: device)
            let formats = try camera.supportedFormats()
            let format: PixelFormat = formats.contains(.yuyv) ? .yuyv : formats.contains(.mjpeg) ? .mjpeg : formats.first ?? .yuyv
            try camera.configure(width: options.width, height: options.height, pixelFormat: format)
            _ = try? camera.setFrameRate(options.fps)
            return camera
        }
    }

    // MARK: Capture

    private func captureLoop() async {
        let frames = camera.frames(policy: .latest, frameTimeout: .seconds(5))
        defer { frames.close() }
        while !stopping {
            let frame: Frame
            do {
                guard let next = try await frames.next() else { break }
                frame = next
            } catch is TimeoutError {
                Self.logger.warning("no frame from \(camera.device) for 5 s")
                continue
            } catch {
                if !stopping { Self.logger.error("capture ended: \(error)") }
                break
            }
            let now = LoopIO.monotonicNanoseconds()
            counters.framesCaptured += 1
            counters.framesDropped = frames.droppedFrames
            captureTimes.append(now)
            lastCapturedSequence = frame.sequence
            if streamClients > 0 || snapshotWaiters > 0 {
                encode(frame, capturedAt: frame.timestampIsMonotonic ? Int64(frame.timestamp / .nanoseconds(1)) : now)
            }
            frame.release()
        }
        captureEnded = true
        wakeWaiters()
    }

    private func encode(_ frame: Frame, capturedAt: Int64) {
        let start = LoopIO.monotonicNanoseconds()
        let jpeg: [UInt8]
        do {
            jpeg = try frame.withUnsafeBytes { bytes throws(JPEGError) in
                try encoder.encode(UnsafeRawBufferPointer(rebasing: bytes.prefix(max(frame.bytesUsed, frame.format.sizeImage))), format: frame.format)
            }
        } catch {
            Self.logger.error("encode failed: \(error)")
            return
        }
        encodeTimes.append(LoopIO.monotonicNanoseconds() - start)
        counters.framesEncoded += 1
        counters.jpegBytes = jpeg.count
        generation += 1
        latest = EncodedFrame(jpeg: jpeg, sequence: frame.sequence, capturedAt: capturedAt, generation: generation)
        wakeWaiters()
    }

    private func wakeWaiters() {
        let ready = frameReady
        frameReady = Event()
        ready.set()
    }

    /// Waits for a frame encoded after generation `after`.
    private func frame(after: Int) async throws -> EncodedFrame {
        while true {
            if let latest, latest.generation > after { return latest }
            if stopping || captureEnded { throw StreamError.closed }
            try await frameReady.wait()
        }
    }

    /// The newest frame: the encoded one if it is the newest captured, else the next.
    private func snapshot() async throws -> EncodedFrame {
        if let latest, latest.sequence == lastCapturedSequence { return latest }
        snapshotWaiters += 1
        defer { snapshotWaiters -= 1 }
        return try await waitFor({ [self] in try await frame(after: latest?.generation ?? 0) }, timeout: .seconds(5))
    }

    // MARK: HTTP

    /// The demo's routes (GET and HEAD only).
    private func respond(to request: HTTPServerRequest) async throws -> HTTPServerResponse {
        guard request.request.method == .get || request.request.method == .head else {
            return text(.methodNotAllowed, "only GET and HEAD\n", extra: [.allow: "GET, HEAD"])
        }
        var path = request.request.path ?? "/"
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        switch path {
        case "/", "/index.html":
            return HTTPServerResponse(headerFields: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], bytes: DemoPage.html)
        case "/stats":
            return HTTPServerResponse(headerFields: [.contentType: "application/json", .cacheControl: "no-store"], bytes: Array(statistics.json.utf8))
        case "/snapshot.jpg":
            do {
                let frame = try await snapshot()
                var fields: HTTPFields = [.contentType: "image/jpeg", .cacheControl: "no-store"]
                fields[HTTPField.Name("X-Frame-Sequence")!] = "\(frame.sequence)"
                return HTTPServerResponse(headerFields: fields, bytes: frame.jpeg)
            } catch is TimeoutError {
                return text(.serviceUnavailable, "no frame\n")
            }
        case "/stream":
            return HTTPServerResponse(
                headerFields: [
                    .contentType: "multipart/x-mixed-replace; boundary=\(EncodedFrame.boundary)",
                    .cacheControl: "no-store, no-cache, must-revalidate",
                    HTTPField.Name("Pragma")!: "no-cache",
                ],
                body: .streamUntilClose { @Loop [weak self] writer in try await self?.sendStream(writer) })
        default:
            return text(.notFound, "not found\n")
        }
    }

    private func text(_ status: HTTPResponse.Status, _ body: String, extra: HTTPFields = [:]) -> HTTPServerResponse {
        var fields: HTTPFields = [.contentType: "text/plain", .cacheControl: "no-store"]
        fields.append(contentsOf: extra)
        return HTTPServerResponse(status: status, headerFields: fields, bytes: Array(body.utf8))
    }

    /// MJPEG to one client: the newest frame each time the previous one is in
    /// the kernel. At most one frame waits in this process for the client.
    private func sendStream(_ writer: HTTPBodyWriter) async throws {
        // Every byte must reach the kernel before the next frame is taken
        // (`untilSent`), and the kernel's send buffer holds about two frames,
        // so a slow client skips frames instead of reading old ones from a queue.
        let frameSize = latest?.jpeg.count ?? camera.format.width * camera.format.height / 2
        writer.setSendBufferSize(max(32 * 1024, 2 * frameSize))
        let id = ObjectIdentifier(writer)
        streamClients += 1
        var sent = latest?.generation ?? 0
        var first = true
        defer {
            streamClients -= 1
            clientProgress[id] = nil
            // Frames newer than the one in flight when the client goes were skipped too.
            if !first { counters.framesSkippedByClients += max(0, (latest?.generation ?? sent) - sent) }
        }
        while !stopping {
            let frame = try await frame(after: sent)
            if !first { counters.framesSkippedByClients += frame.generation - sent - 1 }
            first = false
            sent = frame.generation
            clientProgress[id] = sent
            try await writer.write(frame.partHeader + frame.jpeg + [13, 10], untilSent: true)
            counters.framesSent += 1
            latencies.append(LoopIO.monotonicNanoseconds() - frame.capturedAt)
        }
    }
}

/// One encoded frame, shared by every client.
final class EncodedFrame: Sendable {
    /// The MJPEG stream's part boundary.
    static let boundary = "asyncioframe"

    let jpeg: [UInt8]
    let sequence: UInt32
    /// Capture time, `CLOCK_MONOTONIC` nanoseconds.
    let capturedAt: Int64
    let generation: Int
    /// The multipart part's headers.
    let partHeader: [UInt8]

    init(jpeg: [UInt8], sequence: UInt32, capturedAt: Int64, generation: Int) {
        self.jpeg = jpeg
        self.sequence = sequence
        self.capturedAt = capturedAt
        self.generation = generation
        partHeader = Array("--\(EncodedFrame.boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\nX-Frame-Sequence: \(sequence)\r\n\r\n".utf8)
    }
}

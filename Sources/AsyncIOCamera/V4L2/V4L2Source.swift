import AsyncIO
import CV4L2
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A V4L2 capture node streaming `MMAP` buffers on the loop.
///
/// The fd is `O_NONBLOCK`, so no ioctl here ever waits: one multishot poll
/// (`LoopIO.watch`, `POLLIN|POLLPRI`) reports readiness and `VIDIOC_DQBUF` is
/// called until `EAGAIN`. `EIO` restarts streaming (STREAMOFF, QBUF, STREAMON);
/// `ENODEV` or `POLLHUP` is terminal.
final class V4L2Source: CaptureSource {
    let device: String
    let info: CameraInfo
    private(set) var format: FrameFormat
    private(set) var frameInterval: FrameInterval?
    private(set) var buffers: [MappedBuffer] = []
    private(set) var poolGeneration = 0
    private(set) var isStreaming = false
    weak var sink: (any CaptureSink)?

    /// The open device, -1 once closed.
    private var fd: Int32
    /// `V4L2_BUF_TYPE_VIDEO_CAPTURE` or `..._MPLANE`.
    private let bufferType: UInt32
    private var isMultiplanar: Bool { bufferType == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE.rawValue }
    private let requestedBufferCount: Int
    /// Per buffer: the source owns it (queued with the driver, or idle while stopped).
    private var owned: [Bool] = []
    /// Per buffer: queued with the driver now.
    private var queued: [Bool] = []
    /// Plane descriptors for multi-planar QBUF/DQBUF/QUERYBUF.
    private let planeScratch: UnsafeMutablePointer<v4l2_plane>
    private static let maxPlanes = 8

    /// The current watch, its generation (stale watches' events are ignored),
    /// and how many watches have not yet delivered their final call.
    private var watchID: UInt64?
    private var watchGeneration = 0
    private var liveWatches = 0
    /// Set once closed or failed: the fd is closed when the last watch ends.
    private var isFinished = false
    /// The watch ended while no buffer was queued: arm again at the next QBUF.
    private var armWhenQueued = false
    /// Restarts since the last good frame (bounds a restart loop).
    private var restartsWithoutFrame = 0
    /// Watch re-arms since the last good frame (bounds a poll spin).
    private var rearmsWithoutFrame = 0

    private static let logger = Logger(label: "AsyncIOCamera")

    var queuedCount: Int { queued.lazy.filter { $0 }.count }

    /// Opens `path` (`O_RDWR|O_NONBLOCK|O_CLOEXEC`) and reads its capabilities,
    /// format and frame interval.
    init(path: String, bufferCount: Int) throws(CameraError) {
        device = path
        requestedBufferCount = bufferCount
        let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw CameraError.from(errno: errno, device: path, operation: "open") }
        self.fd = fd
        let info: CameraInfo
        switch CameraInfo.query(fd: fd, device: path) {
        case .success(let value): info = value
        case .failure(let error):
            Glibc.close(fd)
            throw error.code == .system && error.errno == ENOTTY
                ? CameraError(.notACaptureDevice, device: path, operation: "VIDIOC_QUERYCAP", errno: ENOTTY)
                : error
        }
        guard info.isStreamingCapture else {
            Glibc.close(fd)
            throw CameraError(.notACaptureDevice, device: path, operation: "VIDIOC_QUERYCAP",
                              detail: "capabilities 0x\(String(info.capabilities.rawValue, radix: 16)) lack video capture with streaming")
        }
        self.info = info
        // Allocated only once nothing before full initialisation can throw: an
        // initialiser that throws earlier never runs `deinit` (AddressSanitizer
        // found the leak of the failed opens).
        planeScratch = .allocate(capacity: V4L2Source.maxPlanes)
        planeScratch.initialize(repeating: v4l2_plane(), count: V4L2Source.maxPlanes)
        // Single-planar when the node offers both (most tools expect it).
        bufferType = info.capabilities.contains(.videoCapture)
            ? V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue : V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE.rawValue
        format = FrameFormat(width: 0, height: 0, pixelFormat: PixelFormat(rawValue: 0), planes: [])
        do {
            var f = v4l2_format()
            f.type = bufferType
            try ioctl(CV4L2_VIDIOC_G_FMT, &f, "VIDIOC_G_FMT")
            format = parse(&f)
            frameInterval = try? readFrameInterval()
        } catch {
            // Fully initialised by now: `deinit` closes the fd and frees the
            // scratch (closing it here too would close a reused fd number).
            throw error
        }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
        planeScratch.deallocate()
    }

    // MARK: Format and controls

    func configure(width: Int, height: Int, pixelFormat: PixelFormat) throws(CameraError) -> FrameFormat {
        try checkOpen("VIDIOC_S_FMT")
        guard width > 0, height > 0 else {
            throw CameraError(.invalidArgument, device: device, operation: "VIDIOC_S_FMT", detail: "size \(width)x\(height)")
        }
        var f = v4l2_format()
        f.type = bufferType
        if isMultiplanar {
            let mp = cv4l2_format_pix_mp(&f)!
            mp.pointee.width = UInt32(clamping: width)
            mp.pointee.height = UInt32(clamping: height)
            mp.pointee.pixelformat = pixelFormat.rawValue
            mp.pointee.field = V4L2_FIELD_NONE.rawValue
        } else {
            let pix = cv4l2_format_pix(&f)!
            pix.pointee.width = UInt32(clamping: width)
            pix.pointee.height = UInt32(clamping: height)
            pix.pointee.pixelformat = pixelFormat.rawValue
            pix.pointee.field = V4L2_FIELD_NONE.rawValue
        }
        try ioctl(CV4L2_VIDIOC_S_FMT, &f, "VIDIOC_S_FMT")
        format = parse(&f)
        if format.pixelFormat != pixelFormat {
            let offered = (try? supportedFormats())?.map(\.fourcc).joined(separator: ", ") ?? "?"
            throw CameraError(.unsupportedFormat, device: device, operation: "VIDIOC_S_FMT",
                              detail: "asked for \(pixelFormat), the driver chose \(format.pixelFormat); it offers \(offered)")
        }
        // A format change may reset the rate; report what holds now.
        frameInterval = try? readFrameInterval()
        return format
    }

    func setFrameRate(_ fps: Double) throws(CameraError) -> FrameInterval? {
        try checkOpen("VIDIOC_S_PARM")
        guard fps > 0, fps.isFinite else {
            throw CameraError(.invalidArgument, device: device, operation: "VIDIOC_S_PARM", detail: "rate \(fps)")
        }
        var parm = v4l2_streamparm()
        parm.type = bufferType
        try ioctl(CV4L2_VIDIOC_G_PARM, &parm, "VIDIOC_G_PARM")
        let capture = cv4l2_streamparm_capture(&parm)!
        guard capture.pointee.capability & UInt32(V4L2_CAP_TIMEPERFRAME) != 0 else {
            throw CameraError(.unsupportedControl, device: device, operation: "VIDIOC_S_PARM",
                              detail: "the driver does not support setting the frame interval")
        }
        let wanted = FrameInterval(fps: fps)
        capture.pointee.timeperframe = v4l2_fract(numerator: wanted.numerator, denominator: wanted.denominator)
        try ioctl(CV4L2_VIDIOC_S_PARM, &parm, "VIDIOC_S_PARM")
        let chosen = cv4l2_streamparm_capture(&parm)!.pointee.timeperframe
        frameInterval = FrameInterval(numerator: chosen.numerator, denominator: chosen.denominator)
        return frameInterval
    }

    func supportedFormats() throws(CameraError) -> [PixelFormat] {
        try checkOpen("VIDIOC_ENUM_FMT")
        var result: [PixelFormat] = []
        var index: UInt32 = 0
        while index < 256 {
            var desc = v4l2_fmtdesc()
            desc.index = index
            desc.type = bufferType
            let rc = cv4l2_ioctl(fd, CV4L2_VIDIOC_ENUM_FMT, &desc)
            if rc == -EINVAL { break }
            if rc < 0 { throw CameraError.from(errno: -rc, device: device, operation: "VIDIOC_ENUM_FMT") }
            result.append(PixelFormat(rawValue: desc.pixelformat))
            index += 1
        }
        return result
    }

    func controls() throws(CameraError) -> [ControlInfo] {
        try checkOpen("VIDIOC_QUERYCTRL")
        var result: [ControlInfo] = []
        let nextFlag: UInt32 = 0x8000_0000  // V4L2_CTRL_FLAG_NEXT_CTRL
        var id: UInt32 = nextFlag
        while true {
            var q = v4l2_queryctrl()
            q.id = id
            let rc = cv4l2_ioctl(fd, CV4L2_VIDIOC_QUERYCTRL, &q)
            if rc == -EINVAL { break }
            if rc < 0 { throw CameraError.from(errno: -rc, device: device, operation: "VIDIOC_QUERYCTRL") }
            let kind = ControlInfo.kind(ofV4L2Type: q.type)
            if kind != .controlClass {
                var menu: [Int32: String] = [:]
                if kind == .menu || kind == .integerMenu {
                    var value = q.minimum
                    while value <= q.maximum && value - q.minimum < 64 {
                        var item = v4l2_querymenu()
                        item.id = q.id
                        item.index = UInt32(bitPattern: value)
                        if cv4l2_ioctl(fd, CV4L2_VIDIOC_QUERYMENU, &item) == 0 {
                            menu[value] = kind == .menu ? cString(item.name) : String(item.value)
                        }
                        value += 1
                    }
                }
                result.append(ControlInfo(
                    id: CameraControl(rawValue: q.id), name: cString(q.name), kind: kind,
                    minimum: q.minimum, maximum: q.maximum, step: q.step, defaultValue: q.default_value,
                    flags: q.flags, menu: menu))
            }
            id = q.id | nextFlag
        }
        return result
    }

    func control(_ id: CameraControl) throws(CameraError) -> Int32 {
        try checkOpen("VIDIOC_G_CTRL")
        var c = v4l2_control(id: id.rawValue, value: 0)
        let rc = cv4l2_ioctl(fd, CV4L2_VIDIOC_G_CTRL, &c)
        if rc < 0 { throw controlError(-rc, id, "VIDIOC_G_CTRL") }
        return c.value
    }

    func setControl(_ id: CameraControl, to value: Int32) throws(CameraError) {
        try checkOpen("VIDIOC_S_CTRL")
        var c = v4l2_control(id: id.rawValue, value: value)
        let rc = cv4l2_ioctl(fd, CV4L2_VIDIOC_S_CTRL, &c)
        if rc < 0 { throw controlError(-rc, id, "VIDIOC_S_CTRL") }
    }

    private func controlError(_ code: Int32, _ id: CameraControl, _ op: String) -> CameraError {
        switch code {
        case EINVAL, ERANGE, EACCES:
            return CameraError(.unsupportedControl, device: device, operation: op, errno: code, detail: "control \(id)")
        default:
            return CameraError.from(errno: code, device: device, operation: op, detail: "control \(id)")
        }
    }

    // MARK: Streaming

    func start() throws(CameraError) {
        try checkOpen("VIDIOC_STREAMON")
        guard !isStreaming else { return }
        if buffers.isEmpty { try allocatePool() }
        for index in buffers.indices where owned[index] && !queued[index] {
            try queueBuffer(index)
        }
        var type = Int32(bitPattern: bufferType)
        try ioctl(CV4L2_VIDIOC_STREAMON, &type, "VIDIOC_STREAMON")
        isStreaming = true
        restartsWithoutFrame = 0
        rearmsWithoutFrame = 0
        subscribeEvents()
        arm()
    }

    func stop() {
        guard isStreaming else { return }
        isStreaming = false
        disarm()
        var type = Int32(bitPattern: bufferType)
        _ = cv4l2_ioctl(fd, CV4L2_VIDIOC_STREAMOFF, &type)
        for index in queued.indices { queued[index] = false }
    }

    func requeue(_ index: Int) {
        guard index < owned.count, !owned[index] else { return }
        owned[index] = true
        guard isStreaming, !isFinished else { return }
        do {
            try queueBuffer(index)
        } catch {
            handleStreamingError(error)
        }
    }

    func releasePool() throws(CameraError) {
        guard !buffers.isEmpty else { return }
        stop()
        buffers = []
        owned = []
        queued = []
        poolGeneration += 1
        guard !isFinished else { return }
        var req = v4l2_requestbuffers()
        req.count = 0
        req.type = bufferType
        req.memory = V4L2_MEMORY_MMAP.rawValue
        let rc = cv4l2_ioctl(fd, CV4L2_VIDIOC_REQBUFS, &req)
        if rc == -EBUSY {
            throw CameraError(.busy, device: device, operation: "VIDIOC_REQBUFS",
                              errno: EBUSY, detail: "frames of the old buffers are still held; release them first")
        }
        if rc < 0 { throw CameraError.from(errno: -rc, device: device, operation: "VIDIOC_REQBUFS") }
    }

    func close() {
        guard !isFinished else { return }
        stop()
        isFinished = true
        buffers = []
        owned = []
        queued = []
        poolGeneration += 1
        closeIfIdle()
    }

    // MARK: Buffers

    private func allocatePool() throws(CameraError) {
        var req = v4l2_requestbuffers()
        req.count = UInt32(requestedBufferCount)
        req.type = bufferType
        req.memory = V4L2_MEMORY_MMAP.rawValue
        try ioctl(CV4L2_VIDIOC_REQBUFS, &req, "VIDIOC_REQBUFS")
        guard req.count > 0 else {
            throw CameraError(.system, device: device, operation: "VIDIOC_REQBUFS", detail: "the driver granted no buffer")
        }
        var pool: [MappedBuffer] = []
        for index in 0..<Int(req.count) {
            do {
                pool.append(try mapBuffer(index))
            } catch {
                pool.removeAll()  // unmaps what was mapped
                var free = v4l2_requestbuffers()
                free.type = bufferType
                free.memory = V4L2_MEMORY_MMAP.rawValue
                _ = cv4l2_ioctl(fd, CV4L2_VIDIOC_REQBUFS, &free)
                throw error
            }
        }
        buffers = pool
        owned = Array(repeating: true, count: pool.count)
        queued = Array(repeating: false, count: pool.count)
        poolGeneration += 1
    }

    /// QUERYBUF, then mmap and EXPBUF every plane of buffer `index`.
    private func mapBuffer(_ index: Int) throws(CameraError) -> MappedBuffer {
        var buf = v4l2_buffer()
        buf.index = UInt32(index)
        buf.type = bufferType
        buf.memory = V4L2_MEMORY_MMAP.rawValue
        var locations: [(offset: UInt32, length: Int)] = []
        if isMultiplanar {
            resetPlanes()
            cv4l2_buffer_set_planes(&buf, planeScratch, UInt32(V4L2Source.maxPlanes))
            try ioctl(CV4L2_VIDIOC_QUERYBUF, &buf, "VIDIOC_QUERYBUF")
            for p in 0..<Int(buf.length) {
                locations.append((cv4l2_plane_offset(planeScratch + p), Int(planeScratch[p].length)))
            }
        } else {
            try ioctl(CV4L2_VIDIOC_QUERYBUF, &buf, "VIDIOC_QUERYBUF")
            locations.append((cv4l2_buffer_offset(&buf), Int(buf.length)))
        }
        var planes: [MappedBuffer.Plane] = []
        for (p, location) in locations.enumerated() {
            let base = mmap(nil, location.length, PROT_READ, MAP_SHARED, fd, off_t(location.offset))
            guard let base, base != MAP_FAILED else {
                let code = errno
                for plane in planes {
                    munmap(plane.base, plane.length)
                    if plane.dmabufFD >= 0 { Glibc.close(plane.dmabufFD) }
                }
                throw CameraError.from(errno: code, device: device, operation: "mmap", detail: "buffer \(index) plane \(p)")
            }
            var export = v4l2_exportbuffer()
            export.type = bufferType
            export.index = UInt32(index)
            export.plane = UInt32(p)
            export.flags = UInt32(O_RDONLY | O_CLOEXEC)
            // A driver without EXPBUF still streams; its frames have no dma-buf fd.
            let dmabuf: Int32 = cv4l2_ioctl(fd, CV4L2_VIDIOC_EXPBUF, &export) == 0 ? export.fd : -1
            planes.append(MappedBuffer.Plane(base: base, length: location.length, dmabufFD: dmabuf))
        }
        return MappedBuffer(index: index, planes: planes, storage: .deviceMapping)
    }

    private func queueBuffer(_ index: Int) throws(CameraError) {
        var buf = v4l2_buffer()
        buf.index = UInt32(index)
        buf.type = bufferType
        buf.memory = V4L2_MEMORY_MMAP.rawValue
        if isMultiplanar {
            resetPlanes()
            cv4l2_buffer_set_planes(&buf, planeScratch, UInt32(buffers[index].planes.count))
        }
        try ioctl(CV4L2_VIDIOC_QBUF, &buf, "VIDIOC_QBUF")
        queued[index] = true
        if armWhenQueued, isStreaming, !isFinished {
            armWhenQueued = false
            arm()
        }
    }

    private func resetPlanes() {
        for p in 0..<V4L2Source.maxPlanes { planeScratch[p] = v4l2_plane() }
    }

    // MARK: Readiness

    private func arm() {
        watchGeneration += 1
        let generation = watchGeneration
        liveWatches += 1
        watchID = LoopIO.watch(fd: fd, events: Int16(POLLIN | POLLPRI)) { revents, isFinal in
            self.onPoll(revents: revents, isFinal: isFinal, generation: generation)
        }
    }

    private func disarm() {
        watchGeneration += 1
        armWhenQueued = false
        if let id = watchID { LoopIO.cancel(id) }
        watchID = nil
    }

    private func onPoll(revents: Int32, isFinal: Bool, generation: Int) {
        if isFinal {
            liveWatches -= 1
            if generation == watchGeneration { watchID = nil }
        }
        defer { closeIfIdle() }
        guard generation == watchGeneration, isStreaming, !isFinished else { return }
        if revents < 0 {
            if revents != -ECANCELED {
                fail(CameraError.from(errno: -revents, device: device, operation: "poll"))
            }
            return
        }
        let gotFrame = revents & Int32(POLLIN | POLLRDNORM | POLLERR | POLLHUP) != 0 ? drain() : false
        guard isStreaming, !isFinished else { return }
        if revents & Int32(POLLPRI) != 0 { drainEvents() }
        if revents & Int32(POLLHUP) != 0 {
            fail(CameraError(.disconnected, device: device, operation: "poll", errno: ENODEV, detail: "POLLHUP"))
            return
        }
        if revents & Int32(POLLERR) != 0, !gotFrame {
            // POLLERR without a DQBUF error: is the device still there?
            var cap = v4l2_capability()
            if cv4l2_ioctl(fd, CV4L2_VIDIOC_QUERYCAP, &cap) == -ENODEV {
                fail(CameraError(.disconnected, device: device, operation: "VIDIOC_QUERYCAP", errno: ENODEV, detail: "POLLERR"))
                return
            }
        }
        if isFinal, generation == watchGeneration {
            if queuedCount == 0 {
                // vb2 reports POLLERR until the first QBUF after STREAMON (the app
                // holds every buffer): watch again once a buffer is queued.
                armWhenQueued = true
                return
            }
            rearmsWithoutFrame += 1
            if rearmsWithoutFrame > 8 {
                fail(CameraError(.streamingFailed, device: device, operation: "poll",
                                 detail: "the device keeps ending its poll without delivering a frame"))
                return
            }
            arm()
        }
    }

    /// DQBUF until EAGAIN. Returns true if at least one buffer came back.
    @discardableResult
    private func drain() -> Bool {
        var any = false
        while isStreaming, !isFinished {
            var buf = v4l2_buffer()
            buf.type = bufferType
            buf.memory = V4L2_MEMORY_MMAP.rawValue
            if isMultiplanar {
                resetPlanes()
                cv4l2_buffer_set_planes(&buf, planeScratch, UInt32(V4L2Source.maxPlanes))
            }
            let rc = cv4l2_ioctl(fd, CV4L2_VIDIOC_DQBUF, &buf)
            if rc < 0 {
                switch -rc {
                case EAGAIN, EINVAL, EPIPE: break  // drained; not streaming; last buffer
                default: handleStreamingError(CameraError.from(errno: -rc, device: device, operation: "VIDIOC_DQBUF"))
                }
                return any
            }
            let index = Int(buf.index)
            guard index < buffers.count else { continue }  // a vb2 quirk (libcamera ignores these too)
            queued[index] = false
            owned[index] = false
            any = true
            restartsWithoutFrame = 0
            rearmsWithoutFrame = 0
            var planes: [(offset: Int, count: Int)] = []
            if isMultiplanar {
                for p in 0..<min(Int(buf.length), buffers[index].planes.count) {
                    let plane = planeScratch[p]
                    let offset = Int(min(plane.data_offset, plane.bytesused))
                    planes.append((offset, Int(plane.bytesused) - offset))
                }
            } else {
                planes.append((0, Int(buf.bytesused)))
            }
            let flags = buf.flags
            let completed = CompletedBuffer(
                index: index, sequence: buf.sequence,
                timestampNanoseconds: cv4l2_buffer_timestamp_ns(&buf),
                timestampIsMonotonic: flags & UInt32(V4L2_BUF_FLAG_TIMESTAMP_MASK) == UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC),
                planes: planes, flags: flags, isCorrupt: flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0)
            if let sink {
                sink.captured(completed)
            } else {
                requeue(index)
            }
        }
        return any
    }

    /// DQEVENT until none is pending (a source change is logged).
    private func drainEvents() {
        for _ in 0..<64 {
            var event = v4l2_event()
            guard cv4l2_ioctl(fd, CV4L2_VIDIOC_DQEVENT, &event) == 0 else { return }
            var type: UInt32 = 0
            var pending: UInt32 = 0
            cv4l2_event_info(&event, &type, &pending)
            if type == UInt32(V4L2_EVENT_SOURCE_CHANGE) {
                V4L2Source.logger.warning("camera \(device): the source changed (V4L2_EVENT_SOURCE_CHANGE); reconfigure to follow it")
            }
            if pending == 0 { return }
        }
    }

    private func subscribeEvents() {
        var sub = v4l2_event_subscription()
        sub.type = UInt32(V4L2_EVENT_SOURCE_CHANGE)
        _ = cv4l2_ioctl(fd, CV4L2_VIDIOC_SUBSCRIBE_EVENT, &sub)  // optional: many drivers have none
    }

    // MARK: Errors

    private func handleStreamingError(_ error: CameraError) {
        switch error.errno {
        case ENODEV, ENXIO:
            fail(CameraError(.disconnected, device: device, operation: error.operation, errno: error.errno))
        case EIO:
            restart(after: error)
        default:
            fail(CameraError(.streamingFailed, device: device, operation: error.operation, errno: error.errno,
                             detail: error.detail))
        }
    }

    /// STREAMOFF, QBUF every buffer the source owns, STREAMON (what recovers
    /// from `vb2_queue_error`). Three failed restarts in a row are terminal.
    private func restart(after error: CameraError) {
        restartsWithoutFrame += 1
        if restartsWithoutFrame > 3 {
            fail(CameraError(.streamingFailed, device: device, operation: error.operation, errno: error.errno,
                             detail: "streaming failed again after \(restartsWithoutFrame - 1) restarts"))
            return
        }
        V4L2Source.logger.warning("camera \(device): restarting streaming after \(error)")
        var type = Int32(bitPattern: bufferType)
        _ = cv4l2_ioctl(fd, CV4L2_VIDIOC_STREAMOFF, &type)
        for index in queued.indices { queued[index] = false }
        do {
            for index in buffers.indices where owned[index] { try queueBuffer(index) }
            try ioctl(CV4L2_VIDIOC_STREAMON, &type, "VIDIOC_STREAMON")
        } catch {
            if error.code == .disconnected { fail(error) } else {
                fail(CameraError(.streamingFailed, device: device, operation: error.operation, errno: error.errno,
                                 detail: "restart failed"))
            }
            return
        }
        sink?.streamRestarted(reason: error)
    }

    /// Terminal: stop, release the pool, report, close the fd once no watch is live.
    private func fail(_ error: CameraError) {
        guard !isFinished else { return }
        isStreaming = false
        isFinished = true
        disarm()
        buffers = []
        owned = []
        queued = []
        poolGeneration += 1
        sink?.failed(error)
        closeIfIdle()
    }

    private func closeIfIdle() {
        // The epoll backend keys its watches by fd number: close only after the last final call.
        if isFinished, liveWatches == 0, fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    // MARK: Helpers

    private func checkOpen(_ operation: String) throws(CameraError) {
        if isFinished { throw CameraError(.closed, device: device, operation: operation) }
    }

    private func ioctl<T>(_ request: UInt, _ arg: inout T, _ name: String) throws(CameraError) {
        let rc = withUnsafeMutablePointer(to: &arg) { cv4l2_ioctl(fd, request, $0) }
        if rc < 0 { throw CameraError.from(errno: -rc, device: device, operation: name) }
    }

    private func readFrameInterval() throws(CameraError) -> FrameInterval? {
        var parm = v4l2_streamparm()
        parm.type = bufferType
        try ioctl(CV4L2_VIDIOC_G_PARM, &parm, "VIDIOC_G_PARM")
        let t = cv4l2_streamparm_capture(&parm)!.pointee.timeperframe
        return t.denominator == 0 ? nil : FrameInterval(numerator: t.numerator, denominator: t.denominator)
    }

    private func parse(_ f: inout v4l2_format) -> FrameFormat {
        if isMultiplanar {
            let mp = cv4l2_format_pix_mp(&f)!.pointee
            var planes: [PlaneLayout] = []
            for p in 0..<min(Int(mp.num_planes), V4L2Source.maxPlanes) {
                var stride: UInt32 = 0
                var size: UInt32 = 0
                cv4l2_format_mp_plane(&f, UInt32(p), &stride, &size)
                planes.append(PlaneLayout(bytesPerLine: Int(stride), sizeImage: Int(size)))
            }
            return FrameFormat(width: Int(mp.width), height: Int(mp.height), pixelFormat: PixelFormat(rawValue: mp.pixelformat),
                               planes: planes, isMultiplanar: true)
        }
        let pix = cv4l2_format_pix(&f)!.pointee
        return FrameFormat(width: Int(pix.width), height: Int(pix.height), pixelFormat: PixelFormat(rawValue: pix.pixelformat),
                           planes: [PlaneLayout(bytesPerLine: Int(pix.bytesperline), sizeImage: Int(pix.sizeimage))])
    }
}

public import CURing
#if canImport(Glibc)
import Glibc
#endif

/// A single io_uring instance: setup with probing, submission, waiting and batched reaping.
///
/// `Ring` is synchronous and not thread-safe: one thread owns it (with
/// `IORING_SETUP_SINGLE_ISSUER` the kernel enforces that). The `io_uring`
/// structure lives at a stable heap address for the ring's whole life.
public final class Ring {
    /// What to ask the kernel for.
    public struct Configuration: Sendable {
        /// Submission queue entries (rounded up to a power of two by the kernel).
        public var entries: UInt32 = 256
        /// Completion queue entries as a multiple of `entries` (at least 2, see reliability notes).
        public var completionMultiplier: UInt32 = 4
        /// Try `SINGLE_ISSUER|DEFER_TASKRUN`, then `COOP_TASKRUN`, before a plain ring.
        public var preferDeferredTaskrun = true
        /// Creates the default configuration.
        public init() {}
    }

    @usableFromInline let ring: UnsafeMutablePointer<io_uring>
    /// The setup mode the kernel accepted.
    public let mode: RingSetupMode
    /// The features the kernel reported.
    public let features: RingFeatures
    /// The supported opcodes.
    public let probe: OpcodeProbe
    /// The number of submission entries actually allocated.
    public let entries: UInt32

    /// Sets up a ring, falling back from the fastest mode to a plain ring and
    /// halving the size on `ENOMEM` down to 64 entries.
    ///
    /// - Throws: ``RingUnavailableError`` naming the cause when no ring can be made
    ///   (`EPERM` from seccomp or the sysctl, `ENOSYS`, `ENOMEM`), or when the kernel
    ///   lacks `IORING_FEAT_NODROP`, `IORING_FEAT_EXT_ARG` or an opcode the runtime uses.
    public init(_ configuration: Configuration = .init()) throws(RingUnavailableError) {
        let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
        ring.initialize(to: io_uring())
        var modes: [(RingSetupMode, UInt32)] = []
        if configuration.preferDeferredTaskrun {
            modes.append((.deferTaskrun, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN))
            modes.append((.coopTaskrun, IORING_SETUP_COOP_TASKRUN))
        }
        modes.append((.plain, 0))

        var entries = max(configuration.entries, 8)
        var lastError = Errno.invalidArgument
        var chosen: (RingSetupMode, io_uring_params)?
        setup: while true {
            for (mode, flags) in modes {
                var params = io_uring_params()
                params.flags = flags | IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL
                params.cq_entries = entries * max(configuration.completionMultiplier, 2)
                let rc = io_uring_queue_init_params(entries, ring, &params)
                if rc == 0 { chosen = (mode, params); break setup }
                lastError = Errno(negatedResult: rc)
                // EINVAL: this kernel does not know a flag; try the next mode.
                if lastError != .invalidArgument { break }
            }
            if lastError == .noMemory && entries > 64 {
                entries /= 2
                continue
            }
            break
        }
        guard let (mode, params) = chosen else {
            ring.deallocate()
            throw RingUnavailableError(setupErrno: lastError)
        }
        self.ring = ring
        self.mode = mode
        self.entries = params.sq_entries
        self.features = RingFeatures(rawValue: params.features)

        if let raw = io_uring_get_probe_ring(ring) {
            let ops = (0...UInt8.max).filter { io_uring_opcode_supported(raw, Int32($0)) != 0 }
            io_uring_free_probe(raw)
            self.probe = OpcodeProbe(supportedOpcodes: ops)
        } else {
            self.probe = OpcodeProbe(supportedOpcodes: [])
        }

        var missing: [String] = []
        if !features.contains(.noDrop) { missing.append("IORING_FEAT_NODROP") }
        if !features.contains(.extendedArgument) { missing.append("IORING_FEAT_EXT_ARG") }
        missing += probe.missing(Ring.runtimeOpcodes)
        if !missing.isEmpty {
            io_uring_queue_exit(ring)
            ring.deallocate()
            throw RingUnavailableError(missing: missing.joined(separator: ", "))
        }
    }

    deinit {
        io_uring_queue_exit(ring)
        ring.deallocate()
    }

    /// The ring's file descriptor (for diagnostics).
    public var fileDescriptor: Int32 { ring.pointee.ring_fd }

    // MARK: Submission

    /// The next free submission entry, or `nil` when the SQ is full (call ``submit()`` then retry).
    @inlinable public func tryNextEntry() -> SubmissionEntry? {
        guard let sqe = io_uring_get_sqe(ring) else { return nil }
        return SubmissionEntry(sqe)
    }

    /// Entries prepared but not yet handed to the kernel.
    @inlinable public var pendingSubmissions: UInt32 { io_uring_sq_ready(ring) }

    /// Hands prepared entries to the kernel without waiting.
    ///
    /// - Returns: the number submitted.
    /// - Throws: `EBUSY`/`EAGAIN` when the kernel wants completions reaped first;
    ///   `EINTR` is retried here.
    @discardableResult
    public func submit() throws(Errno) -> Int {
        while true {
            let rc = io_uring_submit(ring)
            if rc >= 0 { return Int(rc) }
            let e = Errno(negatedResult: rc)
            if e == .interrupted { continue }
            throw e
        }
    }

    /// Submits and, with `DEFER_TASKRUN`, runs pending task work so completions
    /// are posted, without blocking.
    ///
    /// - Throws: `EBUSY`/`EAGAIN` when completions must be reaped first.
    public func submitAndGetEvents() throws(Errno) {
        while true {
            let rc = io_uring_submit_and_get_events(ring)
            if rc >= 0 { return }
            let e = Errno(negatedResult: rc)
            if e == .interrupted { continue }
            throw e
        }
    }

    /// Submits and blocks until at least one completion is available, the
    /// timeout passes, or a signal arrives.
    ///
    /// - Parameter timeoutNanoseconds: the longest wait, `nil` for no limit.
    /// - Throws: `EBUSY`/`EAGAIN` when completions must be reaped first. A timeout
    ///   (`ETIME`) and a signal (`EINTR`) are normal returns.
    public func submitAndWait(timeoutNanoseconds: Int64?) throws(Errno) {
        var cqe: UnsafeMutablePointer<io_uring_cqe>? = nil
        let rc: Int32
        if let ns = timeoutNanoseconds {
            var ts = __kernel_timespec(tv_sec: ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000)
            rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, nil)
        } else {
            rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, nil, nil)
        }
        if rc >= 0 { return }
        let e = Errno(negatedResult: rc)
        if e == .timerExpired || e == .interrupted { return }
        throw e
    }

    // MARK: Completion

    /// Completions waiting in the CQ ring.
    @inlinable public var readyCompletions: UInt32 { io_uring_cq_ready(ring) }

    /// True when the kernel is holding completions that did not fit the CQ ring.
    public var hasOverflow: Bool { io_uring_cq_has_overflow(ring) }

    /// Completions the kernel had to drop (nonzero only without `NODROP`; a bug if it moves).
    public var droppedCompletions: UInt32 { ring.pointee.cq.koverflow.pointee }

    /// Copies out and retires every completion in the CQ ring, in batches of
    /// up to 64, calling `body` for each. Each batch is copied and handed back
    /// to the kernel before `body` runs, so `body` may prepare new submissions.
    ///
    /// - Returns: the number of completions handled.
    @inlinable @discardableResult
    public func reap(_ body: (Completion) -> Void) -> Int {
        let batch = 64
        return withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<io_uring_cqe>?.self, capacity: batch) { cqes in
            withUnsafeTemporaryAllocation(of: Completion.self, capacity: batch) { copies in
                var total = 0
                while true {
                    let n = Int(io_uring_peek_batch_cqe(ring, cqes.baseAddress!, UInt32(batch)))
                    if n == 0 { return total }
                    for i in 0..<n {
                        let cqe = cqes[i].unsafelyUnwrapped
                        copies.initializeElement(
                            at: i, to: Completion(userData: cqe.pointee.user_data, result: cqe.pointee.res, flags: cqe.pointee.flags))
                    }
                    io_uring_cq_advance(ring, UInt32(n))
                    for i in 0..<n { body(copies[i]) }
                    total += n
                    if n < batch { return total }
                }
            }
        }
    }
}

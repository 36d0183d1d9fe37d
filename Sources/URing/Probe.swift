public import CURing

/// The io_uring features the kernel reported at setup (`IORING_FEAT_*`).
public struct RingFeatures: OptionSet, Sendable, Hashable {
    /// The `IORING_FEAT_*` bits.
    public let rawValue: UInt32
    /// Wraps feature bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Completions are never dropped when the CQ ring is full (`IORING_FEAT_NODROP`).
    public static let noDrop = RingFeatures(rawValue: IORING_FEAT_NODROP)
    /// `io_uring_enter` takes a timeout argument, so waits need no timeout SQE (`IORING_FEAT_EXT_ARG`).
    public static let extendedArgument = RingFeatures(rawValue: IORING_FEAT_EXT_ARG)
    /// Submission data is stable once submitted (`IORING_FEAT_SUBMIT_STABLE`).
    public static let submitStable = RingFeatures(rawValue: IORING_FEAT_SUBMIT_STABLE)
    /// Poll operations are armed internally for sockets (`IORING_FEAT_FAST_POLL`).
    public static let fastPoll = RingFeatures(rawValue: IORING_FEAT_FAST_POLL)
}

/// How the ring was set up: the most efficient mode the kernel accepted.
public enum RingSetupMode: String, Sendable, CustomStringConvertible {
    /// `IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN` (Linux 6.1+):
    /// completions are posted only when the loop enters the kernel.
    case deferTaskrun = "single-issuer+defer-taskrun"
    /// `IORING_SETUP_COOP_TASKRUN` (Linux 5.19+).
    case coopTaskrun = "coop-taskrun"
    /// No optional flags.
    case plain = "plain"

    /// A readable form, for logs and messages.
    public var description: String { rawValue }
}

/// Which opcodes the running kernel supports, read once with `IORING_REGISTER_PROBE`.
public struct OpcodeProbe: Sendable {
    private var supported: [Bool]

    /// Creates a probe result from a list of supported opcodes (for tests and fakes).
    public init(supportedOpcodes: [UInt8]) {
        supported = Array(repeating: false, count: 256)
        for op in supportedOpcodes { supported[Int(op)] = true }
    }

    /// True when the kernel supports `opcode` (an `IORING_OP_*` value).
    public func supports(_ opcode: io_uring_op) -> Bool {
        supported[Int(opcode.rawValue)]
    }

    /// The opcodes the runtime needs that this kernel lacks, by name (empty when all are present).
    public func missing(_ required: [(io_uring_op, String)]) -> [String] {
        required.filter { !supports($0.0) }.map(\.1)
    }
}

extension Ring {
    /// The opcodes the asyncio runtime submits, with their names for error messages.
    public static let runtimeOpcodes: [(io_uring_op, String)] = [
        (IORING_OP_NOP, "NOP"), (IORING_OP_READ, "READ"), (IORING_OP_WRITE, "WRITE"),
        (IORING_OP_TIMEOUT, "TIMEOUT"), (IORING_OP_LINK_TIMEOUT, "LINK_TIMEOUT"),
        (IORING_OP_POLL_ADD, "POLL_ADD"), (IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"),
        (IORING_OP_SEND, "SEND"), (IORING_OP_RECV, "RECV"), (IORING_OP_ACCEPT, "ACCEPT"),
        (IORING_OP_CONNECT, "CONNECT"), (IORING_OP_CLOSE, "CLOSE"),
        (IORING_OP_SENDMSG, "SENDMSG"), (IORING_OP_RECVMSG, "RECVMSG"),
        // Not submitted: its presence marks Linux 5.19, which brought the multishot
        // accept and IORING_RECVSEND_POLL_FIRST the runtime uses (both are flags,
        // which the probe cannot see).
        (IORING_OP_SOCKET, "SOCKET (Linux 5.19: multishot accept, RECVSEND_POLL_FIRST)"),
    ]
}

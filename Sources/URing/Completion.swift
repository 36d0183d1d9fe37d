public import CURing

/// One completion queue entry, copied out of the ring.
///
/// The ring slot it came from is returned to the kernel as soon as a batch is
/// reaped, so this value type is all the runtime keeps of a completion.
public struct Completion: Sendable, Hashable {
    /// The `user_data` of the submission this completes.
    public var userData: UInt64
    /// The operation's result: a count or fd when non-negative, `-errno` when negative.
    public var result: Int32
    /// The raw `IORING_CQE_F_*` flags.
    public var flags: UInt32

    /// Creates a completion from its three fields (used by tests and fake rings).
    public init(userData: UInt64, result: Int32, flags: UInt32 = 0) {
        self.userData = userData
        self.result = result
        self.flags = flags
    }

    /// True when a multishot operation will post more completions (`IORING_CQE_F_MORE`).
    @inlinable public var hasMore: Bool { flags & IORING_CQE_F_MORE != 0 }

    /// The buffer id chosen from a provided-buffer group, when `IORING_CQE_F_BUFFER` is set.
    @inlinable public var bufferID: UInt16? {
        flags & IORING_CQE_F_BUFFER != 0 ? UInt16(truncatingIfNeeded: flags >> IORING_CQE_BUFFER_SHIFT) : nil
    }

    /// The error the result carries, or `nil` for a non-negative result.
    @inlinable public var error: Errno? { result < 0 ? Errno(rawValue: -result) : nil }
}

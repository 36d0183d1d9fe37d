/// A failure of a stream, a server or a datagram socket, with its cause.
public enum StreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer closed the connection before the bytes asked for arrived
    /// (`readExactly`, `readUntil`); `partial` holds what did arrive (CPython's `IncompleteReadError`).
    case incompleteRead(partial: [UInt8], expected: Int?)
    /// A line or delimited record exceeded the limit; nothing was consumed past
    /// the limit and the connection is still usable (CPython's `LimitOverrunError`).
    case limitExceeded(limit: Int)
    /// The peer reset the connection (`ECONNRESET`) or it was otherwise broken (`EPIPE`).
    case connectionReset(errno: Int32)
    /// Connecting failed (`ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`, ...).
    case connectFailed(address: String, errno: Int32)
    /// The stream or server was closed by this side.
    case closed
    /// A host name could not be resolved.
    case resolutionFailed(host: String, reason: String)
    /// An address could not be used (bad path, bad host text).
    case invalidAddress(String)
    /// A system call failed with this errno (bind, listen, socket, ...).
    case system(call: String, errno: Int32)
    /// A task read while another task was already reading the same stream
    /// (CPython's RuntimeError): the bytes would be split between them.
    case concurrentRead

    /// A readable form, for logs and messages.
    public var description: String {
        switch self {
        case .incompleteRead(let partial, let expected):
            return "connection closed after \(partial.count) bytes" + (expected.map { " of \($0)" } ?? " without the separator")
        case .limitExceeded(let limit): return "separator not found within \(limit) bytes"
        case .connectionReset(let e): return "connection broken: \(Errno(rawValue: e))"
        case .connectFailed(let address, let e): return "connect to \(address) failed: \(Errno(rawValue: e))"
        case .closed: return "the stream is closed"
        case .resolutionFailed(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .invalidAddress(let text): return "invalid address: \(text)"
        case .system(let call, let e): return "\(call) failed: \(Errno(rawValue: e))"
        case .concurrentRead: return "another task is already reading this stream"
        }
    }

    /// Maps an errno from a read or write on a connected socket.
    static func io(_ errno: Int32) -> StreamError {
        switch errno {
        case ECONNRESET, EPIPE, ECONNABORTED, ETIMEDOUT, ENOTCONN: return .connectionReset(errno: errno)
        default: return .system(call: "socket I/O", errno: errno)
        }
    }
}

import URing
#if canImport(Glibc)
import Glibc
#endif

import CLinuxSys
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A joinable thread that runs one loop of a ``LoopGroup``.
struct LoopThread {
    private let thread: pthread_t

    /// Starts a thread named `name` (as `top -H` and `perf` show it) running `body`.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> LoopThread {
        final class Start: Sendable {
            let name: String
            let body: @Sendable () -> Void
            init(name: String, body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
        }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        let rc = pthread_create(&thread, nil, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            // Linux limits thread names to 15 bytes.
            _ = CLinuxSys_set_thread_name(String(start.name.utf8.prefix(15))!)
            start.body()
            return nil
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        return LoopThread(thread: thread)
    }

    /// Waits for the thread to end.
    func join() {
        let rc = pthread_join(thread, nil)
        precondition(rc == 0, "pthread_join failed: \(rc)")
    }
}

/// Warnings from the group machinery (one label with the rest of the library).
enum LoopLog {
    static let logger = Logger(label: "AsyncIO")
    static func warning(_ text: String) { logger.warning("\(text)") }
}

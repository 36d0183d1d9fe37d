/// The event loop, as a global actor: code marked `@Loop` runs on the loop's
/// thread, one piece at a time, switching only at `await`.
///
/// Like MicroPython's `Loop` class there is one loop and no instance to pass
/// around; its operations are static. State isolated to `@Loop` may be shared
/// by all tasks without locks, and Swift 6 checks that at compile time.
///
/// ```swift
/// @Loop var ticks = 0
/// try AsyncIO.run {
///     let t = createTask { for _ in 0..<3 { ticks += 1; try await sleepMs(10) } }
///     try await t.value
/// }
/// ```
@globalActor
public actor Loop {
    /// The actor behind `@Loop`.
    public static let shared = Loop()

    private init() {}

    /// The loop's serial executor.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        EventLoop.shared.asUnownedSerialExecutor()
    }

    /// True on the thread running the loop. The primitives'
    /// `nonisolated(nonsending)` fast paths check it: a caller already on the
    /// loop then pays no executor switch (each costs a lock in Swift's runtime
    /// for tasks that prefer the loop), and any other caller takes the `@Loop` path.
    @usableFromInline nonisolated static var isOnLoopThread: Bool { EventLoop.shared.isOnLoopThread }

    /// Runs `body` as isolated to `@Loop` from synchronous code that is already
    /// on the loop's thread (a callback the loop calls, for example).
    ///
    /// Traps if the calling thread is not running the loop: that is a bug in the caller.
    public static func assumeIsolated<T>(_ body: @Loop () throws -> T) rethrows -> T {
        typealias Unisolated = () throws -> T
        EventLoop.shared.checkIsolated()
        return try withoutActuallyEscaping(body) { body in
            // The loop thread is the actor's executor, so calling the isolated
            // closure here is exactly what `@Loop` isolation means.
            try unsafeBitCast(body, to: Unisolated.self)()
        }
    }
}

import Synchronization

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
///
/// Each loop is also an instance of this actor (decision 0008): `Loop.shared`
/// is the main loop, behind `@Loop`; the other loops of a ``LoopGroup`` are
/// instances whose code is isolated to them (`isolated Loop` bodies), never to `@Loop`.
@globalActor
public actor Loop {
    /// The actor behind `@Loop`: the main loop, loop 0 of any ``LoopGroup``.
    public static let shared = Loop(eventLoop: .shared, index: 0)

    /// The loop this actor's code runs on.
    nonisolated let eventLoop: EventLoop

    /// This loop's position in its ``LoopGroup`` (0 for the main loop).
    public nonisolated let index: Int

    init(eventLoop: EventLoop, index: Int) {
        self.eventLoop = eventLoop
        self.index = index
        eventLoop.actor = self
    }

    /// The loop's serial executor.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.asUnownedSerialExecutor()
    }

    /// The loop the calling thread is running (`nil` on threads that run none):
    /// `Loop.shared` inside `run`, a group's loop on that loop's thread.
    public nonisolated static var current: Loop? { EventLoop.current?.actor }

    /// True on the thread running this loop now.
    public nonisolated var isCurrent: Bool { eventLoop.isOnLoopThread }

    /// The group this loop belongs to while the group runs (nil otherwise,
    /// and for the main loop outside ``LoopGroup/run(loops:pinningToCPUs:_:)``).
    public nonisolated var group: LoopGroup? { groupReference.withLock { $0.group } }

    /// Set by ``LoopGroup`` for the length of its run.
    nonisolated let groupReference = PThreadLock(WeakGroup())

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

/// A weak reference to a running group (the group owns its loops, not the reverse).
struct WeakGroup {
    weak var group: LoopGroup?
}

/// A value that will be provided later, which any number of tasks can await
/// (CPython's `asyncio.Future`): the building block for custom awaitable types.
///
/// ```swift
/// @Loop final class Sensor {
///     private var next = Future<Int>()
///     func reading() async throws -> Int { try await next.value }
///     func deliver(_ sample: Int) { next.resolve(sample); next = Future() }
/// }
/// ```
public final class Future<Value> {
    private var outcome: Result<Value, any Error>?
    // Waiters are woken with nothing and read the outcome themselves, so the
    // value need not be Sendable: it never leaves the future's loop.
    private var waiters: [Waiter<Void>] = []

    /// Creates an unresolved future.
    public init() {}

    /// True once ``resolve(_:)`` or ``fail(_:)`` was called.
    public var isResolved: Bool { outcome != nil }

    /// The outcome, or nil while unresolved.
    public var result: Result<Value, any Error>? { outcome }

    /// Provides the value and wakes every waiter.
    ///
    /// - Returns: false (and changes nothing) if the future was already resolved.
    @discardableResult
    public func resolve(_ value: Value) -> Bool { settle(.success(value)) }

    /// Provides an error and wakes every waiter, which then throw it.
    ///
    /// - Returns: false (and changes nothing) if the future was already resolved.
    @discardableResult
    public func fail(_ error: any Error) -> Bool { settle(.failure(error)) }

    /// Waits for the outcome; returns at once, without yielding, once resolved.
    ///
    /// - Throws: the error given to ``fail(_:)``; `CancellationError` if the
    ///   waiting task is cancelled (the future itself is not affected).
    public var value: Value {
        get async throws {
            if let outcome { return try outcome.get() }
            try await Waiter<Void>().park(
                takeNow: { outcome.map { _ in .success(()) } },
                enqueue: { waiters.append($0) },
                dequeue: { [self] waiter in waiters.removeAll { $0 === waiter } })
            return try outcome!.get()
        }
    }

    private func settle(_ result: Result<Value, any Error>) -> Bool {
        guard outcome == nil else { return false }
        outcome = result
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume(with: ()) }
        return true
    }
}

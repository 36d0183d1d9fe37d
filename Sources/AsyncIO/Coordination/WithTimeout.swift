/// Runs `body` with a time limit (CPython's `async with asyncio.timeout(d):`).
///
/// `body` runs as a child task on the loop; at the deadline it is cancelled
/// and awaited, then ``TimeoutError`` is thrown. Timeouts nest: an inner one
/// expiring throws `TimeoutError` inside the outer one's body, which may catch
/// it. A `nil` duration means no limit.
///
/// - Throws: ``TimeoutError`` on expiry; what `body` throws; `CancellationError`
///   if the calling task is cancelled (the body is cancelled too).
public func withTimeout<T: Sendable>(_ duration: Duration?, @_inheritActorContext(always) _ body: sending @escaping @isolated(any) () async throws -> T) async throws -> T {
    try await waitFor(body, timeout: duration)
}

import Synchronization

/// A bounded channel of Sendable elements between loops (or tasks on any
/// thread): many senders, many receivers, first in first out, with
/// backpressure (decision 0008).
///
/// `send` waits while `capacity` elements are buffered; `receive` waits while
/// none is. Waiting blocks no loop: a parked task is resumed on its own loop.
/// Every element is received exactly once or stays buffered: a cancelled
/// sender's element is not added, a cancelled receiver takes nothing.
/// After ``finish()``, buffered elements are still received, then `receive`
/// returns nil.
///
/// ```swift
/// let channel = LoopChannel<Int>(capacity: 64)
/// _ = try LoopGroup.run(loops: 2) { loop in
///     if loop.index == 1 {
///         for i in 0..<1000 { try await channel.send(i) }
///         channel.finish()
///     } else {
///         for try await value in channel { print(value) }
///     }
/// }
/// ```
public final class LoopChannel<Element: Sendable>: Sendable {
    private typealias State = LoopChannelState<Element, UnsafeContinuation<Bool, any Error>, UnsafeContinuation<Element?, any Error>>
    private let state: PThreadLock<State>

    /// The most elements buffered before `send` waits.
    public let capacity: Int

    /// Creates a channel that buffers up to `capacity` elements.
    ///
    /// - Throws: ``LoopError/invalidArgument(api:argument:reason:)`` unless `capacity` ≥ 1.
    public init(capacity: Int) throws {
        guard capacity >= 1 else {
            throw LoopError.invalidArgument(api: "LoopChannel(capacity:)", argument: "capacity: \(capacity)", reason: "must be at least 1")
        }
        self.capacity = capacity
        state = PThreadLock(State(capacity: capacity))
    }

    /// Elements buffered now.
    public var count: Int { state.withLock { $0.buffer.count } }

    /// True after ``finish()``.
    public var isFinished: Bool { state.withLock { $0.isFinished } }

    /// Adds `element`, waiting while the channel is full.
    ///
    /// - Throws: ``SynchronizationError/channelFinished`` if the channel is
    ///   finished (before or while waiting; the element was not added);
    ///   `CancellationError` if the task is cancelled while waiting (not added).
    public func send(_ element: Element, isolation: isolated (any Actor)? = #isolation) async throws {
        if try sendNow(element) { return }
        let id = state.withLock { $0.makeID() }
        defer { state.withLock { $0.forget(id: id) } }
        while true {
            let sent = try await withTaskCancellationHandler {
                // Capturing `isolation` keeps the closure on the caller's executor (decision 0002).
                _ = isolation
                return try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Bool, any Error>) in
                    switch state.withLock({ $0.park(sender: continuation, id: id, element: element) }) {
                    case .parked: break
                    case .retry: continuation.resume(returning: false)
                    case .cancelled: continuation.resume(throwing: CancellationError())
                    }
                }
            } onCancel: {
                state.withLock { $0.cancelSender(id: id) }?.resume(throwing: CancellationError())
            }
            if sent { return }
            if try sendNow(element) { return }
        }
    }

    /// Adds `element` if it can without waiting; returns false if the channel is full.
    ///
    /// - Throws: ``SynchronizationError/channelFinished`` if the channel is finished.
    public func trySend(_ element: Element) throws -> Bool {
        try sendNow(element)
    }

    private func sendNow(_ element: Element) throws -> Bool {
        switch state.withLock({ $0.send(element) }) {
        case .deliver(let receiver, let element):
            receiver.resume(returning: element)
            return true
        case .buffered: return true
        case .finished: throw SynchronizationError.channelFinished
        case .mustPark: return false
        }
    }

    /// Takes the oldest element, waiting while there is none; nil once the
    /// channel is finished and drained.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting (nothing is taken).
    public func receive(isolation: isolated (any Actor)? = #isolation) async throws -> Element? {
        if let now = receiveNow() { return now.element }
        let id = state.withLock { $0.makeID() }
        defer { state.withLock { $0.forget(id: id) } }
        while true {
            let outcome = try await withTaskCancellationHandler {
                _ = isolation
                return try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Element?, any Error>) in
                    switch state.withLock({ $0.park(receiver: continuation, id: id) }) {
                    case .parked: break
                    case .retry: continuation.resume(returning: nil)
                    case .cancelled: continuation.resume(throwing: CancellationError())
                    }
                }
            } onCancel: {
                state.withLock { $0.cancelReceiver(id: id) }?.resume(throwing: CancellationError())
            }
            // A parked receiver is resumed with an element or, by `finish()`, nil;
            // nil is also "retry", and the retry then sees the end.
            if let outcome { return outcome }
            if let now = receiveNow() { return now.element }
        }
    }

    /// Takes the oldest element if there is one, without waiting.
    public func tryReceive() -> Element? {
        receiveNow()?.element
    }

    /// Nil when the caller must wait; `(nil)` at the end.
    private func receiveNow() -> (element: Element?, Void)? {
        switch state.withLock({ $0.receive() }) {
        case .element(let element, let sender):
            sender?.resume(returning: true)
            return (element, ())
        case .end: return (nil, ())
        case .mustPark: return nil
        }
    }

    /// Ends the channel: later sends throw, senders waiting now throw
    /// ``SynchronizationError/channelFinished`` (their elements are not added),
    /// receivers get what is buffered, then nil. Safe from any thread; a second call does nothing.
    public func finish() {
        let (receivers, senders) = state.withLock { $0.finish() }
        for receiver in receivers { receiver.resume(returning: nil) }
        for sender in senders { sender.resume(throwing: SynchronizationError.channelFinished) }
    }
}

extension LoopChannel: AsyncSequence {
    /// Receives until the channel is finished and drained.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: LoopChannel

        /// The next element, or nil at the end.
        ///
        /// - Throws: `CancellationError` if the task is cancelled while waiting.
        public mutating func next() async throws -> Element? {
            try await channel.receive()
        }

        /// The next element, or nil at the end, waiting on the caller's executor.
        ///
        /// - Throws: `CancellationError` if the task is cancelled while waiting.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            try await channel.receive(isolation: actor)
        }
    }

    /// An iterator over what the channel receives.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(channel: self) }
}

/// A queue for passing items between tasks (CPython's `asyncio.Queue`,
/// `LifoQueue` and `PriorityQueue` in one type, with CPython 3.13's `shutdown`).
///
/// ``put(_:)`` waits while a bounded queue is full (back-pressure) and
/// ``get()`` waits while it is empty; both serve waiting tasks in FIFO order.
/// ``taskDone()`` and ``join()`` track whether every item put was processed.
/// After ``shutdown(immediate:)`` puts throw and gets drain what is left, and
/// `for try await item in queue` ends once the queue is shut down and empty.
///
/// Cancellation never loses or duplicates an item: a getter cancelled after an
/// item was handed to it passes the item to the next getter or puts it back at
/// the front; a putter cancelled before its item was stored puts nothing.
/// (An item put back that way may leave a bounded queue briefly holding more
/// than `maxSize` items; puts wait until it is below again.)
public final class Queue<Element: Sendable> {
    /// The order in which ``Queue/get()`` returns items.
    public enum Order: Sendable {
        /// First in, first out (CPython's `Queue`).
        case fifo
        /// Last in, first out (CPython's `LifoQueue`).
        case lifo
        /// The item that `areInIncreasingOrder` puts first comes out first;
        /// equal items come out first in, first out. `.priority(by: <)` is
        /// CPython's `PriorityQueue` (lowest first).
        case priority(by: @Sendable (Element, Element) -> Bool)
    }

    // Internal and inlinable (with its state machine and storage) so that
    // clients specialise `put` and `get` for their element type: unspecialised,
    // generic metadata look-ups took most of an item's time (docs/benchmarks.md).
    // `nonisolated(unsafe)`: the `nonisolated(nonsending)` fast paths of `put`
    // and `get` touch it after checking that they run on the loop thread,
    // the only thread that ever touches it.
    @usableFromInline nonisolated(unsafe) var machine: QueueStateMachine<Element, Waiter<Element>, Waiter<Void>>

    /// Creates an empty queue.
    ///
    /// - Parameters:
    ///   - maxSize: the most items it holds before ``put(_:)`` waits; 0 or less
    ///     means unbounded (CPython's default).
    ///   - order: which item ``get()`` returns next; first in, first out by default.
    public init(maxSize: Int = 0, order: Order = .fifo) {
        machine = QueueStateMachine(maxSize: maxSize, order: order)
    }

    /// The capacity given to ``init(maxSize:order:)``; 0 or less means unbounded.
    @inlinable public var maxSize: Int { machine.maxSize }

    /// The number of items in the queue (CPython's `qsize()`). An item handed to
    /// a getter that has not run yet is no longer counted.
    @inlinable public var count: Int { machine.count }

    /// True when the queue holds no item (CPython's `empty()`).
    @inlinable public var isEmpty: Bool { machine.isEmpty }

    /// True when ``put(_:)`` would wait (CPython's `full()`): a bounded queue
    /// holds `maxSize` items, counting slots already promised to woken putters.
    @inlinable public var isFull: Bool { machine.isFull }

    /// True once ``shutdown(immediate:)`` was called.
    public var isShutDown: Bool { machine.shutdownState != .open }

    /// Puts `item` in the queue, waiting while it is full; returns at once,
    /// without yielding, when there is room. Waiting putters are served in FIFO
    /// order.
    ///
    /// - Throws: ``SynchronizationError/queueShutDown`` if the queue is, or
    ///   while waiting becomes, shut down; `CancellationError` if cancelled
    ///   while waiting. Either way nothing was put.
    @inlinable public func put(_ item: Element) async throws {
        // Runs in the caller's context (nonsending), with no executor switch.
        switch try machine.put(item) {
        case .stored: return
        case .handOff(let getter, let item): getter.resume(with: item)
        case .suspend: try await putWaiting(item)
        }
    }

    /// `put` on a full queue: waits for a slot, then stores `item`.
    @inlinable func putWaiting(_ item: Element) async throws {
        // Woken with a slot reserved for this task. `takeNow` reserves one at
        // once if a get freed it while the task was suspended before parking
        // (bare `Task { @Loop in }` tasks suspend on their hops).
        try await Waiter<Void>().park(
            takeNow: {
                if machine.shutdownState != .open { return .failure(SynchronizationError.queueShutDown) }
                return machine.reserveSlotIfFree() ? .success(()) : nil
            },
            enqueue: { machine.enqueuePutter($0) },
            dequeue: { [self] in machine.cancelPutter($0) },
            giveBack: { [self] in machine.releaseSlot()?.resume(with: ()) })
        if case .handOff(let getter, let item) = try machine.putReserved(item) {
            getter.resume(with: item)
            // The item never took the reserved slot: the next putter may have it.
            machine.grantFreedSlot()?.resume(with: ())
        }
    }

    /// Puts `item` in the queue without waiting (CPython's `put_nowait`).
    ///
    /// - Throws: ``SynchronizationError/queueFull`` if a bounded queue is full;
    ///   ``SynchronizationError/queueShutDown`` after ``shutdown(immediate:)``.
    @inlinable public func putNowait(_ item: Element) throws(SynchronizationError) {
        switch try machine.put(item) {
        case .stored: break
        case .handOff(let getter, let item): getter.resume(with: item)
        case .suspend: throw .queueFull
        }
    }

    /// Takes the next item, waiting while the queue is empty; returns at once,
    /// without yielding, when it is not. Waiting getters are served in FIFO order.
    ///
    /// - Throws: ``SynchronizationError/queueShutDown`` if the queue is shut
    ///   down and empty (after a non-immediate shutdown the items left are
    ///   returned first); `CancellationError` if cancelled while waiting (an item
    ///   already handed to this task goes to the next getter, or back to the front).
    @inlinable public func get() async throws -> Element {
        // Runs in the caller's context (nonsending), with no executor switch.
        if let item = try takeNext() { return item }
        return try await getWaiting()
    }

    /// `get` on an empty queue: waits for an item.
    @inlinable func getWaiting() async throws -> Element {
        var handedOff = true
        let item = try await Waiter<Element>().park(
            takeNow: {
                do throws(SynchronizationError) {
                    guard let item = try takeNext() else { return nil }
                    handedOff = false
                    return .success(item)
                } catch {
                    return .failure(error)
                }
            },
            enqueue: { machine.enqueueGetter($0) },
            dequeue: { [self] in machine.cancelGetter($0) },
            giveBack: { [self] item in giveBack(item) })
        // A handed item kept its slot until now: a waiting putter may have it.
        if handedOff { machine.takeHandedOff()?.resume(with: ()) }
        return item
    }

    /// Takes the next item without waiting (CPython's `get_nowait`).
    ///
    /// - Throws: ``SynchronizationError/queueEmpty`` if the queue is empty;
    ///   ``SynchronizationError/queueShutDown`` if it is empty and shut down.
    @inlinable public func getNowait() throws(SynchronizationError) -> Element {
        guard let item = try takeNext() else { throw .queueEmpty }
        return item
    }

    /// Takes the next item and wakes the putter its slot went to; nil when the
    /// queue is empty and open.
    ///
    /// - Throws: ``SynchronizationError/queueShutDown`` if it is empty and shut down.
    @inlinable func takeNext() throws(SynchronizationError) -> Element? {
        switch machine.get() {
        case .item(let item, let putter):
            putter?.resume(with: ())
            return item
        case .shutDown: throw .queueShutDown
        case .suspend: return nil
        }
    }

    /// Marks one item taken from the queue as processed (CPython's `task_done()`).
    /// When every item put so far is processed, the tasks in ``join()`` wake.
    ///
    /// - Throws: ``SynchronizationError/taskDoneTooOften`` if called more times
    ///   than items were put.
    public func taskDone() throws(SynchronizationError) {
        for joiner in try machine.taskDone() { joiner.resume(with: ()) }
    }

    /// Waits until every item put was marked done with ``taskDone()``; returns
    /// at once, without yielding, when that is already so.
    ///
    /// - Throws: `CancellationError` if cancelled while waiting.
    public func join() async throws {
        if machine.join() == .returnNow { return }
        try await Waiter<Void>().park(
            takeNow: { machine.join() == .returnNow ? .success(()) : nil },
            enqueue: { machine.enqueueJoiner($0) },
            dequeue: { [self] in machine.cancelJoiner($0) })
    }

    /// Shuts the queue down (CPython 3.13's `shutdown`). Puts throw
    /// ``SynchronizationError/queueShutDown`` from now on, and so do waiting
    /// putters. Gets return the items left and then throw it; waiting getters
    /// throw it at once (the queue is empty when they wait).
    ///
    /// - Parameter immediate: also drop the items left, counting each one done
    ///   for ``join()`` (which then returns if nothing else is unfinished), so
    ///   gets throw at once.
    public func shutdown(immediate: Bool = false) {
        let action = machine.shutdown(immediate: immediate)
        for getter in action.failGetters { getter.fail(with: SynchronizationError.queueShutDown) }
        for putter in action.failPutters { putter.fail(with: SynchronizationError.queueShutDown) }
        for joiner in action.wakeJoiners { joiner.resume(with: ()) }
    }

    /// An item handed to a getter that was cancelled before it ran.
    @inlinable func giveBack(_ item: Element) {
        switch machine.giveBack(item) {
        case .handOff(let getter, let item): getter.resume(with: item)
        case .stored: break
        case .dropped(let joiners): for joiner in joiners { joiner.resume(with: ()) }
        }
    }
}

extension Queue: AsyncSequence {
    /// Iteration throws `CancellationError` (a shutdown just ends it).
    public typealias Failure = any Error

    /// Iterates by calling ``Queue/get()``: `for try await item in queue`.
    @inlinable public nonisolated func makeAsyncIterator() -> Iterator { Iterator(queue: self) }

    /// Takes items with ``Queue/get()`` until the queue is shut down and empty.
    public struct Iterator: AsyncIteratorProtocol {
        @usableFromInline let queue: Queue

        @inlinable init(queue: Queue) { self.queue = queue }

        /// The next item, waiting while the queue is empty; `nil` once it is
        /// shut down and empty.
        ///
        /// - Throws: `CancellationError` if cancelled while waiting.
        @inlinable public mutating func next() async throws -> Element? {
            do {
                return try await queue.get()
            } catch SynchronizationError.queueShutDown {
                return nil
            }
        }

        /// The next element, waiting in the caller's isolation (what `for try await` calls).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            try await next()
        }
    }
}

// The same workloads on Swift's default executor: an Event, a Lock and a Queue
// written here as plain actor-isolated classes with continuations, and
// swift-async-algorithms' AsyncChannel.
//
// The twins are isolated to one global actor, `TwinActor`, and so are the tasks
// that use them: the same shape as the library, whose primitives and task
// bodies are isolated to the global actor `@Loop`, so that a call into a
// primitive is a plain call, not a hop. They are kept minimal: no cancellation
// handling (the library's primitives install a cancellation handler on every
// wait), no shutdown, no `taskDone`/`join` accounting. That makes them a
// lower bound for the default executor, not a port of the library.

import AsyncAlgorithms
import DequeModule

/// The default actor every twin and twin task is isolated to.
@globalActor
public actor TwinActor {
    public static let shared = TwinActor()
}

/// `asyncio.Event`: `set()` wakes every waiter; `wait()` returns at once while set.
@TwinActor
final class TwinEvent {
    private var isSet = false
    private var waiters: [UnsafeContinuation<Void, Never>] = []

    func set() {
        isSet = true
        let woken = waiters
        waiters.removeAll(keepingCapacity: true)
        for waiter in woken { waiter.resume() }
    }

    func clear() { isSet = false }

    func wait() async {
        if isSet { return }
        await withUnsafeContinuation { waiters.append($0) }
    }
}

/// A FIFO lock that hands itself to the first waiter on release (as the
/// library's `Lock` does: no barging).
@TwinActor
final class TwinLock {
    private var isLocked = false
    private var waiters = Deque<UnsafeContinuation<Void, Never>>()

    func acquire() async {
        if !isLocked {
            isLocked = true
            return
        }
        await withUnsafeContinuation { waiters.append($0) }
    }

    func release() {
        if let next = waiters.popFirst() {
            next.resume()
        } else {
            isLocked = false
        }
    }
}

/// A FIFO queue, bounded when `maxSize > 0`: `put` waits while full, `get`
/// while empty. A put hands its item straight to a waiting getter. A get that
/// frees a slot wakes one putter, which re-checks for room (CPython's
/// `asyncio.Queue` does the same); a put that leaves room wakes the next one,
/// because the slot it was woken for may have gone to a getter directly.
@TwinActor
final class TwinQueue<Element: Sendable> {
    private let maxSize: Int
    private var items = Deque<Element>()
    private var getters = Deque<UnsafeContinuation<Element, Never>>()
    private var putters = Deque<UnsafeContinuation<Void, Never>>()

    init(maxSize: Int) { self.maxSize = maxSize }

    var isEmpty: Bool { items.isEmpty }

    func put(_ item: Element) async {
        while maxSize > 0 && items.count >= maxSize {
            await withUnsafeContinuation { putters.append($0) }
        }
        if let getter = getters.popFirst() {
            getter.resume(returning: item)
        } else {
            items.append(item)
        }
        if !putters.isEmpty && (maxSize <= 0 || items.count < maxSize) {
            putters.popFirst()!.resume()
        }
    }

    func get() async -> Element {
        if let item = items.popFirst() {
            putters.popFirst()?.resume()
            return item
        }
        return await withUnsafeContinuation { getters.append($0) }
    }
}

// MARK: - Baselines

/// Task switch on a default actor (CoreBenchmarks' "switch: default, default actor").
@TwinActor
private func playTwin(_ baton: Baton, rounds: Int) async {
    for _ in 0..<rounds {
        await withUnsafeContinuation { baton.handOff($0) }
    }
    baton.finish()
}

@TwinActor
public func twinSwitch() async -> Int64 {
    let baton = Baton()
    let rounds = Size.switchRounds / 2
    let start = nowNanoseconds()
    let a = Task { @TwinActor in await playTwin(baton, rounds: rounds) }
    let b = Task { @TwinActor in await playTwin(baton, rounds: rounds) }
    await a.value
    await b.value
    return nowNanoseconds() - start
}

@TwinActor
public func twinYield() async -> Int64 {
    let start = nowNanoseconds()
    for _ in 0..<Size.yields { await Task.yield() }
    return nowNanoseconds() - start
}

// MARK: - Workloads (same shape as LoopWorkloads.swift)

@TwinActor
public func twinEventPingPong() async -> Int64 {
    let rounds = Size.pingPongRounds
    let e1 = TwinEvent()
    let e2 = TwinEvent()
    let start = nowNanoseconds()
    let b = Task { @TwinActor in
        for _ in 0..<rounds {
            await e1.wait()
            e1.clear()
            e2.set()
        }
    }
    let a = Task { @TwinActor in
        for _ in 0..<rounds {
            e1.set()
            await e2.wait()
            e2.clear()
        }
    }
    await a.value
    await b.value
    return nowNanoseconds() - start
}

@TwinActor
public func twinLockHandOff() async -> Int64 {
    let rounds = Size.lockRounds
    let lock = TwinLock()
    var tasks: [Task<Void, Never>] = []
    let start = nowNanoseconds()
    for _ in 0..<Size.lockTasks {
        tasks.append(Task { @TwinActor in
            for _ in 0..<rounds {
                await lock.acquire()
                await Task.yield()
                lock.release()
            }
        })
    }
    for task in tasks { await task.value }
    return nowNanoseconds() - start
}

@TwinActor
public func twinQueue(maxSize: Int, producers: Int, consumers: Int) async -> Int64 {
    let items = Size.queueItems
    let queue = TwinQueue<Int>(maxSize: maxSize)
    var tasks: [Task<Void, Never>] = []
    let start = nowNanoseconds()
    for _ in 0..<consumers {
        let count = items / consumers
        tasks.append(Task { @TwinActor in
            for _ in 0..<count { _ = await queue.get() }
        })
    }
    for _ in 0..<producers {
        let count = items / producers
        tasks.append(Task { @TwinActor in
            for i in 0..<count { await queue.put(i) }
        })
    }
    for task in tasks { await task.value }
    let ns = nowNanoseconds() - start
    precondition(queue.isEmpty)
    return ns
}

// MARK: - AsyncChannel (swift-async-algorithms)

/// `AsyncChannel` has no buffer: every `send` waits until a consumer's
/// `next()` takes the element (a rendezvous, like a queue of size 0). Same
/// task shape as the queue workloads; each consumer iterates `items / consumers`
/// times with its own iterator. Plain nonisolated tasks on the default executor.
@concurrent
public func channelDefault(producers: Int, consumers: Int) async -> Int64 {
    let items = Size.queueItems
    let channel = AsyncChannel<Int>()
    var tasks: [Task<Void, Never>] = []
    let start = nowNanoseconds()
    for _ in 0..<consumers {
        let count = items / consumers
        tasks.append(Task {
            var iterator = channel.makeAsyncIterator()
            for _ in 0..<count { _ = await iterator.next() }
        })
    }
    for _ in 0..<producers {
        let count = items / producers
        tasks.append(Task {
            for i in 0..<count { await channel.send(i) }
        })
    }
    for task in tasks { await task.value }
    return nowNanoseconds() - start
}

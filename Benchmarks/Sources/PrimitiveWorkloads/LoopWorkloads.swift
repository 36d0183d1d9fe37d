// The workloads on the loop, with the library's primitives. Each returns the
// nanoseconds of its hot section; the caller divides by the operations.
// Call them inside `onLoop` (they are `@Loop`, as `createTask` bodies are).

import AsyncAlgorithms
import AsyncIO
import Synchronization

// MARK: - Baselines (measured in the same run as the primitives)

@Loop
private func playIsolated(_ baton: Baton, rounds: Int) async {
    for _ in 0..<rounds {
        await withUnsafeContinuation { baton.handOff($0) }
    }
    baton.finish()
}

/// Task switch isolated to `@Loop`: `Size.switchRounds` switches.
/// The same code as CoreBenchmarks' "switch: loop, @Loop isolated".
@Loop
public func loopSwitch() async throws -> Int64 {
    let baton = Baton()
    let rounds = Size.switchRounds / 2
    let start = nowNanoseconds()
    let a = createTask { await playIsolated(baton, rounds: rounds) }
    let b = createTask { await playIsolated(baton, rounds: rounds) }
    try await a.value
    try await b.value
    return nowNanoseconds() - start
}

/// `Task.yield()` in one task: `Size.yields` yields.
@Loop
public func loopYield() async throws -> Int64 {
    let start = nowNanoseconds()
    for _ in 0..<Size.yields { await Task.yield() }
    return nowNanoseconds() - start
}

// MARK: - Event ping-pong

/// Two tasks and two events: A sets e1 and waits for e2; B waits for e1,
/// clears it and sets e2; A clears e2. `Size.pingPongRounds` round trips.
@Loop
public func loopEventPingPong() async throws -> Int64 {
    let rounds = Size.pingPongRounds
    let e1 = Event()
    let e2 = Event()
    let start = nowNanoseconds()
    let b = createTask {
        for _ in 0..<rounds {
            try await e1.wait()
            e1.clear()
            e2.set()
        }
    }
    let a = createTask {
        for _ in 0..<rounds {
            e1.set()
            try await e2.wait()
            e2.clear()
        }
    }
    try await a.value
    try await b.value
    return nowNanoseconds() - start
}

// MARK: - Lock hand-off

/// `Size.lockTasks` tasks each acquire the lock, yield once while holding it
/// (so that the others queue up: without a suspension inside, one task would
/// take it `lockRounds` times uncontended), and release it.
/// `lockTasks * lockRounds` acquisitions, all but the first hand-offs.
@Loop
public func loopLockHandOff() async throws -> Int64 {
    let rounds = Size.lockRounds
    let lock = Lock()
    var handles: [TaskHandle<Void>] = []
    let start = nowNanoseconds()
    for _ in 0..<Size.lockTasks {
        handles.append(createTask {
            for _ in 0..<rounds {
                try await lock.acquire()
                await Task.yield()
                try lock.release()
            }
        })
    }
    for handle in handles { try await handle.value }
    return nowNanoseconds() - start
}

// MARK: - Queue

/// `consumers` tasks get and `producers` tasks put `Size.queueItems` items
/// through one `Queue<Int>(maxSize:)` (0: unbounded). Consumers start first.
@Loop
public func loopQueue(maxSize: Int, producers: Int, consumers: Int) async throws -> Int64 {
    let items = Size.queueItems
    let queue = AsyncIO.Queue<Int>(maxSize: maxSize)
    var handles: [TaskHandle<Void>] = []
    let start = nowNanoseconds()
    for _ in 0..<consumers {
        let count = items / consumers
        handles.append(createTask {
            for _ in 0..<count { _ = try await queue.get() }
        })
    }
    for _ in 0..<producers {
        let count = items / producers
        handles.append(createTask {
            for i in 0..<count { try await queue.put(i) }
        })
    }
    // A lost wake-up (as the library's Queue once had with several producers
    // and one slot; docs/benchmarks.md) would hang the run: fail loudly instead.
    let watchdog = createTask {
        try await AsyncIO.sleep(for: .seconds(20))
        fatalError("queue: loop, \(producers)/\(consumers), maxSize \(maxSize): no progress in 20 s (putter never woken)")
    }
    for handle in handles { try await handle.value }
    let ns = nowNanoseconds() - start
    watchdog.cancel()
    precondition(queue.isEmpty)
    return ns
}

// MARK: - AsyncChannel in loop tasks

/// `channelDefault`'s workload in `createTask` tasks. `AsyncChannel`'s
/// `send` and `next` are `@concurrent` (swift-async-algorithms does not enable
/// `NonisolatedNonsendingByDefault`): they run on the loop as the tasks'
/// preferred executor, with a hop back to `@Loop` after each.
@Loop
public func loopChannel(producers: Int, consumers: Int) async throws -> Int64 {
    let items = Size.queueItems
    let channel = AsyncChannel<Int>()
    var handles: [TaskHandle<Void>] = []
    let start = nowNanoseconds()
    for _ in 0..<consumers {
        let count = items / consumers
        handles.append(createTask {
            var iterator = channel.makeAsyncIterator()
            for _ in 0..<count { _ = await iterator.next() }
        })
    }
    for _ in 0..<producers {
        let count = items / producers
        handles.append(createTask {
            for i in 0..<count { await channel.send(i) }
        })
    }
    for handle in handles { try await handle.value }
    return nowNanoseconds() - start
}

// MARK: - Spawn (CoreBenchmarks' "spawn: loop, createTask + value", for PrimitivesLoop)

/// `Size.spawnTotal` empty `createTask` tasks in batches of 1,000, each awaited.
@Loop
public func loopSpawn() async throws -> Int64 {
    let batch = 1_000
    var handles: [TaskHandle<Void>] = []
    handles.reserveCapacity(batch)
    let start = nowNanoseconds()
    for _ in 0..<(Size.spawnTotal / batch) {
        for _ in 0..<batch { handles.append(createTask {}) }
        for handle in handles { try await handle.value }
        handles.removeAll(keepingCapacity: true)
    }
    return nowNanoseconds() - start
}

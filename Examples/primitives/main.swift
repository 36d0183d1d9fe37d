// Chapter 5: synchronisation primitives (docs/05-synchronisation-primitives.md).
import AsyncIO
#if canImport(Glibc)
import Glibc  // pthread_create and raise, to set a ThreadSafeFlag from outside the loop
#endif

/// Records what tasks did, in order.
@Loop final class Trace {
    var events: [String] = []
    func add(_ event: String) { events.append(event) }
    var text: String { events.joined(separator: " ") }
}

/// Flags that a plain thread and a signal handler set (they cannot capture context).
enum Flags {
    static let fromThread = ThreadSafeFlag()
    static let fromSignal = ThreadSafeFlag()
}

/// A plain thread's body: wait 20 ms, then set the flag.
nonisolated func setFlagSoon(_: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    usleep(20_000)
    Flags.fromThread.set()
    return nil
}

/// Milliseconds since `start`, rounded to 10 ms so the output is stable.
func elapsedMs(since start: ContinuousClock.Instant) -> Int {
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return Int((ms / 10).rounded()) * 10
}

struct Job: Sendable {
    var priority: Int
    var name: String
}

try AsyncIO.run {
    // MARK: 1. Event: set() wakes every waiter; wait() on a set event returns at once.
    let ready = Event()
    let trace = Trace()
    let waiters = (1...3).map { i in createTask { try await ready.wait(); trace.add("w\(i)") } }
    try await sleepMs(10)
    print("1. before set: [\(trace.text)], isSet \(ready.isSet)")
    ready.set()
    for waiter in waiters { try await waiter.value }
    try await ready.wait()  // already set: no suspension
    ready.clear()
    print("   after set: [\(trace.text)]; wait() on a set event returned at once; cleared: \(!ready.isSet)")

    // MARK: 2. Lock: strict FIFO hand-off, withLock, release of an unlocked lock throws.
    let lock = Lock()
    let order = Trace()
    try await lock.acquire()
    let queued = (1...3).map { i in
        createTask(name: "w\(i)") { try await lock.withLock { order.add("w\(i)"); try await sleepMs(1) } }
    }
    try await sleepMs(5)
    try lock.release()  // handed to w1; a newcomer now queues behind w2 and w3
    let newcomer = createTask { try await lock.withLock { order.add("newcomer") } }
    print("2. during the hand-off isLocked is \(lock.isLocked)")
    for task in queued { try await task.value }
    try await newcomer.value
    print("   order: [\(order.text)]; locked afterwards: \(lock.isLocked)")
    do { try lock.release() } catch { print("   release() of an unlocked lock: \(error)") }
    struct Oops: Error {}
    _ = try? await lock.withLock { throw Oops() }
    print("   withLock released the lock after its body threw: \(!lock.isLocked)")

    // MARK: 3. ThreadSafeFlag: set from another thread or a signal handler; every waiter wakes.
    let flagWaiters = (1...3).map { i in createTask { try await Flags.fromThread.wait(); return i } }
    var thread = pthread_t()
    let start = ContinuousClock.now
    pthread_create(&thread, nil, setFlagSoon, nil)
    let woken = try await gather(flagWaiters)
    pthread_join(thread, nil)
    print("3. set() from another thread woke waiters \(woken) after \(elapsedMs(since: start)) ms")
    Flags.fromSignal.clear()  // creates the flag now, not lazily inside the handler
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in Flags.fromSignal.set() }
    sigemptyset(&action.sa_mask)
    sigaction(SIGUSR1, &action, nil)
    raise(SIGUSR1)
    raise(SIGUSR1)  // two sets before anyone waits count as one
    try await Flags.fromSignal.wait()
    print("   a signal handler set it twice: the first wait() returned")
    do {
        try await waitFor({ try await Flags.fromSignal.wait() }, timeout: .milliseconds(20))
    } catch {
        print("   a second wait() got \(error): the two sets counted as one")
    }
    signal(SIGUSR1, SIG_DFL)

    // MARK: 4. Semaphore and BoundedSemaphore.
    let slots = try Semaphore(value: 2)
    let inside = Trace()
    var most = 0
    var now = 0
    let workers = (1...5).map { i in
        createTask {
            try await slots.withPermit {
                now += 1
                most = max(most, now)
                inside.add("+\(i)")
                try await sleepMs(5)
                now -= 1
            }
        }
    }
    for worker in workers { try await worker.value }
    print("4. Semaphore(value: 2): entered [\(inside.text)], at most \(most) inside at once; value back to \(slots.value)")
    let bounded = try BoundedSemaphore(value: 1)
    try await bounded.acquire()
    try bounded.release()
    do { try bounded.release() } catch { print("   BoundedSemaphore: \(error)") }

    // MARK: 5. Queue: orders, back-pressure, nowait errors, join, shutdown, for try await.
    let lifo = Queue<Int>(order: .lifo)
    for n in 1...4 { try lifo.putNowait(n) }
    var lifoOrder: [Int] = []
    while !lifo.isEmpty { lifoOrder.append(try lifo.getNowait()) }
    let jobs = Queue<Job>(order: .priority(by: { $0.priority < $1.priority }))
    for (p, name) in [(2, "b1"), (1, "a1"), (3, "c1"), (1, "a2")] { try jobs.putNowait(Job(priority: p, name: name)) }
    var jobOrder: [String] = []
    while !jobs.isEmpty { jobOrder.append(try jobs.getNowait().name) }
    print("5. .lifo: \(lifoOrder); .priority(by: <): \(jobOrder)")

    let queue = Queue<Int>(maxSize: 2)
    let produced = Trace()
    let producer = createTask(name: "producer") {
        for n in 1...5 {
            try await queue.put(n)  // waits while the queue is full
            produced.add("put\(n)")
        }
        queue.shutdown()  // the consumer drains what is left, then its loop ends
    }
    try await sleepMs(5)
    print("   bounded (maxSize 2): the producer stopped after [\(produced.text)], isFull \(queue.isFull)")
    do { try queue.putNowait(99) } catch { print("   putNowait on a full queue: \(error)") }
    var consumed: [Int] = []
    for try await n in queue {
        consumed.append(n)
        try queue.taskDone()
    }
    try await producer.value
    print("   for try await got \(consumed) and ended at shutdown")
    do { _ = try queue.getNowait() } catch { print("   getNowait after shutdown: \(error)") }
    do { try await queue.put(6) } catch { print("   put after shutdown: \(error)") }
    let empty = Queue<String>()
    do { _ = try empty.getNowait() } catch { print("   getNowait on an empty queue: \(error)") }

    let work = Queue<String>()
    for item in ["a", "b", "c"] { try work.putNowait(item) }
    let done = Trace()
    let worker = createTask(name: "worker") {
        while true {
            let item = try await work.get()
            try await sleepMs(2)
            done.add(item)
            try work.taskDone()
        }
    }
    try await work.join()
    print("   join() returned after taskDone for [\(done.text)]")
    worker.cancel()

    // MARK: 6. Condition: wait until a predicate holds.
    let changed = Condition()
    var stock = 0
    let buyer = createTask(name: "buyer") { () async throws -> String in
        try await changed.withLock {
            try await changed.wait(for: { stock >= 3 })
            stock -= 3
            return "bought 3, \(stock) left, lock held: \(changed.isLocked)"
        }
    }
    for _ in 1...3 {
        try await sleepMs(1)
        try await changed.withLock {
            stock += 1
            try changed.notifyAll()
        }
    }
    print("6. Condition:", try await buyer.value)
    do { try changed.notify() } catch { print("   notify() without the lock: \(error)") }

    // MARK: 7. Barrier: the last of `parties` tasks releases them all.
    let barrier = try Barrier(parties: 3)
    let arrivals = Trace()
    let runners = (0..<3).map { i in
        createTask { () async throws -> String in
            try await sleepMs(5 * i)
            arrivals.add("arrive\(i)")
            let index = try await barrier.wait()
            arrivals.add("pass\(i)")
            return "\(i)->\(index)"
        }
    }
    let indices = try await gather(runners)
    print("7. Barrier(parties: 3): [\(arrivals.text)], arrival indices \(indices)")

    // MARK: 8. Cancellation loses nothing: a hand-off to a cancelled waiter passes on.
    let handed = Lock()
    let got = Trace()
    try await handed.acquire()
    let first = createTask { try await handed.withLock { got.add("first") } }
    let secondInLine = createTask { try await handed.withLock { got.add("second") } }
    try await sleepMs(1)
    try handed.release()  // handed to `first`, which has not run yet
    first.cancel()
    _ = try? await first.value
    try await secondInLine.value
    print("8. Lock handed to a cancelled waiter went on to: [\(got.text)]; locked: \(handed.isLocked)")

    let items = Queue<String>()
    let g1 = createTask { try await items.get() }
    let g2 = createTask { try await items.get() }
    try await sleepMs(1)
    try items.putNowait("frame-1")  // handed to g1, which has not run yet
    g1.cancel()
    _ = try? await g1.value
    print("   Queue item handed to a cancelled getter went to the next one: \(try await g2.value)")

    let permits = try Semaphore(value: 0)
    let p1 = createTask { try await permits.acquire() }
    try await sleepMs(1)
    permits.release()  // handed to p1, which has not run yet
    p1.cancel()
    _ = try? await p1.value
    print("   Semaphore permit handed to a cancelled waiter came back: value \(permits.value)")
}

// Chapter 6: custom async objects (docs/06-custom-async-objects.md).
import AsyncIO
import Synchronization
#if canImport(Glibc)
import Glibc  // pthread_create, for the driver thread
#endif

// MARK: __await__: a type built on Future (the recipe tested in FutureTests.swift).

/// Any number of tasks await the next reading; the driver side delivers it.
@Loop final class Thermometer {
    private var next = Future<Double>()
    private(set) var delivered = 0

    /// Awaits the next reading (MicroPython: `await thermometer`).
    func reading() async throws -> Double { try await next.value }

    /// Called by the driver side when a sample arrives.
    func deliver(_ celsius: Double) {
        next.resolve(celsius)
        next = Future()
        delivered += 1
    }

    /// Called by the driver side when the sensor is gone.
    func unplug() { next.fail(SensorGone()) }
}

struct SensorGone: Error {}

// MARK: Feeding the loop from another thread: a slot plus a ThreadSafeFlag.

/// A value published by a plain thread and awaited on the loop.
final class Mailbox: Sendable {
    private let slot = Mutex<[Int]>([])
    private let flag = ThreadSafeFlag()

    /// Any thread: store a sample and wake the loop.
    func post(_ sample: Int) {
        slot.withLock { $0.append(sample) }
        flag.set()
    }

    /// On the loop: everything posted since the last call, waiting if there is none.
    @Loop func take() async throws -> [Int] {
        while true {
            let samples = slot.withLock { samples in
                defer { samples.removeAll() }
                return samples
            }
            if !samples.isEmpty { return samples }
            try await flag.wait()
        }
    }
}

enum Driver {
    static let mailbox = Mailbox()
}

/// A plain thread's body: post three samples, 10 ms apart.
nonisolated func driverThread(_: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    for sample in 1...3 {
        usleep(10_000)
        Driver.mailbox.post(sample)
    }
    return nil
}

// MARK: __aiter__ / __anext__: an AsyncSequence.

/// `count` ticks, `periodMs` apart: `for try await tick in Ticker(...)`.
struct Ticker: AsyncSequence {
    typealias Element = Int
    let count: Int
    let periodMs: Int

    func makeAsyncIterator() -> Iterator { Iterator(count: count, periodMs: periodMs) }

    struct Iterator: AsyncIteratorProtocol {
        let count: Int
        let periodMs: Int
        var done = 0

        /// The next tick after one period; nil after `count` (MicroPython: `__anext__`).
        mutating func next() async throws -> Int? {
            guard done < count else { return nil }  // StopAsyncIteration
            try await sleepMs(periodMs)
            done += 1
            return done
        }
    }
}

// MARK: __aenter__ / __aexit__: a scoped `with...` function.

/// A pretend device that must be closed after use.
@Loop final class Device {
    static var open = 0
    let name: String
    init(name: String) { self.name = name; Device.open += 1 }
    func close() { Device.open -= 1 }
}

/// Opens a device, runs `body` with it, and closes it however `body` ends
/// (MicroPython: `async with Device() as d:`).
@Loop func withDevice<T>(named name: String, _ body: (Device) async throws -> T) async throws -> T {
    try await sleepMs(1)  // the "open" may await, like __aenter__
    let device = Device(name: name)
    defer { device.close() }  // synchronous cleanup: runs on return, throw and cancellation
    return try await body(device)
}

try AsyncIO.run {
    // 1. An async function is the awaitable; a Future-based type serves many awaiters.
    let thermometer = Thermometer()
    let readers = (1...3).map { i in createTask(name: "reader-\(i)") { try await thermometer.reading() } }
    createTask(name: "driver") {
        try await sleepMs(10)
        thermometer.deliver(21.5)
    }
    print("1. three readers got \(try await gather(readers)) from \(thermometer.delivered) delivery")
    let late = createTask { try await thermometer.reading() }
    try await sleepMs(1)
    thermometer.unplug()
    do { _ = try await late.value } catch { print("   unplugged: the waiting reader threw \(error)") }

    // 2. A plain thread posts; the loop awaits.
    var thread = pthread_t()
    pthread_create(&thread, nil, driverThread, nil)
    var received: [Int] = []
    while received.count < 3 { received += try await Driver.mailbox.take() }
    pthread_join(thread, nil)
    print("2. samples from the driver thread: \(received)")

    // 3. AsyncSequence: our own, and the library's (Queue).
    var ticks: [Int] = []
    for try await tick in Ticker(count: 3, periodMs: 5) { ticks.append(tick) }
    print("3. Ticker: \(ticks)")
    let queue = Queue<String>()
    createTask {
        for word in ["frames", "in", "order"] { try await queue.put(word) }
        queue.shutdown()
    }
    var words: [String] = []
    for try await word in queue { words.append(word) }
    var firstTwo: [Int] = []
    for try await tick in Ticker(count: 10, periodMs: 1).prefix(2) { firstTwo.append(tick) }
    print("   Queue: \(words); Ticker(count: 10).prefix(2): \(firstTwo)")

    // 4. A scoped with-function: cleanup on return, on throw, on cancellation.
    let name = try await withDevice(named: "cam0") { device in device.name }
    print("4. withDevice returned \(name); devices open: \(Device.open)")
    struct Fault: Error {}
    do {
        try await withDevice(named: "cam1") { _ in throw Fault() }
    } catch {
        print("   body threw \(error); devices open: \(Device.open)")
    }
    let user = createTask { try await withDevice(named: "cam2") { _ in try await sleep(10) } }
    try await sleepMs(10)
    print("   while a task uses cam2, devices open: \(Device.open)")
    user.cancel()
    _ = try? await user.value
    print("   after cancelling it: \(Device.open)")
    let guarded = try await Lock().withLock { "Lock.withLock" }
    let permitted = try await (try Semaphore(value: 1)).withPermit { "Semaphore.withPermit" }
    let timed = try await withTimeout(.seconds(1)) { "withTimeout" }
    print("   the library's own: \(guarded), \(permitted), \(timed)")
}

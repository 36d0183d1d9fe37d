// Core runtime micro-benchmarks: the loop beside Swift's default executor.
//
// Every measurement on the loop has a twin on the default executor that does
// the same work in the same run. Each benchmark times its own hot section with
// CLOCK_MONOTONIC and records a custom metric (ns per switch / task / op, or
// ns of oversleep per sample), so loop set-up and the harness's own thread
// hand-offs stay out of the numbers. Results: docs/benchmarks.md.

import Benchmark
import BenchmarkSupport
@_spi(LowLevel) import AsyncIO
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Shared helpers (clock, loop thread, `Baton`): Sources/BenchmarkSupport.

/// Names of the custom metrics (values are plain integers in nanoseconds).
enum Metric {
    static let perSwitch = BenchmarkMetric.custom("ns per switch", polarity: .prefersSmaller, useScalingFactor: false)
    static let perTask = BenchmarkMetric.custom("ns per task", polarity: .prefersSmaller, useScalingFactor: false)
    static let perOp = BenchmarkMetric.custom("ns per op", polarity: .prefersSmaller, useScalingFactor: false)
    static let oversleep = BenchmarkMetric.custom("oversleep ns", polarity: .prefersSmaller, useScalingFactor: false)
}

func configuration(
    _ metric: BenchmarkMetric, maxIterations: Int, maxSeconds: Int64, warmup: Int = 1
) -> Benchmark.Configuration {
    .init(
        metrics: [metric],
        units: [metric: .count],
        warmupIterations: warmup,
        maxDuration: .seconds(maxSeconds),
        maxIterations: maxIterations
    )
}

// MARK: - 1. Task switch

/// Rounds per task; two tasks make `2 * switchRounds` switches.
let switchRounds = 50_000

/// Nonisolated code that leaves its caller's actor (`@concurrent`: the meaning
/// of a plain `nonisolated async` function in a Swift 6 package without
/// `NonisolatedNonsendingByDefault`). On the loop it runs on the loop's task
/// executor (every `createTask` task prefers it); on the default executor, on
/// the global pool.
@concurrent
func playNonisolated(_ baton: Baton, rounds: Int) async {
    for _ in 0..<rounds {
        await withUnsafeContinuation { baton.handOff($0) }
    }
    baton.finish()
}

/// Nonisolated code that runs on its caller's executor (the default for plain
/// `nonisolated async` functions in packages that enable
/// `NonisolatedNonsendingByDefault`, as swift-asyncio does): called from a
/// `createTask` body it runs isolated to `@Loop`.
nonisolated(nonsending)
func playNonsending(_ baton: Baton, rounds: Int) async {
    for _ in 0..<rounds {
        await withUnsafeContinuation { baton.handOff($0) }
    }
    baton.finish()
}

/// The same code isolated to `@Loop`.
@Loop
func playIsolated(_ baton: Baton, rounds: Int) async {
    for _ in 0..<rounds {
        await withUnsafeContinuation { baton.handOff($0) }
    }
    baton.finish()
}

/// The same code isolated to a default actor.
actor PingActor {
    func play(_ baton: Baton, rounds: Int) async {
        for _ in 0..<rounds {
            await withUnsafeContinuation { baton.handOff($0) }
        }
        baton.finish()
    }
}

// MARK: - 2. Spawn + await

/// Tasks per iteration, created and awaited in batches.
let spawnTotal = 1_000_000
let spawnBatch = 1_000

// MARK: - 3. NOP round trip

let nopTotal = 102_400
let nopConcurrency = 256

// MARK: - 4. Sleep

let sleepSamples = 100

// MARK: - Registration

let benchmarks: @Sendable () -> Void = {
    let switchConfig = configuration(Metric.perSwitch, maxIterations: 20, maxSeconds: 2)
    let spawnConfig = configuration(Metric.perTask, maxIterations: 5, maxSeconds: 4)
    let nopConfig = configuration(Metric.perOp, maxIterations: 20, maxSeconds: 2)
    let sleepConfig = configuration(Metric.oversleep, maxIterations: 10, maxSeconds: 3, warmup: 0)

    // 1. Task switch ---------------------------------------------------------

    Benchmark("switch: loop, nonisolated @concurrent", configuration: switchConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let baton = Baton()
            let start = nowNanoseconds()
            let a = createTask { await playNonisolated(baton, rounds: switchRounds) }
            let b = createTask { await playNonisolated(baton, rounds: switchRounds) }
            try await a.value
            try await b.value
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perSwitch, Int(ns) / (2 * switchRounds))
    }

    Benchmark("switch: loop, nonisolated(nonsending)", configuration: switchConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let baton = Baton()
            let start = nowNanoseconds()
            let a = createTask { await playNonsending(baton, rounds: switchRounds) }
            let b = createTask { await playNonsending(baton, rounds: switchRounds) }
            try await a.value
            try await b.value
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perSwitch, Int(ns) / (2 * switchRounds))
    }

    Benchmark("switch: loop, @Loop isolated", configuration: switchConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let baton = Baton()
            let start = nowNanoseconds()
            let a = createTask { await playIsolated(baton, rounds: switchRounds) }
            let b = createTask { await playIsolated(baton, rounds: switchRounds) }
            try await a.value
            try await b.value
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perSwitch, Int(ns) / (2 * switchRounds))
    }

    Benchmark("switch: default, nonisolated Task{}", configuration: switchConfig) { benchmark async in
        let baton = Baton()
        let start = nowNanoseconds()
        let a = Task { await playNonisolated(baton, rounds: switchRounds) }
        let b = Task { await playNonisolated(baton, rounds: switchRounds) }
        await a.value
        await b.value
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perSwitch, Int(ns) / (2 * switchRounds))
    }

    Benchmark("switch: default, default actor", configuration: switchConfig) { benchmark async in
        let baton = Baton()
        let actor = PingActor()
        let start = nowNanoseconds()
        let a = Task { await actor.play(baton, rounds: switchRounds) }
        let b = Task { await actor.play(baton, rounds: switchRounds) }
        await a.value
        await b.value
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perSwitch, Int(ns) / (2 * switchRounds))
    }

    // 2. Spawn + await of 1,000,000 tiny tasks -------------------------------

    Benchmark("spawn: loop, createTask + value", configuration: spawnConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            var handles: [TaskHandle<Void>] = []
            handles.reserveCapacity(spawnBatch)
            let start = nowNanoseconds()
            for _ in 0..<(spawnTotal / spawnBatch) {
                for _ in 0..<spawnBatch { handles.append(createTask {}) }
                for handle in handles { try await handle.value }
                handles.removeAll(keepingCapacity: true)
            }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perTask, Int(ns) / spawnTotal)
    }

    // Not the API (a bare task does not prefer the loop, so nonisolated code it
    // calls leaves the loop thread): the Swift runtime's own cost of a task on
    // the loop, to show what `createTask`'s bookkeeping adds.
    Benchmark("spawn: loop, bare Task { @Loop in } + value", configuration: spawnConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            var tasks: [Task<Void, Never>] = []
            tasks.reserveCapacity(spawnBatch)
            let start = nowNanoseconds()
            for _ in 0..<(spawnTotal / spawnBatch) {
                for _ in 0..<spawnBatch { tasks.append(Task { @Loop in }) }
                for task in tasks { await task.value }
                tasks.removeAll(keepingCapacity: true)
            }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perTask, Int(ns) / spawnTotal)
    }

    Benchmark("spawn: loop, TaskGroup", configuration: spawnConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let start = nowNanoseconds()
            for _ in 0..<(spawnTotal / spawnBatch) {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<spawnBatch { group.addTask {} }
                    await group.waitForAll()
                }
            }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perTask, Int(ns) / spawnTotal)
    }

    Benchmark("spawn: loop, TaskGroup @Loop children", configuration: spawnConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let start = nowNanoseconds()
            for _ in 0..<(spawnTotal / spawnBatch) {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<spawnBatch { group.addTask { @Loop in } }
                    await group.waitForAll()
                }
            }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perTask, Int(ns) / spawnTotal)
    }

    Benchmark("spawn: default, Task{} + value", configuration: spawnConfig) { benchmark async in
        var tasks: [Task<Void, Never>] = []
        tasks.reserveCapacity(spawnBatch)
        let start = nowNanoseconds()
        for _ in 0..<(spawnTotal / spawnBatch) {
            for _ in 0..<spawnBatch { tasks.append(Task {}) }
            for task in tasks { await task.value }
            tasks.removeAll(keepingCapacity: true)
        }
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perTask, Int(ns) / spawnTotal)
    }

    Benchmark("spawn: default, TaskGroup", configuration: spawnConfig) { benchmark async in
        let start = nowNanoseconds()
        for _ in 0..<(spawnTotal / spawnBatch) {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<spawnBatch { group.addTask {} }
                await group.waitForAll()
            }
        }
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perTask, Int(ns) / spawnTotal)
    }

    // 3. NOP round trip per await -------------------------------------------

    Benchmark("nop: loop, RawIO.nop, 1 task", configuration: nopConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let start = nowNanoseconds()
            for _ in 0..<nopTotal { try await RawIO.nop() }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    Benchmark("nop: loop, RawIO.nop, 256 tasks", configuration: nopConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let perTask = nopTotal / nopConcurrency
            var handles: [TaskHandle<Void>] = []
            let start = nowNanoseconds()
            for _ in 0..<nopConcurrency {
                handles.append(createTask { for _ in 0..<perTask { try await RawIO.nop() } })
            }
            for handle in handles { try await handle.value }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    Benchmark("nop: loop, Task.yield, 1 task", configuration: nopConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let start = nowNanoseconds()
            for _ in 0..<nopTotal { await Task.yield() }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    Benchmark("nop: loop, Task.yield, 256 tasks", configuration: nopConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let perTask = nopTotal / nopConcurrency
            var handles: [TaskHandle<Void>] = []
            let start = nowNanoseconds()
            for _ in 0..<nopConcurrency {
                handles.append(createTask { for _ in 0..<perTask { await Task.yield() } })
            }
            for handle in handles { try await handle.value }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    // `sleepMs(0)`: the library's yield (MicroPython's `sleep(0)`), queued
    // again behind the tasks ready when it yielded (decision 0007).
    Benchmark("nop: loop, sleepMs(0), 1 task", configuration: nopConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let start = nowNanoseconds()
            for _ in 0..<nopTotal { try await sleepMs(0) }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    Benchmark("nop: loop, sleepMs(0), 256 tasks", configuration: nopConfig) { benchmark in
        let ns = try onLoop { () async throws -> Int64 in
            let perTask = nopTotal / nopConcurrency
            var handles: [TaskHandle<Void>] = []
            let start = nowNanoseconds()
            for _ in 0..<nopConcurrency {
                handles.append(createTask { for _ in 0..<perTask { try await sleepMs(0) } })
            }
            for handle in handles { try await handle.value }
            return nowNanoseconds() - start
        }
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    // The default executor has no ring: its twin is a continuation resumed at
    // once (the floor of an await with no I/O), and a real reschedule (`Task.yield`).

    Benchmark("nop: default, resumed continuation, 1 task", configuration: nopConfig) { benchmark async in
        let start = nowNanoseconds()
        for _ in 0..<nopTotal { await withUnsafeContinuation { $0.resume() } }
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    Benchmark("nop: default, resumed continuation, 256 tasks", configuration: nopConfig) { benchmark async in
        let perTask = nopTotal / nopConcurrency
        var tasks: [Task<Void, Never>] = []
        let start = nowNanoseconds()
        for _ in 0..<nopConcurrency {
            tasks.append(Task { for _ in 0..<perTask { await withUnsafeContinuation { $0.resume() } } })
        }
        for task in tasks { await task.value }
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    Benchmark("nop: default, Task.yield, 1 task", configuration: nopConfig) { benchmark async in
        let start = nowNanoseconds()
        for _ in 0..<nopTotal { await Task.yield() }
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    Benchmark("nop: default, Task.yield, 256 tasks", configuration: nopConfig) { benchmark async in
        let perTask = nopTotal / nopConcurrency
        var tasks: [Task<Void, Never>] = []
        let start = nowNanoseconds()
        for _ in 0..<nopConcurrency {
            tasks.append(Task { for _ in 0..<perTask { await Task.yield() } })
        }
        for task in tasks { await task.value }
        let ns = nowNanoseconds() - start
        benchmark.measurement(Metric.perOp, Int(ns) / nopTotal)
    }

    // 4. sleep(1 ms) oversleep: one sample per sleep ------------------------

    Benchmark("sleep: loop, sleepMs(1)", configuration: sleepConfig) { benchmark in
        let samples = try onLoop { () async throws -> [Int64] in
            var samples: [Int64] = []
            for _ in 0..<sleepSamples {
                let start = nowNanoseconds()
                try await sleepMs(1)
                samples.append(nowNanoseconds() - start - 1_000_000)
            }
            return samples
        }
        for sample in samples { benchmark.measurement(Metric.oversleep, Int(sample)) }
    }

    Benchmark("sleep: loop, Task.sleep(1 ms)", configuration: sleepConfig) { benchmark in
        let samples = try onLoop { () async throws -> [Int64] in
            var samples: [Int64] = []
            for _ in 0..<sleepSamples {
                let start = nowNanoseconds()
                try await Task.sleep(for: .milliseconds(1))
                samples.append(nowNanoseconds() - start - 1_000_000)
            }
            return samples
        }
        for sample in samples { benchmark.measurement(Metric.oversleep, Int(sample)) }
    }

    Benchmark("sleep: default, Task.sleep(1 ms)", configuration: sleepConfig) { benchmark async throws in
        for _ in 0..<sleepSamples {
            let start = nowNanoseconds()
            try await Task.sleep(for: .milliseconds(1))
            benchmark.measurement(Metric.oversleep, Int(nowNanoseconds() - start - 1_000_000))
        }
    }
}

// The default-executor twins of CoreBenchmarks, outside the harness.
//
// The benchmark harness waits for an async benchmark by blocking one thread of
// Swift's cooperative pool, which has one thread per core: on a 2-core machine
// the twins in CoreBenchmarks run on the one thread left. A program's `main`
// is not a pool thread, so here the default executor has its whole pool.
// Same work and same per-op metrics as CoreBenchmarks; prints the median of
// the repetitions. Run: swift run -c release DefaultExecutorFullPool [repetitions]

import BenchmarkSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

let switchRounds = 50_000
let spawnTotal = 1_000_000
let spawnBatch = 1_000
let nopTotal = 102_400
let nopConcurrency = 256

@concurrent
func playNonisolated(_ baton: Baton, rounds: Int) async {
    for _ in 0..<rounds {
        await withUnsafeContinuation { baton.handOff($0) }
    }
    baton.finish()
}

actor PingActor {
    func play(_ baton: Baton, rounds: Int) async {
        for _ in 0..<rounds {
            await withUnsafeContinuation { baton.handOff($0) }
        }
        baton.finish()
    }
}

@concurrent func switchNonisolated() async -> Int {
    let baton = Baton()
    let start = nowNanoseconds()
    let a = Task { await playNonisolated(baton, rounds: switchRounds) }
    let b = Task { await playNonisolated(baton, rounds: switchRounds) }
    await a.value
    await b.value
    return Int(nowNanoseconds() - start) / (2 * switchRounds)
}

@concurrent func switchActor() async -> Int {
    let baton = Baton()
    let actor = PingActor()
    let start = nowNanoseconds()
    let a = Task { await actor.play(baton, rounds: switchRounds) }
    let b = Task { await actor.play(baton, rounds: switchRounds) }
    await a.value
    await b.value
    return Int(nowNanoseconds() - start) / (2 * switchRounds)
}

@concurrent func spawnTasks() async -> Int {
    var tasks: [Task<Void, Never>] = []
    tasks.reserveCapacity(spawnBatch)
    let start = nowNanoseconds()
    for _ in 0..<(spawnTotal / spawnBatch) {
        for _ in 0..<spawnBatch { tasks.append(Task {}) }
        for task in tasks { await task.value }
        tasks.removeAll(keepingCapacity: true)
    }
    return Int(nowNanoseconds() - start) / spawnTotal
}

@concurrent func spawnGroup() async -> Int {
    let start = nowNanoseconds()
    for _ in 0..<(spawnTotal / spawnBatch) {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<spawnBatch { group.addTask {} }
            await group.waitForAll()
        }
    }
    return Int(nowNanoseconds() - start) / spawnTotal
}

@concurrent func yields(tasks count: Int) async -> Int {
    let perTask = nopTotal / count
    var tasks: [Task<Void, Never>] = []
    let start = nowNanoseconds()
    for _ in 0..<count {
        tasks.append(Task { for _ in 0..<perTask { await Task.yield() } })
    }
    for task in tasks { await task.value }
    return Int(nowNanoseconds() - start) / nopTotal
}

func median(_ values: [Int]) -> Int {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

@main
struct DefaultExecutorFullPool {
    static func main() async {
        let repetitions = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 5) : 5
        let cases: [(String, String, @Sendable () async -> Int)] = [
            ("switch: default, nonisolated Task{}", "ns per switch", { await switchNonisolated() }),
            ("switch: default, default actor", "ns per switch", { await switchActor() }),
            ("spawn: default, Task{} + value", "ns per task", { await spawnTasks() }),
            ("spawn: default, TaskGroup", "ns per task", { await spawnGroup() }),
            ("nop: default, Task.yield, 1 task", "ns per op", { await yields(tasks: 1) }),
            ("nop: default, Task.yield, 256 tasks", "ns per op", { await yields(tasks: nopConcurrency) }),
        ]
        print("full-pool\tbenchmark\tmetric\tmedian\tsamples")
        for (name, metric, body) in cases {
            _ = await body()  // warm-up
            var samples: [Int] = []
            for _ in 0..<repetitions { samples.append(await body()) }
            print("full-pool\t\(name)\t\(metric)\t\(median(samples))\t\(samples.map(String.init).joined(separator: ","))")
        }
    }
}

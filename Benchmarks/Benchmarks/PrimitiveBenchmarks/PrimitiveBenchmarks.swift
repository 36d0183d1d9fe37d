// Synchronisation primitives: Event, Lock and Queue on the loop, beside the
// same workloads on Swift's default executor (actor twins, AsyncChannel).
//
// The workloads are in Sources/PrimitiveWorkloads, shared with the full-pool
// runner. As in CoreBenchmarks, each one times its own hot section with
// CLOCK_MONOTONIC and records a custom metric, and loop workloads run under
// `AsyncIO.run` on a dedicated thread. Results: docs/benchmarks.md.
// Run: scripts/bench-primitives.sh

import Benchmark
import PrimitiveWorkloads

enum Metric {
    static let perSwitch = BenchmarkMetric.custom("ns per switch", polarity: .prefersSmaller, useScalingFactor: false)
    static let perYield = BenchmarkMetric.custom("ns per yield", polarity: .prefersSmaller, useScalingFactor: false)
    static let perRoundTrip = BenchmarkMetric.custom("ns per round trip", polarity: .prefersSmaller, useScalingFactor: false)
    static let perHandOff = BenchmarkMetric.custom("ns per hand-off", polarity: .prefersSmaller, useScalingFactor: false)
    static let perItem = BenchmarkMetric.custom("ns per item", polarity: .prefersSmaller, useScalingFactor: false)
}

func configuration(_ metric: BenchmarkMetric) -> Benchmark.Configuration {
    .init(
        metrics: [metric],
        units: [metric: .count],
        warmupIterations: 1,
        maxDuration: .seconds(2),
        maxIterations: 20
    )
}

/// (label, maxSize) of the queue variants; 0 is unbounded.
let queueSizes: [(String, Int)] = [("unbounded", 0), ("maxSize 64", 64), ("maxSize 1", 1)]
/// (label, producers, consumers).
let queueShapes: [(String, Int, Int)] = [("1/1", 1, 1), ("8/8", 8, 8)]

let benchmarks: @Sendable () -> Void = {
    // Baselines, in the same run ------------------------------------------

    Benchmark("baseline: loop, task switch @Loop", configuration: configuration(Metric.perSwitch)) { benchmark in
        let ns = try onLoop { try await loopSwitch() }
        benchmark.measurement(Metric.perSwitch, Int(ns) / Size.switchRounds)
    }
    Benchmark("baseline: default, task switch default actor", configuration: configuration(Metric.perSwitch)) { benchmark async in
        let ns = await twinSwitch()
        benchmark.measurement(Metric.perSwitch, Int(ns) / Size.switchRounds)
    }
    Benchmark("baseline: loop, Task.yield", configuration: configuration(Metric.perYield)) { benchmark in
        let ns = try onLoop { try await loopYield() }
        benchmark.measurement(Metric.perYield, Int(ns) / Size.yields)
    }
    Benchmark("baseline: default, Task.yield", configuration: configuration(Metric.perYield)) { benchmark async in
        let ns = await twinYield()
        benchmark.measurement(Metric.perYield, Int(ns) / Size.yields)
    }

    // Event ping-pong --------------------------------------------------------

    Benchmark("event: loop, ping-pong", configuration: configuration(Metric.perRoundTrip)) { benchmark in
        let ns = try onLoop { try await loopEventPingPong() }
        benchmark.measurement(Metric.perRoundTrip, Int(ns) / Size.pingPongRounds)
    }
    Benchmark("event: default actor, ping-pong", configuration: configuration(Metric.perRoundTrip)) { benchmark async in
        let ns = await twinEventPingPong()
        benchmark.measurement(Metric.perRoundTrip, Int(ns) / Size.pingPongRounds)
    }

    // Lock hand-off ------------------------------------------------------------

    let acquisitions = Size.lockTasks * Size.lockRounds
    Benchmark("lock: loop, \(Size.lockTasks) tasks", configuration: configuration(Metric.perHandOff)) { benchmark in
        let ns = try onLoop { try await loopLockHandOff() }
        benchmark.measurement(Metric.perHandOff, Int(ns) / acquisitions)
    }
    Benchmark("lock: default actor, \(Size.lockTasks) tasks", configuration: configuration(Metric.perHandOff)) { benchmark async in
        let ns = await twinLockHandOff()
        benchmark.measurement(Metric.perHandOff, Int(ns) / acquisitions)
    }

    // Queue put+get --------------------------------------------------------------

    for (shape, producers, consumers) in queueShapes {
        for (sizeLabel, maxSize) in queueSizes {
            Benchmark("queue: loop, \(shape), \(sizeLabel)", configuration: configuration(Metric.perItem)) { benchmark in
                let ns = try onLoop { try await loopQueue(maxSize: maxSize, producers: producers, consumers: consumers) }
                benchmark.measurement(Metric.perItem, Int(ns) / Size.queueItems)
            }
            Benchmark("queue: default actor, \(shape), \(sizeLabel)", configuration: configuration(Metric.perItem)) { benchmark async in
                let ns = await twinQueue(maxSize: maxSize, producers: producers, consumers: consumers)
                benchmark.measurement(Metric.perItem, Int(ns) / Size.queueItems)
            }
        }
        Benchmark("queue: AsyncChannel default, \(shape)", configuration: configuration(Metric.perItem)) { benchmark async in
            let ns = await channelDefault(producers: producers, consumers: consumers)
            benchmark.measurement(Metric.perItem, Int(ns) / Size.queueItems)
        }
        Benchmark("queue: AsyncChannel loop, \(shape)", configuration: configuration(Metric.perItem)) { benchmark in
            let ns = try onLoop { try await loopChannel(producers: producers, consumers: consumers) }
            benchmark.measurement(Metric.perItem, Int(ns) / Size.queueItems)
        }
    }
}

// The default-executor side of PrimitiveBenchmarks (actor twins and
// AsyncChannel), outside the harness, so that the default executor has its
// whole cooperative pool (see DefaultExecutorFullPool/main.swift for why).
// Same workloads and per-op metrics; prints the median of the repetitions as
// "full-pool<TAB>name<TAB>metric<TAB>ns", names as in PrimitiveBenchmarks.
// Run: swift run -c release PrimitivesFullPool [repetitions]

import PrimitiveWorkloads

let repetitions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5 : 5

func report(_ name: String, _ metric: String, divisor: Int, _ body: () async -> Int64) async {
    _ = await body() // warm-up
    var samples: [Int64] = []
    for _ in 0..<repetitions { samples.append(await body() / Int64(divisor)) }
    samples.sort()
    print("full-pool\t\(name)\t\(metric)\t\(samples[samples.count / 2])")
}

await report("baseline: default, task switch default actor", "ns per switch", divisor: Size.switchRounds) {
    await twinSwitch()
}
await report("baseline: default, Task.yield", "ns per yield", divisor: Size.yields) {
    await twinYield()
}
await report("event: default actor, ping-pong", "ns per round trip", divisor: Size.pingPongRounds) {
    await twinEventPingPong()
}
await report("lock: default actor, \(Size.lockTasks) tasks", "ns per hand-off", divisor: Size.lockTasks * Size.lockRounds) {
    await twinLockHandOff()
}
for (shape, producers, consumers) in [("1/1", 1, 1), ("8/8", 8, 8)] {
    for (sizeLabel, maxSize) in [("unbounded", 0), ("maxSize 64", 64), ("maxSize 1", 1)] {
        await report("queue: default actor, \(shape), \(sizeLabel)", "ns per item", divisor: Size.queueItems) {
            await twinQueue(maxSize: maxSize, producers: producers, consumers: consumers)
        }
    }
    await report("queue: AsyncChannel default, \(shape)", "ns per item", divisor: Size.queueItems) {
        await channelDefault(producers: producers, consumers: consumers)
    }
}

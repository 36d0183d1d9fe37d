// The loop side of PrimitiveBenchmarks outside the harness: a quick check and a
// target for `perf record` while working on the primitives. Prints the median
// of the repetitions as "loop<TAB>name<TAB>metric<TAB>ns", names as in
// PrimitiveBenchmarks. The published figures come from the harness
// (scripts/bench-primitives.sh), not from this runner.
// Run: swift run -c release PrimitivesLoop [repetitions] [filter]

import PrimitiveWorkloads

let arguments = CommandLine.arguments
let repetitions = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
let filter = arguments.count > 2 ? arguments[2] : ""

func report(_ name: String, _ metric: String, divisor: Int, _ body: @escaping @Sendable () throws -> Int64) throws {
    guard filter.isEmpty || name.contains(filter) else { return }
    _ = try body() // warm-up
    var samples: [Int64] = []
    for _ in 0..<repetitions { samples.append(try body() / Int64(divisor)) }
    samples.sort()
    print("loop\t\(name)\t\(metric)\t\(samples[samples.count / 2])")
}

try report("baseline: loop, task switch @Loop", "ns per switch", divisor: Size.switchRounds) {
    try onLoop { try await loopSwitch() }
}
try report("baseline: loop, Task.yield", "ns per yield", divisor: Size.yields) {
    try onLoop { try await loopYield() }
}
try report("event: loop, ping-pong", "ns per round trip", divisor: Size.pingPongRounds) {
    try onLoop { try await loopEventPingPong() }
}
try report("lock: loop, \(Size.lockTasks) tasks", "ns per hand-off", divisor: Size.lockTasks * Size.lockRounds) {
    try onLoop { try await loopLockHandOff() }
}
for (shape, producers, consumers) in [("1/1", 1, 1), ("8/8", 8, 8)] {
    for (sizeLabel, maxSize) in [("unbounded", 0), ("maxSize 64", 64), ("maxSize 1", 1)] {
        try report("queue: loop, \(shape), \(sizeLabel)", "ns per item", divisor: Size.queueItems) {
            try onLoop { try await loopQueue(maxSize: maxSize, producers: producers, consumers: consumers) }
        }
    }
}
try report("spawn: loop, createTask + value", "ns per task", divisor: Size.spawnTotal) {
    try onLoop { try await loopSpawn() }
}

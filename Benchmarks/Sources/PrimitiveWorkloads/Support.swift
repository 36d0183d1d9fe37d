// Sizes shared by PrimitiveBenchmarks (the harness), PrimitivesFullPool and
// PrimitivesLoop. The clock, the loop thread and `Baton` come from
// BenchmarkSupport, re-exported here for those targets.

@_exported import BenchmarkSupport
#if canImport(Glibc)
import Glibc
#endif

/// Sizes of one iteration, the same in every implementation (and in
/// Benchmarks/python/primitives.py).
public enum Size {
    /// Event ping-pong round trips (two switches each).
    public static let pingPongRounds = 50_000
    /// Lock: tasks contending, and acquire/release rounds per task.
    public static let lockTasks = 8
    public static let lockRounds = 5_000
    /// Queue: items put and got per iteration (split evenly between the
    /// producers, and between the consumers).
    public static let queueItems = 100_000
    /// Spawn (PrimitivesLoop only): tasks per iteration, as in CoreBenchmarks.
    public static let spawnTotal = 200_000
    /// Task switches of the baseline (two tasks, half each).
    public static let switchRounds = 50_000
    /// Yields of the baseline.
    public static let yields = 100_000
}

import AsyncIO
import AsyncIOTestSupport
import Synchronization
import Testing

/// What a ported test prints, line by line, to compare with MicroPython's
/// expected output (the `.exp` file, or CPython 3.13's output where there is none,
/// as MicroPython's own test runner does). Usable from the loop and from the
/// test's thread (for files that call `asyncio.run` several times).
final class Transcript: Sendable {
    private let storage = Mutex<[String]>([])

    /// Appends one line made of `items` joined by spaces, as Python's `print` does.
    func print(_ items: Any...) {
        let line = items.map { "\($0)" }.joined(separator: " ")
        storage.withLock { $0.append(line) }
    }

    /// The lines printed so far.
    var lines: [String] { storage.withLock { $0 } }

    /// Expects the printed lines to equal the lines of `expected`, reporting
    /// the first line that differs and both transcripts.
    func expect(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let actual = lines
        let wanted = expected.isEmpty ? [] : expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if actual == wanted { return }
        let common = min(actual.count, wanted.count)
        let first = (0..<common).first { actual[$0] != wanted[$0] } ?? common
        let got = first < actual.count ? actual[first] : "<end of output>"
        let want = first < wanted.count ? wanted[first] : "<end of output>"
        Issue.record(
            """
            transcript differs at line \(first + 1): got "\(got)", expected "\(want)"
            --- got:
            \(actual.joined(separator: "\n"))
            --- expected:
            \(expected)
            """, sourceLocation: sourceLocation)
    }
}

/// Runs a ported test's `main` as `asyncio.run(main())` would, with the test
/// suite's time limit and leak checks, and expects its transcript to equal `expected`.
func expectTranscript(
    _ expected: String,
    timeout: Duration = .seconds(20),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ main: @escaping @Loop (Transcript) async throws -> Void
) throws {
    let out = Transcript()
    try runLoopTest(timeout: timeout, sourceLocation: sourceLocation) { try await main(out) }
    out.expect(expected, sourceLocation: sourceLocation)
}

/// Python's `str` of a Boolean, so printed lines read as in the `.exp` files.
func py(_ value: Bool) -> String { value ? "True" : "False" }

/// A `ValueError` of a ported test; `args` is the text between the parentheses
/// of its `repr` (MicroPython writes `ValueError(2,)`, CPython `ValueError(2)`).
struct ValueError: Error, Equatable {
    var args: String = ""
    var repr: String { "ValueError(\(args))" }
}

/// Python's `repr` of the errors the ported tests print.
func pyRepr(_ error: any Error) -> String {
    switch error {
    case is CancellationError: return "CancelledError()"
    case is TimeoutError: return "TimeoutError()"
    case let error as ValueError: return error.repr
    default: return "\(error)"
    }
}

/// Milliseconds from `start` to `end`, rounded to the nearest hundred (Python's `round(ms, -2)`).
func roundedMilliseconds(_ start: ContinuousClock.Instant, _ end: ContinuousClock.Instant) -> Int {
    let elapsed = end - start
    let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    return Int((ms / 100).rounded()) * 100
}

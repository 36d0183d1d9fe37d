import AsyncIO

enum State { @Loop static var log: [String] = [] }
let value = try AsyncIO.run {
    let a = createTask(name: "a") { () async throws -> Int in
        for i in 0..<3 { State.log.append("a\(i)"); try await sleepMs(10) }
        return 1
    }
    let b = createTask(name: "b") { () async throws -> Int in
        for i in 0..<3 { State.log.append("b\(i)"); try await sleepMs(15) }
        return 2
    }
    let c = createTask(name: "c") { () async throws -> Int in
        try await sleep(10)
        return 3
    }
    try await sleepMs(5)
    c.cancel()
    let x = try await a.value + b.value
    do { _ = try await c.value } catch { State.log.append("c: \(error)") }
    do {
        _ = try await waitFor({ try await sleep(1); return 0 }, timeout: .milliseconds(20))
    } catch { State.log.append("waitFor: \(error)") }
    try await Task.sleep(for: .milliseconds(5))
    print(try Loop.statistics(), Loop.backendDescription)
    return x
}
print(value)
try AsyncIO.run { print(State.log) }

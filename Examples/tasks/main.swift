import AsyncIO
#if canImport(Glibc)
import Glibc
#endif
enum S { @Loop static var loopThread: pthread_t = pthread_self() }
func where_() -> String { pthread_equal(pthread_self(), S.loopThreadSnapshot) != 0 ? "loop" : "other thread" }
extension S { nonisolated(unsafe) static var loopThreadSnapshot: pthread_t = 0 }

nonisolated func childWork() async -> String { where_() }

try AsyncIO.run {
    S.loopThreadSnapshot = pthread_self()
    let shared = createTask(name: "shared") { () async throws -> Int in try await sleepMs(50); print("shared finished"); return 7 }
    let waiter = createTask(name: "waiter") { () async throws -> Int in try await shared.value }
    try await sleepMs(5)
    print("cancel waiter:", waiter.cancel())
    do { _ = try await waiter.value } catch { print("waiter:", error) }
    do { _ = try await shared.value } catch { print("shared:", error, shared.isCancelled) }
    let never = createTask(name: "never") { () async throws -> Void in print("BODY RAN") }
    print("cancel before run:", never.cancel())
    try await sleepMs(1)
    print("never done/cancelled:", never.isDone, never.isCancelled)
    print("cancel finished:", never.cancel())
    // bare Task
    let createdWithCreateTask = createTask { () async -> String in
        async let c = childWork()
        return await "createTask: async let child on \(c)"
    }
    print(try await createdWithCreateTask.value)
    let bare = Task { () async -> String in
        async let c = childWork()
        let ct = (try? currentTask()).map { $0.name } ?? "none"
        let st = (try? Loop.statistics()).map { "\($0.tasks)" } ?? "n/a"
        return await "bare Task: async let child on \(c), body on \(where_()), currentTask \(ct), stats.tasks \(st)"
    }
    print(await bare.value)
    // Task.sleep counts as a timer
    let sl = createTask { try await Task.sleep(for: .milliseconds(30)) }
    try await sleepMs(1)
    print(try Loop.statistics())
    try await sl.value
    // handler suppression
    Loop.setExceptionHandler { ctx in print("handler:", ctx) }
    struct Boom: Error {}
    let f = createTask(name: "f") { () async throws -> Void in throw Boom() }
    try await sleepMs(0)
    do { try await f.value } catch { print("awaited f:", error) }
    try await sleepMs(5)
    let g = createTask(name: "g") { () async throws -> Void in throw Boom() }
    try await sleepMs(5)
    print("g result:", g.result as Any)
    do { try await g.value } catch { print("awaited g later:", error) }
}

import Testing
import URing
@testable import AsyncIO

/// The loop's data structures, without the loop or the kernel.
@Suite("Loop data structures")
struct DataStructureTests {
    @Test func timersFireInDeadlineThenArmingOrder() {
        var heap = TimerHeap()
        var fired: [Int] = []
        let deadlines: [Int64] = [50, 10, 30, 10, 20]
        for (i, d) in deadlines.enumerated() {
            _ = heap.schedule(at: d, .call({ fired.append(i) }))
        }
        #expect(heap.count == 5)
        let first = heap.nextDeadline()
        #expect(first == 10)
        while let action = heap.popDue(now: 100) {
            if case .call(let body) = action { body() }
        }
        #expect(fired == [1, 3, 4, 2, 0])
        #expect(heap.count == 0)
        let none = heap.nextDeadline()
        #expect(none == nil)
    }

    @Test func aCancelledTimerNeverFiresAndStaleEntriesAreSkipped() {
        var heap = TimerHeap()
        let early = heap.schedule(at: 5, .call({}))
        _ = heap.schedule(at: 9, .call({}))
        let first = heap.cancel(early)
        let second = heap.cancel(early)
        #expect(first != nil)
        #expect(second == nil, "a second cancel finds nothing")
        #expect(heap.count == 1)
        let next = heap.nextDeadline()
        let notYet = heap.popDue(now: 8)
        let due = heap.popDue(now: 9)
        #expect(next == 9)
        #expect(notYet == nil)
        #expect(due != nil)
    }

    @Test func aCancelledReservationCannotBeArmed() {
        var heap = TimerHeap()
        let id = heap.reserve()
        let cancelled = heap.cancel(id)
        let armed = heap.arm(id, at: 1, .call({}))
        #expect(cancelled == nil)
        #expect(!armed)
        #expect(heap.count == 0)
        // The slot is reused with a new generation.
        let next = heap.reserve()
        #expect(next.index == id.index)
        #expect(next.generation != id.generation)
    }

    @Test func operationSlotsAreReusedWithANewGeneration() async {
        var table = OperationTable()
        let a = table.allocate()
        #expect(table.count == 1)
        let firstCancel = table.markCancelRequested(a)
        let secondCancel = table.markCancelRequested(a)
        #expect(firstCancel)
        #expect(!secondCancel, "one cancel per operation")
        let done = await withUnsafeContinuation { continuation in
            table.attach(a, continuation)
            table.complete(Completion(userData: a, result: -125))
        }
        #expect(done.result == -125)
        #expect(table.count == 0)
        let b = table.allocate()
        #expect(b & 0xFFFF_FFFF == a & 0xFFFF_FFFF)
        #expect(b != a)
        let staleCancel = table.markCancelRequested(a)
        #expect(!staleCancel, "a stale user_data matches nothing")
        #expect(table.liveUserData == [b])
    }

    @Test func aCompletionThatComesBeforeTheTaskAttachesIsHandedOver() async {
        // 1. The task submitted, then was suspended (a hop) before it attached.
        var table = OperationTable()
        let a = table.allocate()
        // 2. The kernel's final completion arrives first: the slot keeps it.
        table.complete(Completion(userData: a, result: 7))
        #expect(table.count == 1)
        // 3. The task attaches and gets it at once; the slot is retired.
        let done = await withUnsafeContinuation { table.attach(a, $0) }
        #expect(done.result == 7)
        #expect(table.count == 0)
    }

    @Test func theTaskRegistryFindsEveryLiveTaskThroughGrowthAndRemovals() throws {
        // Handles are `@Loop` objects: build them on the loop.
        try AsyncIO.run {
            var registry = TaskRegistry()
            // Addresses 16 bytes apart, as tasks are: consecutive keys, long probe runs.
            let handles = (0..<1_000).map { _ in AnyTaskHandle(name: nil, loop: EventLoop.current!) }
            func key(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(bitPattern: 0x10_0000 + i * 16)! }
            for (i, handle) in handles.enumerated() { registry.insert(handle, key: key(i)) }
            #expect(registry.count == 1_000)
            // Remove every third, then check every key: removals must not hide later entries.
            for i in stride(from: 0, to: 1_000, by: 3) { registry.remove(handles[i]) }
            for i in 0..<1_000 {
                let found = registry.handle(for: key(i))
                if i % 3 == 0 { #expect(found == nil) } else { #expect(found === handles[i]) }
            }
            #expect(registry.count == 1_000 - 334)
            #expect(registry.all.count == registry.count)
            // Removing twice is harmless; re-inserting works.
            registry.remove(handles[0])
            registry.insert(handles[0], key: key(0))
            #expect(registry.handle(for: key(0)) === handles[0])
            for handle in handles { registry.remove(handle) }
            #expect(registry.isEmpty)
            #expect(registry.handle(for: key(5)) == nil)
        }
    }
}

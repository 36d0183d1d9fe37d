public import DequeModule
public import HeapModule

/// The items of a ``Queue``, kept in the order `get` takes them: first in
/// first out, last in first out, or by priority (first in first out among
/// equal priorities).
@usableFromInline struct QueueStorage<Element: Sendable> {
    @usableFromInline let order: Queue<Element>.Order
    @usableFromInline var list = Deque<Element>()
    @usableFromInline var heap = Heap<Entry>()
    /// Sequence number of the next appended item (priority order).
    @usableFromInline var nextSequence = 0
    /// Sequence number of the next item put back at the front (priority order):
    /// below every number handed out so far.
    @usableFromInline var frontSequence = -1

    @inlinable init(order: Queue<Element>.Order) { self.order = order }

    @inlinable var count: Int {
        if case .priority = order { return heap.count }
        return list.count
    }

    @inlinable var isEmpty: Bool { count == 0 }

    /// Adds an item put by `put`.
    @inlinable mutating func append(_ element: Element) {
        switch order {
        case .fifo, .lifo:
            list.append(element)
        case .priority(let areInIncreasingOrder):
            heap.insert(Entry(element: element, sequence: nextSequence, areInIncreasingOrder: areInIncreasingOrder))
            nextSequence += 1
        }
    }

    /// Removes the item `get` takes next.
    @inlinable mutating func popNext() -> Element? {
        switch order {
        case .fifo: return list.popFirst()
        case .lifo: return list.popLast()
        case .priority: return heap.popMin()?.element
        }
    }

    /// Puts an item taken by ``popNext()`` back where `get` takes it next
    /// (ahead of every item of the same priority).
    @inlinable mutating func putBack(_ element: Element) {
        switch order {
        case .fifo:
            list.prepend(element)
        case .lifo:
            list.append(element)
        case .priority(let areInIncreasingOrder):
            heap.insert(Entry(element: element, sequence: frontSequence, areInIncreasingOrder: areInIncreasingOrder))
            frontSequence -= 1
        }
    }

    /// Drops every item.
    @inlinable mutating func removeAll() {
        list.removeAll()
        heap = Heap()
    }

    /// A prioritised item: ordered by the queue's comparison, then by sequence.
    @usableFromInline struct Entry: Comparable {
        @usableFromInline let element: Element
        @usableFromInline let sequence: Int
        @usableFromInline let areInIncreasingOrder: @Sendable (Element, Element) -> Bool

        @inlinable init(element: Element, sequence: Int, areInIncreasingOrder: @escaping @Sendable (Element, Element) -> Bool) {
            self.element = element
            self.sequence = sequence
            self.areInIncreasingOrder = areInIncreasingOrder
        }

        @inlinable static func < (a: Entry, b: Entry) -> Bool {
            if a.areInIncreasingOrder(a.element, b.element) { return true }
            if a.areInIncreasingOrder(b.element, a.element) { return false }
            return a.sequence < b.sequence
        }

        @inlinable static func == (a: Entry, b: Entry) -> Bool { a.sequence == b.sequence }
    }
}

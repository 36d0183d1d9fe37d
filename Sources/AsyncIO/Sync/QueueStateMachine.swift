public import DequeModule

/// The logic of ``Queue``, without the loop: the items, the tokens of waiting
/// getters, putters and joiners, the unfinished-task count and the shutdown state.
///
/// Hand-off rules, which keep every item exactly once:
/// - A put while getters wait hands the item straight to the first getter. If
///   that getter is cancelled before it runs, ``giveBack(_:)`` passes the item
///   to the next getter or puts it back at the front.
/// - A get from a bounded queue with putters waiting grants the first putter a
///   *reserved slot*; the putter stores its item when it runs
///   (``putReserved(_:)``), or hands the slot on if it was cancelled first
///   (``releaseSlot()``). Reserved slots count toward ``isFull``, so a newcomer
///   cannot take the slot.
///
/// Invariants: getters wait only while there are no items; putters wait only
/// while the queue is full.
@usableFromInline struct QueueStateMachine<Element: Sendable, Getter: Hashable, Token: Hashable> {
    /// Whether ``shutdown(immediate:)`` was called, and how.
    @usableFromInline enum ShutdownState: Equatable { case open, graceful, immediate }

    /// The most items the queue holds before `put` waits; 0 or less means unbounded.
    @usableFromInline let maxSize: Int
    @usableFromInline var items: QueueStorage<Element>
    @usableFromInline var getters = Deque<Getter>()
    @usableFromInline var putters = Deque<Token>()
    @usableFromInline var joiners = Deque<Token>()
    /// Slots granted to woken putters that have not stored their item yet.
    @usableFromInline var reservedSlots = 0
    /// Items handed straight to a waiting getter that has not run yet: they
    /// still count (size and slots) until it takes them, as in CPython, where
    /// the item stays in the queue until the woken getter removes it.
    @usableFromInline var handedOff = 0
    /// Items put and not yet marked done by `taskDone()`.
    @usableFromInline var unfinishedTasks = 0
    @usableFromInline var shutdownState = ShutdownState.open

    @inlinable init(maxSize: Int, order: Queue<Element>.Order) {
        self.maxSize = maxSize
        self.items = QueueStorage(order: order)
    }

    /// Items in the queue, counting those handed to a getter that has not run yet.
    @inlinable var count: Int { items.count + handedOff }
    @inlinable var isEmpty: Bool { count == 0 }
    /// True when a put would wait: the items (handed ones too) and the
    /// reserved slots fill the queue.
    @inlinable var isFull: Bool { maxSize > 0 && items.count + handedOff + reservedSlots >= maxSize }
    @inlinable var getterCount: Int { getters.count }
    @inlinable var putterCount: Int { putters.count }
    @inlinable var joinerCount: Int { joiners.count }

    // MARK: Put

    @usableFromInline enum PutAction {
        /// The item is in the queue.
        case stored
        /// Wake this getter with this item.
        case handOff(Getter, Element)
        /// The queue is full: the caller suspends and calls ``enqueuePutter(_:)``.
        case suspend
    }

    /// `put`/`putNowait`: stores the item or hands it to a waiting getter.
    ///
    /// - Throws: ``SynchronizationError/queueShutDown`` after ``shutdown(immediate:)``.
    @inlinable mutating func put(_ item: Element) throws(SynchronizationError) -> PutAction {
        guard shutdownState == .open else { throw .queueShutDown }
        if isFull { return .suspend }
        return store(item)
    }

    @inlinable mutating func enqueuePutter(_ token: Token) { putters.append(token) }

    /// A putter was cancelled while still queued: it puts nothing.
    @inlinable mutating func cancelPutter(_ token: Token) {
        if let i = putters.firstIndex(of: token) { putters.remove(at: i) }
    }

    /// A putter woken with a reserved slot runs and stores its item.
    ///
    /// - Throws: ``SynchronizationError/queueShutDown`` if the queue was shut
    ///   down meanwhile (the slot is freed, nothing is stored).
    @inlinable mutating func putReserved(_ item: Element) throws(SynchronizationError) -> PutAction {
        reservedSlots -= 1
        guard shutdownState == .open else { throw .queueShutDown }
        return store(item)
    }

    /// A putter about to wait finds room after all (its task was suspended
    /// between its check and parking, and a get freed a slot): reserves the
    /// slot for it, unless other putters wait first (FIFO).
    @inlinable mutating func reserveSlotIfFree() -> Bool {
        guard shutdownState == .open, putters.isEmpty, !isFull else { return false }
        reservedSlots += 1
        return true
    }

    /// After a reserved put was handed straight to a waiting getter, its slot
    /// is free again: grants it to the next waiting putter (returned, to wake).
    @inlinable mutating func grantFreedSlot() -> Token? { grantSlot() }

    /// A putter woken with a reserved slot was cancelled before it ran: the slot
    /// goes to the next waiting putter (returned, to wake) or is freed.
    @inlinable mutating func releaseSlot() -> Token? {
        reservedSlots -= 1
        return grantSlot()
    }

    @inlinable mutating func store(_ item: Element) -> PutAction {
        unfinishedTasks += 1
        if let getter = getters.popFirst() {
            handedOff += 1
            return .handOff(getter, item)
        }
        items.append(item)
        return .stored
    }

    /// Reserves a free slot for the first waiting putter, if both exist.
    @inlinable mutating func grantSlot() -> Token? {
        guard shutdownState == .open, !putters.isEmpty, !isFull else { return nil }
        reservedSlots += 1
        return putters.popFirst()
    }

    // MARK: Get

    @usableFromInline enum GetAction {
        /// Here is the item; wake the putter, if any, which now has a reserved slot.
        case item(Element, wakePutter: Token?)
        /// Empty and shut down.
        case shutDown
        /// Empty: the caller suspends and calls ``enqueueGetter(_:)``.
        case suspend
    }

    /// `get`/`getNowait`: takes the next item.
    @inlinable mutating func get() -> GetAction {
        if let item = items.popNext() { return .item(item, wakePutter: grantSlot()) }
        if shutdownState != .open { return .shutDown }
        return .suspend
    }

    @inlinable mutating func enqueueGetter(_ getter: Getter) { getters.append(getter) }

    /// A getter was cancelled while still queued (no item was handed to it).
    @inlinable mutating func cancelGetter(_ getter: Getter) {
        if let i = getters.firstIndex(of: getter) { getters.remove(at: i) }
    }

    @usableFromInline enum GiveBackAction {
        /// Wake this getter with the item.
        case handOff(Getter, Element)
        /// The item is back at the front of the queue.
        case stored
        /// The queue was shut down with `immediate: true`: the item is dropped
        /// and counted done; wake these joiners.
        case dropped(wakeJoiners: [Token])
    }

    /// A getter was cancelled after `item` was handed to it, before it ran:
    /// the item goes to the next waiting getter, or back to the front (even if
    /// that makes a bounded queue hold more than `maxSize`: no item is dropped).
    /// A getter took the item handed to it: its slot is free. Returns a
    /// putter to wake with the slot reserved for it, if one waits.
    @inlinable mutating func takeHandedOff() -> Token? {
        handedOff -= 1
        return grantSlot()
    }

    @inlinable mutating func giveBack(_ item: Element) -> GiveBackAction {
        handedOff -= 1
        if let getter = getters.popFirst() {
            handedOff += 1
            return .handOff(getter, item)
        }
        if shutdownState == .immediate {
            unfinishedTasks = max(0, unfinishedTasks - 1)
            return .dropped(wakeJoiners: unfinishedTasks == 0 ? takeJoiners() : [])
        }
        items.putBack(item)
        return .stored
    }

    // MARK: Task accounting

    /// `taskDone()`: one item taken by a get was processed. Returns the
    /// joiners to wake when that was the last unfinished item.
    ///
    /// - Throws: ``SynchronizationError/taskDoneTooOften`` if no item is unfinished.
    @inlinable mutating func taskDone() throws(SynchronizationError) -> [Token] {
        guard unfinishedTasks > 0 else { throw .taskDoneTooOften }
        unfinishedTasks -= 1
        return unfinishedTasks == 0 ? takeJoiners() : []
    }

    @usableFromInline enum JoinAction: Equatable { case returnNow, suspend }

    /// `join()`: returns at once when every item put is done, else the caller
    /// suspends and calls ``enqueueJoiner(_:)``.
    @inlinable func join() -> JoinAction { unfinishedTasks == 0 ? .returnNow : .suspend }

    @inlinable mutating func enqueueJoiner(_ token: Token) { joiners.append(token) }

    @inlinable mutating func cancelJoiner(_ token: Token) {
        if let i = joiners.firstIndex(of: token) { joiners.remove(at: i) }
    }

    @inlinable mutating func takeJoiners() -> [Token] {
        let woken = Array(joiners)
        joiners.removeAll()
        return woken
    }

    // MARK: Shutdown

    @usableFromInline struct ShutdownAction: Equatable {
        /// Fail these with ``SynchronizationError/queueShutDown``.
        @usableFromInline var failGetters: [Getter]
        /// Fail these with ``SynchronizationError/queueShutDown``.
        @usableFromInline var failPutters: [Token]
        /// Wake these: nothing is unfinished any more.
        @usableFromInline var wakeJoiners: [Token]

        @inlinable init(failGetters: [Getter] = [], failPutters: [Token] = [], wakeJoiners: [Token] = []) {
            self.failGetters = failGetters
            self.failPutters = failPutters
            self.wakeJoiners = wakeJoiners
        }
    }

    /// `shutdown(immediate:)` (CPython 3.13): puts fail from now on; gets drain
    /// the items left, then fail. `immediate` drops the items left and counts
    /// each one done, which may release joiners.
    @inlinable mutating func shutdown(immediate: Bool) -> ShutdownAction {
        var action = ShutdownAction()
        if immediate {
            shutdownState = .immediate
            unfinishedTasks = max(0, unfinishedTasks - items.count)
            items.removeAll()
            if unfinishedTasks == 0 { action.wakeJoiners = takeJoiners() }
        } else if shutdownState == .open {
            shutdownState = .graceful
        }
        // Getters wait only on an empty queue, which is now final.
        action.failGetters = Array(getters)
        getters.removeAll()
        action.failPutters = Array(putters)
        putters.removeAll()
        return action
    }
}

extension QueueStateMachine.PutAction: Equatable where Element: Equatable {}
extension QueueStateMachine.GetAction: Equatable where Element: Equatable {}
extension QueueStateMachine.GiveBackAction: Equatable where Element: Equatable {}

import DequeModule

/// The state of a ``LoopChannel``: its buffer and its parked senders and
/// receivers, as a pure state machine (no locks, no continuations resumed
/// here). Each transition says who must be woken; the channel does that
/// after releasing its lock.
///
/// `Sender`/`Receiver` are the parked parties' tokens (continuations in the
/// channel, plain values in tests); `id`s tell cancellations apart.
struct LoopChannelState<Element, Sender, Receiver> {
    let capacity: Int
    private(set) var buffer = Deque<Element>()
    private(set) var isFinished = false
    private var parkedSenders = Deque<(id: UInt64, element: Element, sender: Sender)>()
    private var parkedReceivers = Deque<(id: UInt64, receiver: Receiver)>()
    /// Waits begun (``makeID()``) and not yet ended (``forget(id:)``).
    private var liveWaits = Set<UInt64>()
    /// Live waits whose cancellation arrived while they were not parked: they must not park.
    private var cancelledEarly = Set<UInt64>()
    private var nextID: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    /// A fresh id for one send or receive that may park; end it with ``forget(id:)``.
    mutating func makeID() -> UInt64 {
        nextID &+= 1
        liveWaits.insert(nextID)
        return nextID
    }

    var parkedSenderCount: Int { parkedSenders.count }
    var parkedReceiverCount: Int { parkedReceivers.count }

    enum SendAction {
        /// Handed straight to a parked receiver: wake it with the element.
        case deliver(to: Receiver, Element)
        /// Buffered: the send is done.
        case buffered
        /// The channel is full: park the sender (call ``park(sender:id:element:)``).
        case mustPark
        /// `finish()` came first: the element was not added.
        case finished
    }

    mutating func send(_ element: Element) -> SendAction {
        if isFinished { return .finished }
        if let first = parkedReceivers.popFirst() { return .deliver(to: first.receiver, element) }
        if buffer.count < capacity {
            buffer.append(element)
            return .buffered
        }
        return .mustPark
    }

    enum ParkSenderAction {
        case parked
        /// Room appeared or the channel finished meanwhile, or the wait was
        /// cancelled before it parked: retry the send, or fail it.
        case retry
        case cancelled
    }

    /// Parks a sender whose ``send(_:)`` said `.mustPark`, unless its
    /// cancellation came first or the state changed since.
    mutating func park(sender: Sender, id: UInt64, element: Element) -> ParkSenderAction {
        if cancelledEarly.remove(id) != nil { return .cancelled }
        if isFinished || !parkedReceivers.isEmpty || buffer.count < capacity { return .retry }
        parkedSenders.append((id, element, sender))
        return .parked
    }

    enum ReceiveAction {
        /// An element, and perhaps a parked sender whose element took the freed place: wake it.
        case element(Element, wake: Sender?)
        /// Finished and drained: end of the channel.
        case end
        case mustPark
    }

    mutating func receive() -> ReceiveAction {
        if let element = buffer.popFirst() {
            if let first = parkedSenders.popFirst() {
                buffer.append(first.element)
                return .element(element, wake: first.sender)
            }
            return .element(element, wake: nil)
        }
        if isFinished { return .end }
        return .mustPark
    }

    enum ParkReceiverAction {
        case parked
        case retry
        case cancelled
    }

    mutating func park(receiver: Receiver, id: UInt64) -> ParkReceiverAction {
        if cancelledEarly.remove(id) != nil { return .cancelled }
        if !buffer.isEmpty || isFinished { return .retry }
        parkedReceivers.append((id, receiver))
        return .parked
    }

    /// A cancelled sender: its element is withdrawn. Returns it to be woken
    /// with `CancellationError`, or nil if it is not parked (not yet, or no longer).
    mutating func cancelSender(id: UInt64) -> Sender? {
        if let index = parkedSenders.firstIndex(where: { $0.id == id }) {
            return parkedSenders.remove(at: index).sender
        }
        if liveWaits.contains(id) { cancelledEarly.insert(id) }
        return nil
    }

    /// A cancelled receiver: it takes nothing.
    mutating func cancelReceiver(id: UInt64) -> Receiver? {
        if let index = parkedReceivers.firstIndex(where: { $0.id == id }) {
            return parkedReceivers.remove(at: index).receiver
        }
        if liveWaits.contains(id) { cancelledEarly.insert(id) }
        return nil
    }

    /// Ends a wait: a cancellation arriving later has nothing to record.
    mutating func forget(id: UInt64) {
        liveWaits.remove(id)
        cancelledEarly.remove(id)
    }

    /// Ends the channel: buffered elements stay receivable. Returns the
    /// receivers to wake with the end (there are only any when the buffer is
    /// empty) and the senders to fail, whose elements are not added.
    mutating func finish() -> (receivers: [Receiver], senders: [Sender]) {
        if isFinished { return ([], []) }
        isFinished = true
        let receivers = parkedReceivers.map(\.receiver)
        let senders = parkedSenders.map(\.sender)
        parkedReceivers.removeAll()
        parkedSenders.removeAll()
        return (receivers, senders)
    }
}

/// A loop-bound value carried through a `@Sendable` closure that uses it only
/// on its own loop: a cancellation handler that posts to the owner's inbox, a
/// callback the owner's loop runs. Internal; user-visible types stay non-Sendable.
struct LoopBound<Value>: @unchecked Sendable {
    // @unchecked Sendable: the closures carrying it run the value's code only
    // on the loop that owns it (through `EventLoop.onLoop`), never concurrently.
    let value: Value

    init(_ value: Value) { self.value = value }
}

"""CPython asyncio's Event, Lock and Queue, with the workloads of
PrimitiveBenchmarks (Benchmarks/Sources/PrimitiveWorkloads): same task shapes,
same sizes, same per-operation metrics.

    python primitives.py [--loop asyncio|uvloop] [--repeat N]

Prints one line per measurement, tab-separated:
    python  <loop>  <name>  <metric>  <median ns over the repetitions>
after one warm-up repetition. With --loop uvloop only the event loop changes:
asyncio.Event, Lock and Queue are the same pure-Python classes (their futures
are C-accelerated in both cases). Run by scripts/bench-primitives.sh.
"""

import argparse
import asyncio
import gc
import statistics
import sys
import time

# The same sizes as PrimitiveWorkloads' `Size`.
PING_PONG_ROUNDS = 50_000
LOCK_TASKS = 8
LOCK_ROUNDS = 5_000
QUEUE_ITEMS = 100_000
YIELDS = 100_000

now = time.perf_counter_ns


async def yield_baseline():
    """`asyncio.sleep(0)` in one task (the loop's `Task.yield()` baseline)."""
    start = now()
    for _ in range(YIELDS):
        await asyncio.sleep(0)
    return now() - start


async def event_ping_pong():
    """A sets e1 and waits for e2; B waits for e1, clears it and sets e2; A clears e2."""
    rounds = PING_PONG_ROUNDS
    e1, e2 = asyncio.Event(), asyncio.Event()

    async def a():
        for _ in range(rounds):
            e1.set()
            await e2.wait()
            e2.clear()

    async def b():
        for _ in range(rounds):
            await e1.wait()
            e1.clear()
            e2.set()

    start = now()
    tb = asyncio.create_task(b())
    ta = asyncio.create_task(a())
    await ta
    await tb
    return now() - start


async def lock_hand_off():
    """LOCK_TASKS tasks each acquire the lock, yield once holding it, release it."""
    rounds = LOCK_ROUNDS
    lock = asyncio.Lock()

    async def worker():
        for _ in range(rounds):
            await lock.acquire()
            await asyncio.sleep(0)
            lock.release()

    start = now()
    tasks = [asyncio.create_task(worker()) for _ in range(LOCK_TASKS)]
    for task in tasks:
        await task
    return now() - start


async def queue_put_get(maxsize, producers, consumers):
    """Consumers start first; QUEUE_ITEMS items split evenly on each side."""
    items = QUEUE_ITEMS
    queue = asyncio.Queue(maxsize=maxsize)

    async def consumer(count):
        for _ in range(count):
            await queue.get()

    async def producer(count):
        for i in range(count):
            await queue.put(i)

    start = now()
    tasks = [asyncio.create_task(consumer(items // consumers)) for _ in range(consumers)]
    tasks += [asyncio.create_task(producer(items // producers)) for _ in range(producers)]
    for task in tasks:
        await task
    elapsed = now() - start
    assert queue.empty()
    return elapsed


def measurements():
    """(name, metric, factory of the coroutine, operations per repetition)."""
    yield "baseline: asyncio.sleep(0)", "ns per yield", yield_baseline, YIELDS
    yield "event: ping-pong", "ns per round trip", event_ping_pong, PING_PONG_ROUNDS
    yield f"lock: {LOCK_TASKS} tasks", "ns per hand-off", lock_hand_off, LOCK_TASKS * LOCK_ROUNDS
    for shape, producers, consumers in (("1/1", 1, 1), ("8/8", 8, 8)):
        for label, maxsize in (("unbounded", 0), ("maxSize 64", 64), ("maxSize 1", 1)):
            yield (f"queue: {shape}, {label}", "ns per item",
                   lambda m=maxsize, p=producers, c=consumers: queue_put_get(m, p, c), QUEUE_ITEMS)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    if args.loop == "uvloop":
        import uvloop
        factory = uvloop.new_event_loop
    else:
        factory = asyncio.new_event_loop

    with asyncio.Runner(loop_factory=factory) as runner:
        for name, metric, workload, operations in measurements():
            samples = []
            for repetition in range(args.repeat + 1):
                gc.collect()
                elapsed = runner.run(workload())
                if repetition > 0:  # the first one is a warm-up
                    samples.append(elapsed / operations)
            print(f"python\t{args.loop}\t{name}\t{metric}\t{statistics.median(samples):.0f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Synchronisation primitives: Event, Lock and Queue on the loop, beside the
# same workloads on Swift's default executor (actor twins, AsyncChannel from
# swift-async-algorithms) and in CPython asyncio, with its own loop and uvloop.
#
# Each of RUNS rounds runs, one after the other:
#   - PrimitiveBenchmarks (Benchmarks/, ordo-one/benchmark, release build),
#   - PrimitivesFullPool 5 (the default-executor side with the whole pool),
#   - Benchmarks/python/primitives.py with asyncio's loop, then with uvloop,
# and the script prints markdown tables: the median over the rounds of each
# measurement (p50 of a harness run, median of 5 repetitions otherwise), the
# ratios and the targets. Raw output of every round stays in $OUT.
#
#   scripts/bench-primitives.sh            # 3 rounds (about 2 minutes each on 2 cores, plus the first build)
#   RUNS=1 scripts/bench-primitives.sh     # a quick look
#
# Before each round it waits while a network benchmark (scripts/bench-net.sh,
# its loadgen) runs, and it logs the load average before and after each round.
# The Python side needs Benchmarks/.venv with uvloop; it is created when missing.
# Results and how to read them: docs/benchmarks.md.
set -euo pipefail

RUNS="${RUNS:-3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/Benchmarks/.build/bench-primitives}"
SWIFT="${SWIFT:-swift}"
VENV="$ROOT/Benchmarks/.venv"

log() { echo "== $*" >&2; }

# The brackets keep pgrep from matching a shell whose own command line names
# the pattern (for example the one that started this script).
wait_for_quiet_machine() {
    while pgrep -f '[l]oadgen|[b]ench-net' > /dev/null; do
        log "a network benchmark is running; waiting 60 s ($(uptime))"
        sleep 60
    done
}

mkdir -p "$OUT"
rm -f "$OUT"/run-*.md "$OUT"/run-*.log "$OUT"/fullpool-*.tsv "$OUT"/py-*.tsv "$OUT"/load.txt

if ! "$VENV/bin/python" -c 'import uvloop' 2> /dev/null; then
    log "creating $VENV (uvloop)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q uvloop
fi
PY="$VENV/bin/python"

cd "$ROOT/Benchmarks"
log "building PrimitivesFullPool"
"$SWIFT" build -c release --product PrimitivesFullPool > "$OUT/fullpool-build.log" 2>&1 || {
    cat "$OUT/fullpool-build.log" >&2
    exit 1
}

for i in $(seq 1 "$RUNS"); do
    wait_for_quiet_machine
    echo "round $i before: $(uptime)" >> "$OUT/load.txt"
    log "round $i of $RUNS: PrimitiveBenchmarks"
    "$SWIFT" package --allow-writing-to-package-directory benchmark --target PrimitiveBenchmarks \
        --format markdown --no-progress > "$OUT/run-$i.md" 2> "$OUT/run-$i.log" || {
        cat "$OUT/run-$i.log" >&2
        exit 1
    }
    log "round $i of $RUNS: PrimitivesFullPool"
    .build/release/PrimitivesFullPool 5 > "$OUT/fullpool-$i.tsv"
    log "round $i of $RUNS: CPython asyncio"
    "$PY" "$ROOT/Benchmarks/python/primitives.py" --loop asyncio > "$OUT/py-asyncio-$i.tsv"
    log "round $i of $RUNS: uvloop"
    "$PY" "$ROOT/Benchmarks/python/primitives.py" --loop uvloop > "$OUT/py-uvloop-$i.tsv"
    echo "round $i after: $(uptime)" >> "$OUT/load.txt"
done

{
    echo "python=$("$PY" -c 'import platform; print(platform.python_version())')"
    echo "uvloop=$("$PY" -c 'import uvloop; print(uvloop.__version__)')"
    echo "async-algorithms=$(python3 -c 'import json, sys; print(next(p["state"]["version"] for p in json.load(open(sys.argv[1]))["pins"] if p["identity"] == "swift-async-algorithms"))' Package.resolved)"
} > "$OUT/versions.txt"

python3 - "$OUT" "$RUNS" <<'PY'
import glob, os, re, statistics, sys

out, runs = sys.argv[1], int(sys.argv[2])

# name -> list of one value per round, per source.
harness, fullpool, asyncio_, uvloop_ = {}, {}, {}, {}
for path in sorted(glob.glob(os.path.join(out, "run-*.md"))):
    name = None
    for line in open(path):
        if line.startswith("### "):
            name = line[4:].strip()
        elif name and re.match(r"^\| ns per", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            # Metric | p0 | p25 | p50 | p75 | p90 | p99 | p100 | Samples
            harness.setdefault(name, []).append(float(cells[3]))
            name = None
for path in sorted(glob.glob(os.path.join(out, "fullpool-*.tsv"))):
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4 and parts[0] == "full-pool":
            fullpool.setdefault(parts[1], []).append(float(parts[3]))
for table, loop in ((asyncio_, "asyncio"), (uvloop_, "uvloop")):
    for path in sorted(glob.glob(os.path.join(out, f"py-{loop}-*.tsv"))):
        for line in open(path):
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5 and parts[0] == "python":
                table.setdefault(parts[2], []).append(float(parts[4]))

def med(table, name):
    values = table.get(name, [])
    return statistics.median(values) if values else None

def ns(value):
    return "—" if value is None else f"{value:,.0f} ns"

def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}"

print(f"Medians over {runs} round(s): p50 of each harness run (ordo-one/benchmark, release), "
      "median of 5 repetitions for the full-pool runner and Python.\n")

# Event, Lock and the baselines ---------------------------------------------
print("| Measurement | ours (loop) | default actor twin (harness) | ours / twin | twin, full pool | CPython asyncio | uvloop | asyncio / ours | uvloop / ours |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
rows = [
    ("Event ping-pong, ns per round trip", "event: loop, ping-pong", "event: default actor, ping-pong", "event: ping-pong"),
    ("Lock hand-off, 8 tasks, ns per hand-off", "lock: loop, 8 tasks", "lock: default actor, 8 tasks", "lock: 8 tasks"),
    ("Task switch (baseline), ns per switch", "baseline: loop, task switch @Loop", "baseline: default, task switch default actor", None),
    ("`Task.yield()` / `asyncio.sleep(0)`, 1 task (baseline), ns per yield", "baseline: loop, Task.yield", "baseline: default, Task.yield", "baseline: asyncio.sleep(0)"),
]
for label, ours_name, twin_name, py_name in rows:
    ours, twin = med(harness, ours_name), med(harness, twin_name)
    cp = med(asyncio_, py_name) if py_name else None
    uv = med(uvloop_, py_name) if py_name else None
    print(f"| {label} | {ns(ours)} | {ns(twin)} | {ratio(ours, twin)} | {ns(med(fullpool, twin_name))} "
          f"| {ns(cp)} | {ns(uv)} | {ratio(cp, ours)} | {ratio(uv, ours)} |")

# Queue ------------------------------------------------------------------------
print("\nQueue, ns per item (one put and one get):\n")
print("| Shape, capacity | ours (loop) | actor twin (harness) | ours / twin | twin, full pool | AsyncChannel (harness) | AsyncChannel, full pool | AsyncChannel in loop tasks | CPython asyncio | uvloop | uvloop / ours |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for shape in ("1/1", "8/8"):
    for size in ("unbounded", "maxSize 64", "maxSize 1"):
        ours = med(harness, f"queue: loop, {shape}, {size}")
        twin_name = f"queue: default actor, {shape}, {size}"
        twin = med(harness, twin_name)
        uv = med(uvloop_, f"queue: {shape}, {size}")
        ours_text = ns(ours)
        print(f"| {shape}, {size} | {ours_text} | {ns(twin)} | {ratio(ours, twin)} | {ns(med(fullpool, twin_name))} "
              f"| {ns(med(harness, f'queue: AsyncChannel default, {shape}'))} "
              f"| {ns(med(fullpool, f'queue: AsyncChannel default, {shape}'))} "
              f"| {ns(med(harness, f'queue: AsyncChannel loop, {shape}'))} "
              f"| {ns(med(asyncio_, f'queue: {shape}, {size}'))} | {ns(uv)} | {ratio(uv, ours)} |")


# Targets ------------------------------------------------------------------------
print("\n| Target | Result | met |")
print("|---|---|---|")
channel = [v for v in (med(harness, "queue: AsyncChannel default, 1/1"), med(fullpool, "queue: AsyncChannel default, 1/1"),
                       med(harness, "queue: AsyncChannel loop, 1/1")) if v is not None]
fastest_channel = min(channel) if channel else None
for size in ("unbounded", "maxSize 64", "maxSize 1"):
    ours = med(harness, f"queue: loop, 1/1, {size}")
    uv = med(uvloop_, f"queue: 1/1, {size}")
    ok = ours is not None and uv is not None and uv / ours >= 5
    print(f"| Queue 1/1 {size}: ≥ 5× faster than uvloop's asyncio.Queue | {ns(ours)} vs {ns(uv)}: {ratio(uv, ours)}× | {'yes' if ok else '**no**'} |")
    ok = ours is not None and fastest_channel is not None and ours <= fastest_channel
    print(f"| Queue 1/1 {size}: at least as fast as AsyncChannel (its fastest figure) | {ns(ours)} vs {ns(fastest_channel)} | {'yes' if ok else '**no**'} |")
ev, sw = med(harness, "event: loop, ping-pong"), med(harness, "baseline: loop, task switch @Loop")
ok = ev is not None and sw is not None and ev <= 2 * sw
print(f"| Event ping-pong round trip ≤ 2× the task switch (@Loop, same run) | {ns(ev)} vs 2 × {ns(sw)} = {ns(2 * sw if sw else None)} ({ratio(ev, sw)} switches) | {'yes' if ok else '**no**'} |")

# Every measurement ---------------------------------------------------------------
print("\nEvery measurement, value of each round:\n")
print("| Source | Measurement | per round | median |")
print("|---|---|---|---:|")
for source, table in (("harness", harness), ("full pool", fullpool), ("CPython asyncio", asyncio_), ("uvloop", uvloop_)):
    for name in sorted(table):
        values = table[name]
        print(f"| {source} | {name} | {', '.join(f'{v:.0f}' for v in values)} | {statistics.median(values):.0f} |")

print("\nLoad average around each round:\n")
for line in open(os.path.join(out, "load.txt")):
    print(f"    {line.rstrip()}")
print("\nVersions: " + ", ".join(line.strip() for line in open(os.path.join(out, "versions.txt"))))
PY

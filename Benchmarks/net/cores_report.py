"""Turns the raw results of scripts/bench-cores.sh into docs.

    cores_report.py RESULTS.jsonl docs/benchmarks.md --command C --commit C --machine M

Takes the median over rounds of every cell (server, loops, work), evaluates
issue 15's targets on the server-bound workload (2 loops >= 1.8x one loop and
>= SwiftNIO MTELG with 2 threads; CPU per request with 2 loops <= 1.05x one
loop's), and replaces the text between the bench-cores markers of the "Many
loops" section of benchmarks.md (adding the section if it is missing).
"""
import argparse
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import fmt_f, fmt_int, load_jsonl, med, write_section  # noqa: E402

BEGIN = "<!-- bench-cores:begin (written by scripts/bench-cores.sh; edits here are lost) -->"
END = "<!-- bench-cores:end -->"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("doc")
    parser.add_argument("--command", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--machine", required=True)
    args = parser.parse_args()

    rows = load_jsonl(args.results)
    cells = {}
    for row in rows:
        cells.setdefault((row["server"], row["loops"], row["work"]), []).append(row)

    def metric(server, loops, work, name):
        values = [r[name] for r in cells.get((server, loops, work), []) if r.get(name, -1) >= 0]
        return med(values) if values else None

    loops_seen = sorted({k[1] for k in cells})
    works = sorted({k[2] for k in cells}, reverse=True)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [BEGIN, "", f"Run {now} on {args.machine}, commit {args.commit}: `{args.command}`.", ""]
    for work in works:
        title = f"Server-bound echo (each 4 KiB message hashed {work} times)" if work else "Plain echo (no work), as measured"
        md += [f"**{title}**", "",
               "| loops / threads | ours req/s (reuse-port) | ours µs CPU/req | ours req/s (hand-off) | hand-off µs CPU/req | SwiftNIO MTELG req/s | NIO µs CPU/req | ours ÷ NIO | loadgen CPU % (ours) |",
               "|---|---|---|---|---|---|---|---|---|"]
        for loops in loops_seen:
            ours = metric("ours", loops, work, "rps")
            nio = metric("nio", loops, work, "rps")
            if ours is None and nio is None:
                continue
            ratio = ours / nio if ours and nio else None
            md.append(f"| {loops} | {fmt_int(ours)} | {fmt_f(metric('ours', loops, work, 'server_cpu_us_per_req'))} | "
                      f"{fmt_int(metric('ours-handoff', loops, work, 'rps'))} | "
                      f"{fmt_f(metric('ours-handoff', loops, work, 'server_cpu_us_per_req'))} | "
                      f"{fmt_int(nio)} | {fmt_f(metric('nio', loops, work, 'server_cpu_us_per_req'))} | "
                      f"{fmt_f(ratio)}× | {fmt_f(metric('ours', loops, work, 'client_cpu_pct'), 0)} |")
        md.append("")

    failures = []
    work = max(works) if works else 0
    one, two = metric("ours", 1, work, "rps"), metric("ours", 2, work, "rps")
    nio_two = metric("nio", 2, work, "rps")
    cpu_one, cpu_two = metric("ours", 1, work, "server_cpu_us_per_req"), metric("ours", 2, work, "server_cpu_us_per_req")
    if work and one and two:
        md += ["**Targets** (server-bound workload):", ""]
        md.append(f"- 2 loops ÷ 1 loop: {two / one:.2f}× (target ≥ 1.8×) — {'met' if two / one >= 1.8 else 'not met'}")
        if nio_two:
            md.append(f"- 2 loops ÷ SwiftNIO MTELG 2 threads: {two / nio_two:.2f}× (target ≥ 1×) — {'met' if two >= nio_two else 'not met'}")
        if cpu_one and cpu_two:
            md.append(f"- CPU per request, 2 loops ÷ 1 loop: {cpu_two / cpu_one:.2f}× (target ≤ 1.05×) — "
                      f"{'met' if cpu_two / cpu_one <= 1.05 else 'not met'}")
        md.append("")
    for key, group in sorted(cells.items()):
        runs = len(group)
        if any(r.get("errors", 0) or r.get("mismatches", 0) for r in group):
            failures.append(f"{key}: errors or mismatches in {runs} runs")
    write_section(args.doc, "## Many loops (bench-cores)", BEGIN, END, md, failures)


if __name__ == "__main__":
    main()

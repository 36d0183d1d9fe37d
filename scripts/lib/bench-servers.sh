# Shared by scripts/bench-net.sh and scripts/bench-http.sh (sourced, not run):
# starting a server pinned to $SERVER_CPU and waiting for "listening on",
# stopping it, and reading CPU time off /proc. Expects OUT, HOST, SERVER_CPU
# and OTHER_MAX to be set.

SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2> /dev/null; then
        kill -TERM "$SERVER_PID" 2> /dev/null || true
        sleep 1
        kill -KILL "$SERVER_PID" 2> /dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server LOGNAME ENV PORT COMMAND...: starts it pinned, waits for "listening on".
start_server() {
    local name="$1" envs="$2" port="$3"
    shift 3
    local logf="$OUT/server-$name.log"
    : > "$logf"
    local -a envargs=()
    [ "$envs" != "-" ] && envargs=($envs)
    # `env` and `taskset` exec the server, so $! is the server's own pid.
    env "${envargs[@]}" taskset -c "$SERVER_CPU" "$@" --host "$HOST" --port "$port" >> "$logf" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        if grep -q "listening on" "$logf" 2> /dev/null; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2> /dev/null || break
        sleep 0.1
    done
    echo "server $name did not start; its log:" >&2
    cat "$logf" >&2
    stop_server
    return 1
}

# The readiness backend a server really uses, read off its file descriptors.
backend_of() {
    local links
    links="$(ls -l "/proc/$1/fd" 2> /dev/null || true)"
    case "$links" in
        *io_uring*) echo io_uring ;;
        *eventpoll*) echo epoll ;;
        *) echo unknown ;;
    esac
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2> /dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$SERVER_PID" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2> /dev/null || true
    wait "$SERVER_PID" 2> /dev/null || true
    SERVER_PID=""
}

cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# busy and total jiffies of CPU $1 (/proc/stat; busy: user nice system irq softirq)
cpu_jiffies() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

json_field() { sed -n "s/.*\"$2\":\(-\{0,1\}[0-9.]*\).*/\1/p" <<< "$1"; }

# disturbed A B: true if either percentage is over $OTHER_MAX.
disturbed() { awk -v a="$1" -v b="$2" -v m="$OTHER_MAX" 'BEGIN { exit !(a > m || b > m) }'; }


# Shared by scripts/bench-net.sh and scripts/bench-http.sh (sourced, not run):
# installing what is missing, building our servers and the Swift peers,
# starting a server pinned to $SERVER_CPU and waiting for "listening on",
# stopping it, and reading CPU time off /proc. Expects ROOT, NET, OUT,
# SCRATCH, SWIFT, HOST, SERVER_CPU and OTHER_MAX to be set, and `log`.

# describe_command SCRIPT SETTING=DEFAULT...: sets COMMAND_LINE to the command
# as run, prefixed with every setting whose value differs from its default.
describe_command() {
    COMMAND_LINE="$1"
    shift
    local setting name
    for setting in "$@"; do
        name="${setting%%=*}"
        [ "${!name}" = "${setting#*=}" ] || COMMAND_LINE="$name='${!name}' $COMMAND_LINE"
    done
}

# install_packages PACKAGE...: apt-get installs them (none: nothing to do).
install_packages() {
    [ "$#" -gt 0 ] || return 0
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" > /dev/null 2>&1 || {
        apt-get update > /dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" > /dev/null
    }
}

# build_ours PRODUCT...: release builds in $SCRATCH; sets OURS_BIN and COMMIT
# (the tree the servers are built from, recorded now: HEAD may move during the run).
build_ours() {
    COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)"
    [ -n "$(git -C "$ROOT" status --porcelain -- Sources Package.swift 2> /dev/null)" ] &&
        COMMIT="$COMMIT, with uncommitted changes in Sources/ or Package.swift at build time ($(date -u '+%H:%M UTC'))"
    log "building $* (release, $SCRATCH)"
    local product
    for product in "$@"; do
        ( cd "$ROOT" && "$SWIFT" build -c release --scratch-path "$SCRATCH" --product "$product" ) >> "$OUT/build-ours.log" 2>&1 || {
            tail -40 "$OUT/build-ours.log" >&2
            exit 1
        }
    done
    OURS_BIN="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path --package-path "$ROOT")"
}

# build_peers: the Swift peers (Benchmarks/net/peers, release); sets PEERS_BIN.
build_peers() {
    log "building the Swift peers (Benchmarks/net/peers, release)"
    "$SWIFT" build -c release --package-path "$NET/peers" > "$OUT/build-peers.log" 2>&1 || {
        tail -40 "$OUT/build-peers.log" >&2
        exit 1
    }
    PEERS_BIN="$("$SWIFT" build -c release --package-path "$NET/peers" --show-bin-path)"
}

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


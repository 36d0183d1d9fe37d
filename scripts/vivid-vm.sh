#!/usr/bin/env bash
# vivid-vm.sh: run one command in a short-lived QEMU guest whose kernel has
# vivid, Linux's virtual V4L2 camera driver, loaded, so that the guest has a
# real /dev/video0 (and more nodes, depending on the vivid options).
#
#   scripts/vivid-vm.sh [options] [--] CMD [ARGS...]
#
# The guest sees the host's root file system read-only (virtio-9p) and runs CMD
# chrooted into it, so binaries built on the host (a Swift test bundle with its
# runtime libraries, v4l2-ctl, ...) run there unchanged. The work directory
# (default: the current one) is shared read-write at its own path and is CMD's
# working directory; /tmp, /run and /dev/shm are the guest's own, empty tmpfs.
# CMD's stdout and stderr come back on this script's stdout and stderr (they
# travel over emulated serial ports, about 250 KB/s: write bulky output to
# files in the work directory), and its exit status is this script's.
#
# Options:
#   --vivid OPTS    vivid module options (default: "n_devs=2 multiplanar=1,2",
#                   a single-planar and a multi-planar instance)
#   --workdir DIR   directory shared read-write; CMD runs there (default: .)
#   --timeout SEC   stop the VM after SEC seconds (default: 900)
#   --mem MB        guest memory (default: 1024)
#   --cpus N        guest CPUs (default: 2)
#   --console       print the guest console log after the run
#   --setup         only prepare the cache (below), then exit 0
#
# Environment: VIVID_VM_CACHE (below), VIVID_VM_QEMU (the QEMU binary, default
# qemu-system-x86_64), VIVID_VM_KERNEL_PKG (the Debian kernel package to use).
#
# Exit status: CMD's own, or
#   124  CMD started but did not finish: the timeout hit or the guest crashed
#   125  the VM did not get as far as starting CMD (boot or guest setup failed)
#   126  the VM cannot run on this machine (no QEMU and it can't be installed,
#        no kernel package to download, not a Debian-like system)
#   The guest console is printed for 124 and 125.
#
# One-time setup, cached in $VIVID_VM_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/swift-asyncio/vivid-vm, about 40 MB):
#   * apt-get install (only what is missing): qemu-system-x86, busybox-static,
#     kmod, v4l-utils;
#   * apt-get download of the kernel that linux-image-amd64 depends on (about
#     70 MB; override with VIVID_VM_KERNEL_PKG), unpacked with dpkg-deb -x into
#     a scratch folder and never installed. The cache keeps the uncompressed
#     kernel image and the modules vivid and 9p need (found with depmod and
#     modprobe --show-depends on the unpacked tree);
#   * a gzip'd initramfs: static busybox, those modules, and the /init below.
# Delete the cache folder to start over (for instance, for a newer kernel).
#
# Accelerator: TCG (software emulation) only. The sandboxes this was written in
# expose a PVM-backed /dev/kvm that cannot run a stock Debian kernel. Booting
# to the command takes about 4 s on two host cores.
set -euo pipefail

PATH=$PATH:/usr/sbin:/sbin
me=vivid-vm
say() { echo "[$me] $*" >&2; }
cannot_run() { say "cannot run the VM here: $*"; exit 126; }

vivid_opts="n_devs=2 multiplanar=1,2"
workdir=$PWD
limit=900
mem=1024
cpus=2
show_console=0
setup_only=0
while [ $# -gt 0 ]; do
    case $1 in
        --vivid) vivid_opts=$2; shift 2 ;;
        --workdir) workdir=$2; shift 2 ;;
        --timeout) limit=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --console) show_console=1; shift ;;
        --setup) setup_only=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; break ;;
        -*) say "unknown option $1 (see --help)"; exit 2 ;;
        *) break ;;
    esac
done
if [ "$setup_only" = 0 ] && [ $# -eq 0 ]; then
    say "no command given (see --help)"
    exit 2
fi
workdir=$(cd "$workdir" && pwd -P)

cache=${VIVID_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/swift-asyncio/vivid-vm}
mkdir -p "$cache"
qemu_bin=${VIVID_VM_QEMU:-qemu-system-x86_64}

# ---------------------------------------------------------------------------
# Setup: host packages

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
    else return 1
    fi
}

static_busybox() {
    [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1
}

install_packages() {
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
        cannot_run "apt-get and dpkg-deb are needed (a Debian-like host)"
    local want=()
    command -v "$qemu_bin" >/dev/null || want+=(qemu-system-x86)
    static_busybox || want+=(busybox-static)
    { command -v depmod && command -v modprobe; } >/dev/null || want+=(kmod)
    command -v v4l2-ctl >/dev/null || want+=(v4l-utils)
    [ ${#want[@]} -eq 0 ] && return 0
    say "installing ${want[*]}"
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}")
    if ! as_root "${apt[@]}" >&2; then
        as_root apt-get update -qq >&2 && as_root "${apt[@]}" >&2 ||
            cannot_run "could not install ${want[*]} (needs root or password-less sudo, and apt access)"
    fi
    command -v "$qemu_bin" >/dev/null && static_busybox ||
        cannot_run "$qemu_bin or a static /bin/busybox still missing after apt-get"
}

# ---------------------------------------------------------------------------
# Setup: kernel image and the modules the guest loads

guest_modules=(vivid virtio_pci 9pnet_virtio 9p)

# The versioned package that the linux-image-amd64 metapackage points at.
kernel_package() {
    local pkg
    resolve() {
        apt-cache depends linux-image-amd64 2>/dev/null |
            sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
    }
    pkg=$(resolve)
    if [ -z "$pkg" ]; then
        as_root apt-get update -qq >&2 || true
        pkg=$(resolve)
    fi
    echo "$pkg"
}

# Writes the uncompressed ELF kernel inside bzImage $1 to $2. QEMU can start
# that directly (the PVH entry point; Debian builds with CONFIG_PVH=y), which
# saves the 4-5 s that decompressing the bzImage takes under TCG.
unpack_bzimage() {
    local at
    at=$(LC_ALL=C grep -obaUP '\xfd7zXZ\x00' "$1" | head -n1 | cut -d: -f1) || true
    [ -n "$at" ] || return 1
    tail -c "+$((at + 1))" "$1" | xz -dcq --single-stream > "$2.part" 2>/dev/null || true
    if [ "$(head -c4 "$2.part" | od -An -c | tr -d ' ')" = '177ELF' ]; then
        mv "$2.part" "$2"
    else
        rm -f "$2.part"
        return 1
    fi
}

prepare_kernel() {
    [ -s "$cache/kernel.conf" ] && return 0
    local pkg scratch kv tree rel
    pkg=${VIVID_VM_KERNEL_PKG:-$(kernel_package)}
    [ -n "$pkg" ] || cannot_run "apt knows no linux-image-amd64 (no Debian kernel package to download)"
    scratch=$(mktemp -d "$cache/unpack.XXXXXX")
    say "downloading $pkg (about 70 MB, once)"
    local sandbox=()  # as root, apt fetches as _apt, who cannot enter a private cache
    [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
    (cd "$scratch" && apt-get download -q "${sandbox[@]}" "$pkg" >&2) ||
        { rm -rf "$scratch"; cannot_run "apt-get download $pkg failed"; }
    dpkg-deb -x "$scratch"/*.deb "$scratch/root"
    kv=$(ls "$scratch/root/lib/modules")
    depmod -b "$scratch/root" "$kv"
    tree=$cache/modules/lib/modules/$kv
    rm -rf "$cache/modules"
    mkdir -p "$tree"
    for m in "${guest_modules[@]}"; do
        modprobe -d "$scratch/root" -S "$kv" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
    done | sort -u | while read -r path; do
        rel=${path#"$scratch/root/lib/modules/$kv/"}
        install -D -m 644 "$path" "$tree/$rel"
    done
    cp "$scratch/root/lib/modules/$kv"/modules.{order,builtin,builtin.modinfo} "$tree/"
    depmod -b "$cache/modules" "$kv"
    if unpack_bzimage "$scratch/root/boot/vmlinuz-$kv" "$cache/vmlinux-$kv"; then
        kernel=$cache/vmlinux-$kv
    else
        say "could not unpack the bzImage; booting it compressed (slower)"
        kernel=$cache/vmlinuz-$kv
        cp "$scratch/root/boot/vmlinuz-$kv" "$kernel"
    fi
    rm -rf "$scratch"
    printf 'kv=%q\nkernel=%q\npkg=%q\n' "$kv" "$kernel" "$pkg" > "$cache/kernel.conf"
}

# ---------------------------------------------------------------------------
# Setup: initramfs. /init brings up 9p and vivid, mounts the shared trees and
# runs the command. The host side reads four serial ports:
#   ttyS0 console (this log), ttyS1 stdout, ttyS2 stderr,
#   ttyS3 status lines: "booted", "started <uptime>", "exit <code>" or "failed <why>".

write_init() {
    cat > "$1" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for n in 1 2 3; do stty -F /dev/ttyS$n raw -echo; done
status() { echo "$*" > /dev/ttyS3; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
stop() { sync; poweroff -f; }
fail() { echo "vivid-vm guest: $*"; echo "vivid-vm guest: $*" > /dev/ttyS2; status "failed $*"; stop; }
status booted

modprobe -a virtio_pci 9pnet_virtio 9p || fail "9p modules did not load"
p9=trans=virtio,version=9p2000.L,msize=524288
mkdir -p /ctl /host
mount -t 9p -o "$p9,ro" ctl /ctl || fail "cannot mount the control share"
. /ctl/vm.conf
# shellcheck disable=SC2086  # the options are words on purpose
modprobe vivid $VIVID_OPTS || fail "modprobe vivid $VIVID_OPTS failed"
n=0
while [ ! -e /dev/video0 ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
[ -e /dev/video0 ] || fail "vivid loaded but /dev/video0 did not appear"
echo "vivid-vm guest: vivid up at $(uptime_s) s:" /dev/video*

mount -t 9p -o "$p9,ro,cache=loose" hostroot /host || fail "cannot mount the host root"
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmpfs /host/dev/shm
mount -t tmpfs tmpfs /host/tmp
mount -t tmpfs tmpfs /host/run
mkdir -p "/host$WORKDIR" 2>/dev/null  # only needed (and possible) under the fresh /tmp
mount -t 9p -o "$p9,cache=mmap" work "/host$WORKDIR" || fail "cannot mount the work directory at $WORKDIR"
cp /ctl/cmd /host/run/vivid-vm-cmd

# Through FIFOs rather than straight to the ports: the command sees pipes, as
# in a CI log, not a terminal.
mkfifo /out /err
cat /out > /dev/ttyS1 &
cat /err > /dev/ttyS2 &
status "started $(uptime_s)"
# A clean environment (the kernel hands init TERM=linux, which would turn on
# colours); the command file sets PATH, HOME and LANG.
env -i chroot /host /bin/sh -c 'cd "$1" && . /run/vivid-vm-cmd' vivid-vm "$WORKDIR" < /dev/null > /out 2> /err
rc=$?
wait
echo "vivid-vm guest: command exited $rc at $(uptime_s) s"
status "exit $rc"
stop
INIT
    chmod 755 "$1"
}

prepare_initramfs() {
    initrd=$cache/initramfs-$kv.cpio.gz
    [ -s "$initrd" ] && [ "$initrd" -nt "$0" ] && [ "$initrd" -nt "$cache/kernel.conf" ] && return 0
    local root
    root=$(mktemp -d "$cache/initramfs.XXXXXX")
    mkdir -p "$root"/{bin,dev,proc,sys,lib}
    cp /bin/busybox "$root/bin/busybox"
    cp -a "$cache/modules/lib/modules" "$root/lib/"
    write_init "$root/init"
    (cd "$root" && find . | LC_ALL=C sort | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 > "$initrd.part"
    mv "$initrd.part" "$initrd"
    rm -rf "$root"
}

setup() {
    rm -rf "$cache"/unpack.* "$cache"/initramfs.*  # left by an interrupted setup
    install_packages
    prepare_kernel
    # shellcheck source=/dev/null
    . "$cache/kernel.conf"
    prepare_initramfs
}

if command -v flock >/dev/null; then
    exec 9> "$cache/.lock"
    flock 9
fi
t_setup=$(date +%s.%N)
setup
if command -v flock >/dev/null; then flock -u 9; fi
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
if [ "$setup_only" = 1 ]; then
    say "ready in $(elapsed "$t_setup") s: kernel $kv ($pkg), cache $(du -sh "$cache" | cut -f1) in $cache"
    exit 0
fi

# ---------------------------------------------------------------------------
# One run

run=$(mktemp -d "${TMPDIR:-/tmp}/vivid-vm.XXXXXX")
qemu_pid=
cleanup() {
    [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
mkdir "$run/ctl"
{
    echo "VIVID_OPTS=$(quote "$vivid_opts")"
    echo "WORKDIR=$(quote "$workdir")"
} > "$run/ctl/vm.conf"
{
    echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8"
    printf 'exec'
    for arg in "$@"; do printf ' %s' "$(quote "$arg")"; done
    echo
} > "$run/ctl/cmd"
for port in console out err status; do : > "$run/$port"; done

# Three 9p shares: ctl (the command, read-only), hostroot (/, read-only) and
# work (read-write). QEMU option values escape a comma by doubling it.
qemu=("$qemu_bin"
      -machine pc -accel tcg,thread=multi -cpu max -smp "$cpus" -m "$mem"
      -nodefaults -no-user-config -display none -no-reboot
      -kernel "$kernel" -initrd "$initrd"
      -append "console=ttyS0 quiet panic=-1 rdinit=/init mitigations=off"
      -serial "file:$run/console" -serial "file:$run/out" -serial "file:$run/err" -serial "file:$run/status"
      -fsdev "local,id=ctl,path=${run//,/,,}/ctl,security_model=none,readonly=on"
      -device virtio-9p-pci,fsdev=ctl,mount_tag=ctl
      -fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
      -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
      -fsdev "local,id=work,path=${workdir//,/,,},security_model=none,multidevs=remap"
      -device virtio-9p-pci,fsdev=work,mount_tag=work)

t0=$(date +%s.%N)
timeout -k 5 "$limit" "${qemu[@]}" < /dev/null > "$run/qemu.log" 2>&1 &
qemu_pid=$!
# Pass the command's output on as it arrives.
tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$run/out" &
tail_out=$!
tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$run/err" >&2 &
tail_err=$!
set +e
wait "$qemu_pid"
qemu_rc=$?
set -e
qemu_pid=
wait "$tail_out" "$tail_err" 2>/dev/null || true

status=$(tr -d '\r' < "$run/status")
started=$(sed -n 's/^started \([0-9.]*\)$/\1/p' <<< "$status")
code=$(sed -n 's/^exit \([0-9]*\)$/\1/p' <<< "$status")
why=$(sed -n 's/^failed //p' <<< "$status")
wall=$(elapsed "$t0")

console() {
    echo "----- guest console (ttyS0) -----" >&2
    tail -n 40 "$run/console" >&2
    if [ -s "$run/qemu.log" ]; then
        echo "----- qemu -----" >&2
        tail -n 20 "$run/qemu.log" >&2
    fi
}
if [ -n "$code" ]; then
    say "VM $wall s (command started ${started:-?} s after boot), exit $code"
    [ "$show_console" = 0 ] || console
    exit "$code"
fi
if [ -n "$started" ]; then
    if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
        say "the command did not finish within $limit s; VM stopped"
    else
        say "the guest stopped before the command finished (qemu exit $qemu_rc)"
    fi
    console
    exit 124
fi
if [ -n "$why" ]; then
    say "the VM booted but its setup failed: $why"
elif grep -q booted <<< "$status"; then
    say "the VM booted but stopped before starting the command (qemu exit $qemu_rc)"
else
    say "the VM did not boot (qemu exit $qemu_rc, $wall s)"
fi
console
exit 125

#!/usr/bin/env bash
# Proves the README's set-up on a fresh Debian 12 machine: builds a minimal
# bookworm root with debootstrap, gives it only what a new machine of this
# workplace has (see docs/internals/setup.md), clones the committed HEAD of
# this repository into it and runs `make demo`, then `make check`, as root
# with CI=true and no standard input, timing both. A green run on a
# developer's machine proves nothing here, because that machine already has
# every package; this run starts from nothing.
#
#   tests/fresh/run-in-chroot.sh [--reuse] [--ci] [--base-only]
#     --reuse      keep the root of an earlier run (faster, but no longer
#                  fresh: the earlier run's installs are still there);
#                  without it the root is deleted and built from scratch
#     --ci         also run .ci/run (make check, then make corpus when the
#                  shared corpus is beside the checkout) after the two commands
#     --base-only  build the root and stop
#   RL_FRESH_ROOT    where the root lives (default /var/tmp/rl-fresh; never
#                    inside the checkout)
#   RL_FRESH_MIRROR  Debian mirror (default: the one in this machine's apt
#                    sources)
#   RL_FRESH_BASE    packages a new machine has, beyond minbase (default
#                    "git make gcc cmake", stricter than the workplace's
#                    machine description on purpose)
#   RL_FRESH_CLONE   where the clone goes inside the root (default /work/main,
#                    as on this workplace's machines and in CI; the folder
#                    beside it, /work/shared, is this checkout's ../shared,
#                    read-only, when --ci is given and it exists)
#
# Needs root, debootstrap and unshare. Logs go to $RL_FRESH_ROOT.logs/. The
# mounts live in a private mount namespace, so they disappear with the run
# whatever way it ends.
set -euo pipefail

rebuild=1 ci=0 base_only=0
for a in "$@"; do
  case $a in
  --reuse) rebuild=0 ;;
  --ci) ci=1 ;;
  --base-only) base_only=1 ;;
  *) echo "usage: $0 [--reuse] [--ci] [--base-only]" >&2; exit 2 ;;
  esac
done

src=$(cd "$(dirname "$0")/../.." && pwd)
root=${RL_FRESH_ROOT:-/var/tmp/rl-fresh}
logs=$root.logs
base=${RL_FRESH_BASE:-git make gcc cmake}
clone=${RL_FRESH_CLONE:-/work/main}
case $clone in /?*/?*) ;; *) echo "run-in-chroot: RL_FRESH_CLONE must be an absolute path two levels deep" >&2; exit 2 ;; esac

[ "$(id -u)" -eq 0 ] || { echo "run-in-chroot: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
case $root/ in "$src"/*) echo "run-in-chroot: $root is inside the checkout $src" >&2; exit 2 ;; esac
command -v debootstrap >/dev/null || {
  echo "run-in-chroot: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

# The whole run happens in a private mount namespace: the chroot's /proc,
# /dev and the read-only view of the repository vanish when it ends, even on
# a crash, and never show in the host's mount table.
if [ -z "${RL_FRESH_IN_NS:-}" ]; then
  RL_FRESH_IN_NS=1 exec unshare --mount --propagation private -- "$0" "$@"
fi

mirror=${RL_FRESH_MIRROR:-}
if [ -z "$mirror" ]; then
  # The first Debian archive this machine's apt uses (deb822 or one-line).
  mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
security=${mirror%/debian*}/debian-security

mkdir -p "$logs"
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$logs/summary.txt"; }

# Ends the processes still running with their root in the chroot (daemons a
# package's install script started, a test's leftover server), by pid.
stop_chroot_processes() {
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    [ "$r" = "$root" ] && kill "${p#/proc/}" 2>/dev/null || true
  done
}
trap stop_chroot_processes EXIT

if [ $rebuild -eq 1 ] && [ -e "$root" ]; then
  log "deleting $root"
  rm -rf --one-file-system "$root"
fi

mount_all() {
  # On a real machine / is a mount point; `ip netns exec` (test_live) needs
  # it to be one, to make it a slave mount before it mounts its own /sys.
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mountpoint -q "$root/dev/pts" || mount -t devpts devpts "$root/dev/pts"
  mount -t tmpfs tmpfs "$root/run"
  mkdir -p "$root/run/lock"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
}

in_root() { # COMMAND...: runs in the chroot with a clean environment.
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

mounted=0
if [ ! -f "$root/.rl-fresh-base" ]; then
  # debootstrap removes its own /debootstrap folder when it has finished.
  if [ ! -f "$root/etc/debian_version" ] || [ -e "$root/debootstrap" ]; then
    rm -rf --one-file-system "$root"
    log "debootstrap --variant=minbase bookworm $root $mirror"
    t0=$(date +%s)
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
      { tail -20 "$logs/debootstrap.log"; exit 1; }
    log "debootstrap: $(($(date +%s) - t0)) s"
  fi
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
  # What every machine of this workplace carries beyond Debian: its apt
  # settings and the certificate authorities its network's HTTPS needs
  # (package ca-certificates, when the set-up installs it, picks them up).
  for f in /etc/apt/apt.conf.d/99artifact-registry; do
    [ -f "$f" ] && cp "$f" "$root/etc/apt/apt.conf.d/"
  done
  if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  fi
  [ -f "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    >"$root/etc/hosts"
  mount_all
  mounted=1
  log "base packages: $base"
  # shellcheck disable=SC2086
  in_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $base" >"$logs/base.log" 2>&1 || { tail -20 "$logs/base.log"; exit 1; }
  in_root apt-get clean
  touch "$root/.rl-fresh-base"
  log "base root ready ($(du -sh --one-file-system "$root" | cut -f1))"
fi
[ $base_only -eq 1 ] && exit 0

[ $mounted -eq 1 ] || mount_all
# The repository, read-only, so that the chroot can clone it but not touch it.
mkdir -p "$root/mnt/origin"
mount --bind -o ro "$src" "$root/mnt/origin"
mount -o remount,bind,ro "$root/mnt/origin"

rev=$(git -C "$src" rev-parse --short HEAD)
log "cloning HEAD $rev into $root$clone"
in_root sh -c "rm -rf '$clone' && mkdir -p '${clone%/*}' &&
  git clone -q /mnt/origin '$clone'" >"$logs/clone.log" 2>&1 ||
  { cat "$logs/clone.log"; exit 1; }
if [ $ci -eq 1 ] && [ -d "$src/../shared" ]; then
  mkdir -p "$root${clone%/*}/shared"
  mount --bind -o ro "$src/../shared" "$root${clone%/*}/shared"
  mount -o remount,bind,ro "$root${clone%/*}/shared"
fi

# run NAME COMMAND: runs a make command in the clone as CI would (root,
# CI=true, no stdin), logs it and records its wall time and exit code.
status=0
run() {
  local name=$1 cmd=$2 t0 t1 rc
  log "start: $cmd"
  t0=$(date +%s)
  set +e
  in_root CI=true sh -c "cd '$clone' && $cmd" </dev/null >"$logs/$name.log" 2>&1
  rc=$?
  set -e
  t1=$(date +%s)
  log "end:   $cmd: exit $rc, wall $((t1 - t0)) s (log $logs/$name.log)"
  [ $rc -eq 0 ] || status=1
  return 0
}

run demo "make demo"
run check "make check"
[ $ci -eq 1 ] && run ci "bash .ci/run"

# The tests ctest skipped (exit 77) or failed, from both passes of make check.
grep -E '\*\*\*(Skipped|Failed)|Not Run|tests passed|tests failed' "$logs/check.log" |
  tee -a "$logs/summary.txt" || true
log "overall: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status

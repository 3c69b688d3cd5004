#!/usr/bin/env bash
# The Camat's dashboard (/dasbor) at 100,000 and 1,000,000 residents on SQLite: `jempol demo`
# (residents of Kecamatan Dolopo, the demo campaign walked through the 12 steps, the
# dashboard's counts computed), then `jempol serve` pinned to core 0 and wrk (Debian) on
# core 1, logged in as the demo Camat. Each figure is the median of 3 runs; beside it the
# ceiling of the same server in the same run: a handler that answers "ok" (no database).
# Prints a Markdown table for docs/benchmarks.md.
#   bench/dashboard/run.sh                    # sizes 100000 1000000, 20 s per run
#   SIZES="10000" DURATION=5 bench/dashboard/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/jempol-target}
SIZES=(${SIZES:-100000 1000000})
DURATION=${DURATION:-20}
PORT=${PORT:-18090}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk >/dev/null; }
cargo build -q --release -p jempol
BIN="$CARGO_TARGET_DIR/release/jempol"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
base="http://127.0.0.1:$PORT"

# wrk's p50, p99 (ms) and requests/s for a path, median of 3 runs: "p50 p99 rps".
measure() {
  local path=$1 conns=$2 cookie=$3 runs=()
  for _ in 1 2 3; do
    out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --latency -H "Cookie: $cookie" "$base$path")
    if echo "$out" | grep -q "Non-2xx"; then echo "non-2xx answers for $path" >&2; echo "$out" >&2; exit 1; fi
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    runs+=("$(ms "$p50") $(ms "$p99") $rps")
  done
  printf '%s\n' "${runs[@]}" | sort -n -k3 | sed -n 2p
}
# wrk prints 850.00us, 1.23ms or 1.02s: in milliseconds.
ms() {
  case $1 in
    *us) awk -v v="${1%us}" 'BEGIN{printf "%.2f", v/1000}' ;;
    *ms) awk -v v="${1%ms}" 'BEGIN{printf "%.2f", v}' ;;
    *s) awk -v v="${1%s}" 'BEGIN{printf "%.2f", v*1000}' ;;
  esac
}

echo "| residents | demo data | path | clients | p50 ms | p99 ms | requests/s | share of ceiling |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
  dir="$tmp/$n"
  start=$(date +%s)
  JEMPOL_LOG=warn "$BIN" --data-dir "$dir" demo --residents "$n" > "$tmp/demo-$n.log" 2>&1
  took=$(( $(date +%s) - start ))
  JEMPOL_LOG=warn taskset -c 0 "$BIN" --data-dir "$dir" serve --listen "127.0.0.1:$PORT" > "$tmp/serve-$n.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done
  cookie=$(curl -si -d "username=camat&password=jempol-demo-2026&next=/" "$base/login" \
    | awk -F': ' 'tolower($1)=="set-cookie"{split($2,a,";"); print a[1]; exit}')
  [ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }
  page=$(curl -fs -H "Cookie: $cookie" "$base/dasbor")
  case $page in *'id="funnel-desa"'*) ;; *) echo "no dashboard" >&2; exit 1 ;; esac
  for conns in 1 8; do
    read -r c50 c99 crps <<< "$(measure /healthz "$conns" "$cookie")"
    read -r d50 d99 drps <<< "$(measure /dasbor "$conns" "$cookie")"
    share=$(awk -v a="$drps" -v b="$crps" 'BEGIN{printf "%.1f %%", 100*a/b}')
    echo "| $n | ${took} s | /healthz (ceiling) | $conns | $c50 | $c99 | $crps | |"
    echo "| $n | ${took} s | /dasbor | $conns | $d50 | $d99 | $drps | $share |"
  done
  kill "$server"; wait "$server" 2>/dev/null || true
done

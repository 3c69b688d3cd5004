#!/usr/bin/env bash
# Issue 10's benchmark suite, in one command: a kabupaten of 1,000,000 residents on SQLite,
# `jempol serve` pinned to core 0 and the load (wrk, from Debian) to core 1, each figure the
# median of 3 runs beside the ceiling of the same machine measured in the same run. Writes the
# results into docs/benchmarks.md (between the "bench/run.sh" markers) and prints them.
#
#   bench/run.sh                         # everything, about an hour the first time (data)
#   ONLY="lists mixed" bench/run.sh      # some parts: ceilings lists dashboard mixed
#                                        # footprint import planner
#   RESIDENTS=100000 SMALL=10000 DURATION=5 bench/run.sh    # a quick look
#
# The generated registers are kept in $BENCH_DATA (default ~/.cache/jempol-bench) and made
# again only when the generator changes; `jempol serve` migrates them when the schema does.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/jempol-target}
RESIDENTS=${RESIDENTS:-1000000}
SMALL=${SMALL:-100000}
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-"1 50"}
ONLY=${ONLY:-"ceilings lists dashboard mixed footprint import"}
PORT=${PORT:-18090}
CEILING_PORT=${CEILING_PORT:-18091}
BENCH_DATA=${BENCH_DATA:-$HOME/.cache/jempol-bench}
DOC=${DOC:-docs/benchmarks.md}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
for tool in wrk taskset curl python3; do
  command -v "$tool" >/dev/null || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk util-linux curl python3 >/dev/null
done
want() { case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

cargo build -q --release -p jempol -p jempol-bench
BIN="$CARGO_TARGET_DIR/release/jempol"
CEIL="$CARGO_TARGET_DIR/release/jempol-bench"
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
base="http://127.0.0.1:$PORT"
out="$tmp/results.md"
: > "$out"
emit() { echo "$*" | tee -a "$out"; }

# The deployment: Kabupaten Madiun, all 15 kecamatan (data/wilayah).
config="$tmp/jempol.toml"
kecamatan=$(awk -F, '$3==3{printf "%s\"%s\"", (n++?", ":""), $1}' data/wilayah/kabupaten_madiun_3519.csv)
printf '[deployment]\nkabupaten = "35.19"\nkecamatan = [%s]\n' "$kecamatan" > "$config"
desa_codes=$(awk -F, '$3==4{printf "%s%s", (n++?",":""), $1}' data/wilayah/kabupaten_madiun_3519.csv)

# A register of N residents over the kabupaten, made once per generator version.
generator=$(sha256sum crates/jempol/src/demo.rs | cut -c1-12)
dataset() {
  local n=$1 dir="$BENCH_DATA/sqlite-$1"
  if [ ! -f "$dir/made-by-$generator" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    local start; start=$(date +%s)
    JEMPOL_LOG=warn "$BIN" --config "$config" --data-dir "$dir" demo --residents "$n" --across >"$dir/demo.log" 2>&1 \
      || { cat "$dir/demo.log" >&2; exit 1; }
    echo $(( $(date +%s) - start )) > "$dir/made-by-$generator"
  fi
  echo "$dir"
}

# wrk prints 850.00us, 1.23ms or 1.02s: in milliseconds.
ms() {
  case $1 in
    *us) awk -v v="${1%us}" 'BEGIN{printf "%.2f", v/1000}' ;;
    *ms) awk -v v="${1%ms}" 'BEGIN{printf "%.2f", v}' ;;
    *s) awk -v v="${1%s}" 'BEGIN{printf "%.2f", v*1000}' ;;
    *m) awk -v v="${1%m}" 'BEGIN{printf "%.2f", v*60000}' ;;
  esac
}
# One wrk run: "p50 p99 rps errors" (errors: socket errors plus answers other than 2xx/3xx).
# Arguments: clients, then wrk's own ([-H …] [-s script] URL [-- script arguments]).
wrk_once() {
  local conns=$1; shift
  local o
  o=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s --latency "$@")
  echo "$o" >> "$tmp/wrk.log"
  local p50 p99 rps errs
  p50=$(echo "$o" | awk '$1=="50%"{print $2}')
  p99=$(echo "$o" | awk '$1=="99%"{print $2}')
  rps=$(echo "$o" | awk '/Requests\/sec/{print $2}')
  errs=$(echo "$o" | awk '/Non-2xx/{n+=$NF} /Socket errors/{gsub(",",""); n+=$4+$6+$8+$10} END{print n+0}')
  echo "$(ms "$p50") $(ms "$p99") $rps $errs"
}
# The median of RUNS runs by requests/s.
wrk_median() {
  local runs=() i
  for i in $(seq 1 "$RUNS"); do runs+=("$(wrk_once "$@")"); done
  printf '%s\n' "${runs[@]}" | sort -n -k3 | sed -n "$(( (RUNS + 1) / 2 ))p"
}
share() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.0f %%", 100*a/b; else print "" }'; }
rss_mb() { awk -v k="$2" '$1==k":"{printf "%.0f", $2/1024}' "/proc/$1/status"; }

start_server() {
  local dir=$1
  JEMPOL_LOG=warn taskset -c 0 "$BIN" --config "$config" --data-dir "$dir" serve --listen "127.0.0.1:$PORT" \
    >"$tmp/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 500); do curl -fs "$base/healthz" >/dev/null 2>&1 && return 0; sleep 0.02; done
  cat "$tmp/serve.log" >&2; exit 1
}
stop_server() { [ -n "$server" ] && { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }; }
login() {
  local c
  c=$(curl -si -d "username=$1&password=jempol-demo-2026&next=/" "$base/login" \
    | awk -F': ' 'tolower($1)=="set-cookie"{split($2,a,";"); print a[1]; exit}')
  [ -n "$c" ] || { echo "login as $1 failed" >&2; exit 1; }
  echo "$c"
}
sql() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1/jempol.db" "$2"; }

emit "<!-- bench/run.sh begin -->"
emit "Measured by \`bench/run.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr), $(rustc --version | cut -d' ' -f1-2), release build; \`jempol serve\` on core 0, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') on core 1, ${DURATION} s a run, the median of ${RUNS} runs. SQLite, Kabupaten Madiun (15 kecamatan, 206 desa), the demo generator with \`--across\`."
emit ""

big=$(dataset "$RESIDENTS")
lo=$(sql "$big" "SELECT MIN(id) FROM residents"); hi=$(sql "$big" "SELECT MAX(id) FROM residents")
count=$(sql "$big" "SELECT COUNT(*) FROM residents")
emit "Register: $count residents (made in $(cat "$big/made-by-$generator") s by \`jempol demo --residents $RESIDENTS --across\`)."
emit ""

# Ceilings: the same stack with nothing around it, over the same database file.
declare -A ceiling
if want ceilings || want lists || want mixed; then
  taskset -c 0 "$CEIL" ceiling --database "sqlite://$big/jempol.db" --listen "127.0.0.1:$CEILING_PORT" >"$tmp/ceiling.log" 2>&1 &
  cpid=$!
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$CEILING_PORT/hello" >/dev/null 2>&1 && break; sleep 0.05; done
  emit "| ceiling | clients | p50 ms | p99 ms | requests/s |"
  emit "|---|---:|---:|---:|---:|"
  for c in $CLIENTS; do
    for what in hello pk page; do
      case $what in
        hello) r=$(wrk_median "$c" "http://127.0.0.1:$CEILING_PORT/hello") ;;
        pk) r=$(wrk_median "$c" -s bench/wrk/random.lua "http://127.0.0.1:$CEILING_PORT" -- "/pk/{n}" "$lo" "$hi") ;;
        page) r=$(wrk_median "$c" -s bench/wrk/random.lua "http://127.0.0.1:$CEILING_PORT" -- "/page?before={n}" "$lo" "$hi") ;;
      esac
      read -r p50 p99 rps errs <<< "$r"
      ceiling[$what-$c]=$rps
      label=$(case $what in hello) echo "hello-world handler";; pk) echo "primary-key read";; page) echo "50-row indexed page";; esac)
      emit "| $label | $c | $p50 | $p99 | $rps |"
    done
  done
  kill "$cpid"; wait "$cpid" 2>/dev/null || true
  emit ""
fi

if want lists || want mixed || want footprint; then
  start_server "$big"
  kasi=$(login kasi)
fi

if want lists; then
  # A search kept in the session (POST /cari), as the list's search box does.
  search_cookie=$(login kasi)
  csrf=$(curl -fs -H "Cookie: $search_cookie" "$base/warga" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  emit "| list page (50 rows) | clients | p50 ms | p99 ms | requests/s | share of 50-row ceiling | errors |"
  emit "|---|---:|---:|---:|---:|---:|---:|"
  for c in $CLIENTS; do
    for what in first deep odgj desa name nik; do
      cookie=$kasi
      case $what in
        first) label="first page, whole kabupaten"; args=("$base/warga") ;;
        deep) label="a random deeper page (keyset)"; args=(-s bench/wrk/random.lua "$base" -- "/warga?before={n}" "$lo" "$hi") ;;
        odgj) label="category ODGJ"; args=("$base/warga?kategori=odgj") ;;
        desa) label="one desa"; args=("$base/warga?desa=35.19.08.2004") ;;
        name|nik)
          text=$([ "$what" = name ] && echo "SITI" || echo "3519024")
          label=$([ "$what" = name ] && echo "search by name (SITI)" || echo "search by NIK prefix (3519024)")
          cookie=$search_cookie
          curl -fs -o /dev/null -H "Cookie: $cookie" --data-urlencode "csrf_token=$csrf" -d "halaman=/warga" \
            --data-urlencode "q=$text" "$base/cari" || { echo "search $text failed" >&2; exit 1; }
          args=("$base/warga?cari=1") ;;
      esac
      read -r p50 p99 rps errs <<< "$(wrk_median "$c" -H "Cookie: $cookie" "${args[@]}")"
      emit "| $label | $c | $p50 | $p99 | $rps | $(share "$rps" "${ceiling[page-$c]:-0}") | $errs |"
    done
  done
  emit ""
fi

if want mixed; then
  stop_server; start_server "$big"
  kasi=$(login kasi); petugas=$(login petugas)
  csrf=$(curl -fs -H "Cookie: $petugas" "$base/lapangan" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  campaign=$(sql "$big" "SELECT MIN(campaign_id) FROM campaign_residents")
  people=$(sql "$big" "SELECT group_concat(resident_id) FROM campaign_residents WHERE campaign_id = $campaign")
  before=$(sql "$big" "SELECT COUNT(*) FROM visit_outcomes")
  sleep 2
  idle="$(rss_mb "$server" VmRSS) MB ($(rss_mb "$server" RssAnon) MB anonymous)"
  emit "| mixed load (70 % lists, 20 % records, 10 % visit outcomes) | clients | p50 ms | p99 ms | requests/s | errors |"
  emit "|---|---:|---:|---:|---:|---:|"
  for c in $CLIENTS; do
    read -r p50 p99 rps errs <<< "$(wrk_median "$c" -s bench/wrk/mixed.lua "$base" -- "$kasi" "$petugas" "$csrf" "$lo" "$hi" "$campaign" "$people" "$desa_codes")"
    emit "| mixed | $c | $p50 | $p99 | $rps | $errs |"
  done
  after=$(sql "$big" "SELECT COUNT(*) FROM visit_outcomes")
  emit ""
  emit "Visit outcomes stored during the mixed runs: $((after - before)). Server memory, resident: $idle when idle after start and login; $(rss_mb "$server" VmHWM) MB at the peak of the mixed load, $(rss_mb "$server" RssAnon) MB anonymous after it (the rest is the database file mapped into memory, which the kernel can drop at any time)."
  emit ""
fi

if want footprint; then
  stop_server
  size=$(stat -c %s "$BIN")
  starts=()
  for _ in 1 2 3; do
    t0=$(date +%s%N); start_server "$big"; t1=$(date +%s%N)
    starts+=("$(( (t1 - t0) / 1000000 ))")
    idle="$(sleep 2; rss_mb "$server" VmRSS) MB ($(rss_mb "$server" RssAnon) MB anonymous)"
    stop_server
  done
  cold=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)
  start_server "$big"
  page=$(curl -fs "$base/login")
  bytes=$(curl -fs --compressed -o /dev/null -w '%{size_download}' "$base/login")
  for a in $(echo "$page" | { grep -o '\(href\|src\)="/[^"]*"' || true; } | sed 's/^[a-z]*="//; s/"$//' | sort -u); do
    bytes=$(( bytes + $(curl -fs --compressed -o /dev/null -w '%{size_download}' "$base$a") ))
  done
  external=$(echo "$page" | { grep -o '\(href\|src\)="https\?://[^"]*"' || true; } | wc -l)
  emit "| footprint | figure |"
  emit "|---|---:|"
  emit "| binary (release, $(basename "$BIN")) | $(awk -v s="$size" 'BEGIN{printf "%.1f MB", s/1048576}') |"
  emit "| cold start to a served /healthz (median of 3, $count residents) | $cold ms |"
  emit "| memory when idle after start, resident | $idle |"
  emit "| first page (/login) with its assets, as transferred | $(awk -v b="$bytes" 'BEGIN{printf "%.1f KB", b/1024}') |"
  emit "| external requests of the first page | $external |"
  emit ""
fi
stop_server

if want dashboard; then
  small=$(dataset "$SMALL")
  emit "| Camat dashboard (/dasbor) | residents | clients | p50 ms | p99 ms | requests/s | share of hello-world | errors |"
  emit "|---|---:|---:|---:|---:|---:|---:|---:|"
  for dir in "$small" "$big"; do
    n=$(sql "$dir" "SELECT COUNT(*) FROM residents")
    start_server "$dir"
    camat=$(login camat)
    for c in $CLIENTS; do
      read -r p50 p99 rps errs <<< "$(wrk_median "$c" -H "Cookie: $camat" "$base/dasbor")"
      emit "| /dasbor | $n | $c | $p50 | $p99 | $rps | $(share "$rps" "${ceiling[hello-$c]:-0}") | $errs |"
    done
    stop_server
  done
  emit ""
fi

if want import; then
  emit "Import of a village list (\`cargo bench -p jempol --bench import\`, 100,000 rows, one XLSX):"
  emit ""
  cargo bench -q -p jempol --bench import 2>/dev/null | grep '^|' | tee -a "$out"
  emit ""
fi

if want planner; then
  emit "Planner (\`bench/planner/run.sh\`, 5,000 visits, 120 s):"
  emit ""
  SIZES=5000 LIMITS=120 bench/planner/run.sh | grep '^|' | tee -a "$out"
  emit ""
fi
emit "<!-- bench/run.sh end -->"

# Into docs/benchmarks.md: replace the previous results, or add them after the title.
case $DOC in /*) ;; *) DOC="$root/$DOC" ;; esac
python3 - "$DOC" "$out" <<'PY'
import re, sys
doc, new = sys.argv[1], open(sys.argv[2]).read().strip() + "\n"
text = open(doc).read()
pat = re.compile(r"<!-- bench/run.sh begin -->.*?<!-- bench/run.sh end -->\n?", re.S)
if pat.search(text):
    text = pat.sub(lambda m: new, text, count=1)
else:
    head, _, rest = text.partition("\n## ")
    text = head.rstrip() + "\n\n## Issue 10: a kabupaten on two cores\n" + new + "\n## " + rest
open(doc, "w").write(text)
PY
echo "written to $DOC"

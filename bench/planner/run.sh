#!/usr/bin/env bash
# Plan quality and time, Jempol's planner beside OR-Tools' routing solver at the same time
# limit, on generated instances of 50, 500 and 5,000 visits. Prints a Markdown table for
# docs/benchmarks.md. OR-Tools comes from PyPI into bench/planner/.venv (not committed).
#   bench/planner/run.sh            # sizes 50 500 5000, limits 10 30 120 s
#   SIZES="50" LIMITS="5" bench/planner/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/jempol-target}
SIZES=(${SIZES:-50 500 5000})
LIMITS=(${LIMITS:-10 30 120})
VENV=bench/planner/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q ortools
fi
cargo build -q --release -p jempol
cargo build -q --release -p jempol-plan --example gen_instance
BIN="$CARGO_TARGET_DIR/release/jempol"
GEN="$CARGO_TARGET_DIR/release/examples/gen_instance"
tmp=$(mktemp -d)
echo "| visits | teams × days | time limit | solver | planned | unplanned | team-days used | travel minutes | seconds |"
echo "|---:|---|---:|---|---:|---:|---:|---:|---:|"
for i in "${!SIZES[@]}"; do
  n=${SIZES[$i]}; t=${LIMITS[$i]}
  "$GEN" "$n" > "$tmp/i.json"
  start=$(date +%s.%N)
  "$BIN" plan "$tmp/i.json" --time-limit "$t" --generations 100000000 --seed 1 > "$tmp/p.json"
  end=$(date +%s.%N)
  # OR-Tools plans the very days Jempol resolved from the calendar.
  python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
inst = json.load(open(f"{d}/i.json")); plan = json.load(open(f"{d}/p.json"))
inst["days"] = plan["days"]
json.dump(inst, open(f"{d}/i2.json", "w"))
PY
  teams=$(python3 -c "import json;print(len(json.load(open('$tmp/i.json'))['teams']))")
  python3 - "$tmp/p.json" "$n" "$teams" "$t" "$start" "$end" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); s = p["summary"]
print(f"| {sys.argv[2]} | {sys.argv[3]} × 10 | {sys.argv[4]} s | Jempol | {s['planned']} | {s['unplanned']} | {s['team_days_used']} | {s['travel_minutes']} | {float(sys.argv[6]) - float(sys.argv[5]):.1f} |")
PY
  o=$("$VENV/bin/python" bench/planner/ortools_plan.py "$tmp/i2.json" "$t")
  python3 - "$o" "$n" "$teams" "$t" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
print(f"| {sys.argv[2]} | {sys.argv[3]} × 10 | {sys.argv[4]} s | OR-Tools | {o['planned']} | {o['unplanned']} | {o['team_days_used']} | {o['travel_minutes']} | {o['seconds']} |")
PY
done
rm -rf "$tmp"

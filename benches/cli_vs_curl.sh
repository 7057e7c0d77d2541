#!/usr/bin/env bash
# Times the release binary's `amlc computes list -o json` against `curl` fetching the same
# pages, on a TLS emulator with the demo workspace (issue 14: start-up and output cost). Public
# tools only: hyperfine when installed, else a loop timed with `date +%s%N` (median of RUNS).
#   benches/cli_vs_curl.sh            # 7 runs each
#   RUNS=15 benches/cli_vs_curl.sh
# Builds `target/release/amlc` if missing. Everything binds 127.0.0.1 and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-7}"
[ -x target/release/amlc ] || cargo build --release --quiet
bin="$PWD/target/release/amlc"
work="$(mktemp -d)"
emu=""
cleanup() { [ -n "$emu" ] && kill "$emu" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin" emulator --demo --tls --port 0 --data-dir "$work/emu" --idle-timeout 300 > "$work/out" 2>/dev/null &
emu=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^amlc emulator listening on //p' "$work/out" | head -1)"
[ -n "$url" ] || { echo "the emulator did not start" >&2; exit 1; }
token="$(cat "$work/emu/token")"
ca="$work/emu/tls/cert.pem"
sub=00000000-0000-0000-0000-000000000000
list_url="${url}subscriptions/$sub/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/computes?api-version=2025-12-01"
amlc_cmd=(env HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" AMLC_TOKEN="$token"
  "$bin" computes list -o json --endpoint "$url" --auth token --ca-cert "$ca"
  --subscription "$sub" -g demo-rg -w demo-ws)
curl_cmd=(curl -sS --fail --cacert "$ca" -H "Authorization: Bearer $token" "$list_url")
"${amlc_cmd[@]}" > /dev/null
"${curl_cmd[@]}" > /dev/null
if command -v hyperfine > /dev/null; then
  hyperfine -N --warmup 2 --runs "$runs" -n amlc "${amlc_cmd[*]}" -n curl "${curl_cmd[*]}"
  exit 0
fi
median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" > /dev/null; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f ms (min %.1f, max %.1f)\n", m/1000, a[1]/1000, a[NR]/1000}'
}
echo "amlc computes list -o json (demo, TLS): $(median_ms "${amlc_cmd[@]}")"
echo "curl of the same page:                  $(median_ms "${curl_cmd[@]}")"

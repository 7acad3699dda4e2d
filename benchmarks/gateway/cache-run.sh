#!/usr/bin/env bash
# Issue 7's cache benchmark: requests/s through the EdgeKit gateway with the route's cache policy on (every request after
# the first a hit) against the same gateway without it (every request forwarded), same backend, same pinning as run.sh:
# each gateway alone on CPU 0, nginx and wrk on CPU 1, warm-up, interleaved rounds. Writes
# benchmarks/results/gateway-cache-wrk.md. Only 127.0.0.1; every process started is stopped by its PID on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ROUNDS="${ROUNDS:-5}"; DURATION="${DURATION:-10}"; WORK="$(mktemp -d)"; PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for tool in nginx wrk taskset curl dotnet; do command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "$tool is required"; exit 1; }; done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/nginx/nginx.pid; error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:19101; listen 127.0.0.1:19102; listen 127.0.0.1:19103;
    location / { default_type application/json; add_header Cache-Control "public, max-age=600";
      return 200 '{"ok":true,"service":"bench","items":[1,2,3]}'; } } }
CONF
taskset -c 1 "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$WORK/nginx.out" 2>&1 & PIDS+=($!)
sleep 1
dotnet publish "$ROOT/benchmarks/gateway/EdgeKitGateway/EdgeKitGateway.csproj" -c Release -o "$WORK/ek" -v q -nologo > /dev/null
BACKENDS="127.0.0.1:19101,127.0.0.1:19102,127.0.0.1:19103"
start() { # name port admin cache
  taskset -c 0 env DOTNET_gcServer=0 DOTNET_TC_CallCountingDelayMs=0 GWBENCH_CACHE="$4" dotnet "$WORK/ek/EdgeKitGateway.dll" \
    --port "$2" --admin-port "$3" --backends "$BACKENDS" > "$WORK/$1.out" 2>&1 & PIDS+=($!)
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$2/" > /dev/null && return; sleep 0.2; done; echo "$1 did not start"; exit 1; }
start uncached 18180 18181 0
start cached 18190 18191 1
curl -si http://127.0.0.1:18190/ | grep -i "^cache-status" || true
measure() { taskset -c 1 timeout $(( $2 + 10 )) wrk -t1 -c64 -d"$2"s --latency "http://127.0.0.1:$1/" ; }
for target in 18180 18190; do measure $target 15 > /dev/null; measure $target 10 > /dev/null; done
declare -A RPS P99
order=(uncached cached)
for round in $(seq "$ROUNDS"); do
  for name in "${order[@]}"; do
    port=$([ "$name" = cached ] && echo 18190 || echo 18180)
    out="$(measure $port "$DURATION")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<< "$out")"; p99="$(awk '$1=="99%" {print $2}' <<< "$out")"
    RPS[$name]+="$rps "; P99[$name]+="$p99 "
    echo "round $round $name $rps req/s p99 $p99"
  done
  order=("${order[1]}" "${order[0]}")
done
median() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mu="$(median "${RPS[uncached]}")"; mc="$(median "${RPS[cached]}")"
OUT="$ROOT/benchmarks/results/gateway-cache-wrk.md"
{
  echo "# Gateway cache: cached vs uncached requests/s (wrk)"
  echo
  echo "Produced by \`benchmarks/gateway/cache-run.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC; $(lscpu | awk -F: '/Model name/ {gsub(/^ +/,"",$2); print $2}'), $(nproc) CPUs, .NET SDK $(dotnet --version)."
  echo
  echo "The EdgeKit gateway alone on CPU 0 (\`taskset\`), nginx (\`Cache-Control: public, max-age=600\`, 3 ports) and"
  echo "\`wrk -t1 -c64 -d${DURATION}s\` on CPU 1, $ROUNDS interleaved rounds after warm-up. *cached*: the route's cache policy"
  echo "(\`EdgeKit:Routes:all:CachePolicy\`, in-memory store) answers every request after the first; *uncached*: the same gateway"
  echo "without it forwards every request. Medians of the rounds."
  echo
  echo "| target | req/s (median) | rounds req/s | rounds p99 |"
  echo "|---|---:|---|---|"
  echo "| uncached | $mu | ${RPS[uncached]}| ${P99[uncached]}|"
  echo "| cached | $mc | ${RPS[cached]}| ${P99[cached]}|"
  echo
  echo "Cached / uncached: **$(awk -v a="$mc" -v b="$mu" 'BEGIN {printf "%.2f", a/b}')×** requests/s."
} > "$OUT"
cat "$OUT"

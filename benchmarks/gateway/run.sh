#!/usr/bin/env bash
# The gateway load benchmark of issue 4: EdgeKit vs YARP 2.3.0 vs wrk straight at the backend ("direct"),
# following "How to measure" in benchmarks/README.md (see README.md beside this script).
#
#   benchmarks/gateway/run.sh [--install] [--rounds N] [--duration S] [--connections N]
#                              [--warmup-min-chunks N] [--warmup-max-chunks N] [--out FILE]
#
# nginx (one worker, no access log) answers a small JSON body on three ports of 127.0.0.1, pinned to CPU 1 with
# wrk; each gateway runs pinned alone on CPU 0. Every .NET target is warmed up until its req/s stops rising, then
# the targets are measured in interleaved rounds (A B D, B D A, D A B, ...). The markdown table (medians, min-max,
# ratios) is printed and written to --out. Every process this script starts is stopped by PID when it exits.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS=5
DURATION=10            # seconds per measured round
CONNECTIONS=64
THREADS=1
WARMUP_CHUNK=5         # seconds per warm-up chunk
WARMUP_GAIN=5          # warm-up stops when chunks gain less than this many percent (see warm_up)
WARMUP_MIN_CHUNKS=3
WARMUP_MAX_CHUNKS=24   # at most 2 minutes of warm-up per target
OUT="$ROOT/benchmarks/results/gateway-wrk.md"
INSTALL=0
BACKEND_PORTS=(19001 19002 19003)
EDGEKIT_PORT=18080; EDGEKIT_ADMIN=18081
YARP_PORT=18090;    YARP_ADMIN=18091
FLOOR_PORT=18070;   FLOOR_ADMIN=18071
PROXY_CPU=0
LOAD_CPU=1
REQUEST_PATH="/"

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --install) INSTALL=1; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --warmup-min-chunks) WARMUP_MIN_CHUNKS="$2"; shift 2 ;;
    --warmup-max-chunks) WARMUP_MAX_CHUNKS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in ROUNDS DURATION CONNECTIONS WARMUP_MIN_CHUNKS WARMUP_MAX_CHUNKS; do
  [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || { echo "--${n,,} must be a positive integer, not '${!n}'" >&2; exit 2; }
done

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------- tools
need_install=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need_install+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
if [[ ${#need_install[@]} -gt 0 ]]; then
  if [[ $INSTALL -ne 1 ]]; then
    die "missing: ${need_install[*]}. Install the Debian packages (apt-get update && apt-get install -y nginx-light wrk;
       'nginx' works as well as 'nginx-light'), or run this script with --install to have it do exactly that."
  fi
  log "installing Debian packages: ${need_install[*]} (apt-get update, then apt-get install -y)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}" \
    || { [[ " ${need_install[*]} " == *" nginx-light "* ]] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk; } \
    || die "could not install ${need_install[*]}; wrk must come from the Debian package (this script does not build it)"
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
for tool in taskset curl awk dotnet getconf; do command -v "$tool" >/dev/null || die "$tool is required"; done
[[ "$(nproc --all)" -ge 2 ]] || die "needs two CPUs (gateway on CPU $PROXY_CPU, nginx and wrk on CPU $LOAD_CPU)"

for port in "${BACKEND_PORTS[@]}" $EDGEKIT_PORT $EDGEKIT_ADMIN $YARP_PORT $YARP_ADMIN $FLOOR_PORT $FLOOR_ADMIN; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port 127.0.0.1:$port is already in use"; fi
done

# ---------------------------------------------------------------------------------------------- processes
WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgekit-gwbench.XXXXXX")"
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $status -eq 0 ]]; then rm -rf "$WORK"; else log "logs kept in $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() { # url, what
  for _ in $(seq 150); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  die "$2 did not answer on $1 (logs in $WORK)"
}

# nginx: its own prefix and config, one worker, no access log, a small JSON body on three ports.
mkdir -p "$WORK/nginx/logs"
{
  echo "worker_processes 1;"
  echo "daemon off;"
  echo "pid $WORK/nginx/nginx.pid;"
  echo "error_log $WORK/nginx/error.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http {"
  echo "  access_log off;"
  echo "  keepalive_requests 10000000;"
  echo "  server {"
  for port in "${BACKEND_PORTS[@]}"; do echo "    listen 127.0.0.1:$port;"; done
  echo "    location / { default_type application/json; return 200 '{\"ok\":true,\"service\":\"bench\",\"items\":[1,2,3]}'; }"
  echo "  }"
  echo "}"
} > "$WORK/nginx/nginx.conf"
taskset -c $LOAD_CPU "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$WORK/nginx.out" 2>&1 &
PIDS+=($!)
for port in "${BACKEND_PORTS[@]}"; do wait_http "http://127.0.0.1:$port/" "nginx"; done
log "nginx up (pid ${PIDS[-1]}, CPU $LOAD_CPU) on ports ${BACKEND_PORTS[*]}"

log "publishing the gateways and the floor proxy (Release)"
for app in EdgeKitGateway YarpGateway FloorProxy; do
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$ROOT/benchmarks/gateway/$app/$app.csproj" \
    -c Release -o "$WORK/$app" -nologo -v quiet > "$WORK/publish-$app.log" 2>&1 \
    || { cat "$WORK/publish-$app.log" >&2; die "publishing $app failed"; }
done

# The same runtime settings for both gateways. Workstation GC: with one core there is one heap either way, and
# server GC would only reserve more memory. Call counting starts at once so tiering settles in seconds.
DOTNET_ENV=(DOTNET_gcServer=0 DOTNET_TC_CallCountingDelayMs=0 DOTNET_CLI_TELEMETRY_OPTOUT=1)
BACKENDS="$(printf '127.0.0.1:%s,' "${BACKEND_PORTS[@]}")"; BACKENDS="${BACKENDS%,}"
declare -A URL ADMIN PID
start_gateway() { # target, app, port, admin port
  taskset -c $PROXY_CPU env "${DOTNET_ENV[@]}" dotnet "$WORK/$2/$2.dll" --port "$3" --admin-port "$4" --backends "$BACKENDS" \
    > "$WORK/$1.out" 2>&1 &
  PIDS+=($!)
  PID[$1]=$!
  URL[$1]="http://127.0.0.1:$3$REQUEST_PATH"
  ADMIN[$1]="http://127.0.0.1:$4/__alloc"
  wait_http "${ADMIN[$1]}" "$2 (admin)"
  wait_http "${URL[$1]}" "$2"
  log "$2 up (pid ${PID[$1]}, CPU $PROXY_CPU): $(head -n1 "$WORK/$1.out")"
}
start_gateway edgekit EdgeKitGateway $EDGEKIT_PORT $EDGEKIT_ADMIN
start_gateway yarp YarpGateway $YARP_PORT $YARP_ADMIN
start_gateway floor FloorProxy $FLOOR_PORT $FLOOR_ADMIN
URL[direct]="http://127.0.0.1:${BACKEND_PORTS[0]}$REQUEST_PATH"
declare -A NAME=([edgekit]="EdgeKit" [yarp]="YARP 2.3.0" [floor]="floor (FloorProxy)" [direct]="direct (nginx)")

# ---------------------------------------------------------------------------------------------- measuring
CLK_TCK="$(getconf CLK_TCK)"
cpu_ticks() { # cpu index -> "busy total" in clock ticks
  awk -v cpu="cpu$1" '$1 == cpu { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total }' /proc/stat
}
allocated() { # target -> allocated bytes and gen0..2 counts of the gateway process
  curl -fsS --max-time 5 "${ADMIN[$1]}" | awk '/^(allocated_bytes|gen0|gen1|gen2) / { printf "%s ", $2 }'
}
to_ms() { # wrk latency such as 812.00us, 1.23ms, 2.01s -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
# run_wrk target seconds -> "requests rps p50ms p99ms errors"
run_wrk() {
  local out
  out="$(timeout $(($2 + 30)) taskset -c $LOAD_CPU wrk -t$THREADS -c$CONNECTIONS -d"$2"s --latency "${URL[$1]}")" \
    || die "wrk against ${URL[$1]} failed"
  printf '%s\n' "$out" >> "$WORK/wrk-$1.log"
  local requests rps p50 p99 errors
  requests="$(awk '/requests in/ { print $1 }' <<< "$out")"
  rps="$(awk '/^Requests\/sec:/ { print $2 }' <<< "$out")"
  p50="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<< "$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<< "$out")")"
  errors="$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<< "$out")"
  [[ -n "$requests" && -n "$rps" ]] || die "could not read wrk's output for $1: $out"
  echo "$requests $rps $p50 $p99 $errors"
}

WARMUP_NOTES=()
warm_up() { # target
  # A chunk that gains < WARMUP_GAIN % over the best so far counts as flat; two flat chunks in a row (after at least
  # WARMUP_MIN_CHUNKS) end the warm-up, so that one noisy dip does not end it early.
  local best=0 flat=0 chunk=0 rps line progression=""
  while (( chunk < WARMUP_MAX_CHUNKS )); do
    chunk=$((chunk + 1))
    line="$(run_wrk "$1" "$WARMUP_CHUNK")"
    rps="$(awk '{ printf "%.0f", $2 }' <<< "$line")"
    progression+="${progression:+ → }$rps"
    if awk -v a="$rps" -v b="$best" -v g="$WARMUP_GAIN" 'BEGIN { exit !(a >= b * (1 + g / 100)) }'; then
      best=$rps; flat=0
    else
      flat=$((flat + 1))
    fi
    (( flat >= 2 && chunk >= WARMUP_MIN_CHUNKS )) && break
  done
  local note=""
  (( flat < 2 )) && note=", **still rising when the warm-up limit was reached**"
  log "warm-up ${NAME[$1]}: $progression req/s ($chunk × ${WARMUP_CHUNK}s)${note:+ (still rising)}"
  WARMUP_NOTES+=("- ${NAME[$1]}: $progression req/s ($chunk chunks of ${WARMUP_CHUNK} s$note)")
}

TARGETS=(edgekit yarp floor direct)
for target in "${TARGETS[@]}"; do warm_up "$target"; done

RAW="$WORK/rounds.tsv"  # round target requests rps p50 p99 errors cpu0_us_per_req cpu1_busy_pct alloc_b_per_req gen0 gen1 gen2 rss_mib cpu0_busy_pct
: > "$RAW"
for (( round = 1; round <= ROUNDS; round++ )); do
  order=()
  for (( i = 0; i < ${#TARGETS[@]}; i++ )); do order+=("${TARGETS[$(( (round - 1 + i) % ${#TARGETS[@]} ))]}"); done
  log "round $round/$ROUNDS: ${order[*]}"
  for target in "${order[@]}"; do
    alloc_before="0 0 0 0"; [[ $target != direct ]] && alloc_before="$(allocated "$target")"
    read -r busy0_a total0_a < <(cpu_ticks $PROXY_CPU)
    read -r busy1_a total1_a < <(cpu_ticks $LOAD_CPU)
    line="$(run_wrk "$target" "$DURATION")"
    read -r busy0_b total0_b < <(cpu_ticks $PROXY_CPU)
    read -r busy1_b total1_b < <(cpu_ticks $LOAD_CPU)
    alloc_after="0 0 0 0"; rss="n/a"
    if [[ $target != direct ]]; then
      alloc_after="$(allocated "$target")"
      rss="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/${PID[$target]}/status")"
    fi
    read -r requests rps p50 p99 errors <<< "$line"
    awk -v r="$round" -v t="$target" -v line="$line" -v req="$requests" -v hz="$CLK_TCK" \
        -v b0="$((busy0_b - busy0_a))" -v t0="$((total0_b - total0_a))" -v b1="$((busy1_b - busy1_a))" -v t1="$((total1_b - total1_a))" \
        -v before="$alloc_before" -v after="$alloc_after" -v rss="$rss" -v direct="$([[ $target == direct ]] && echo 1 || echo 0)" '
      BEGIN {
        split(before, a, " "); split(after, z, " ")
        cpu = b0 * 1e6 / hz / req
        busy1 = t1 > 0 ? 100 * b1 / t1 : 0
        busy0 = t0 > 0 ? 100 * b0 / t0 : 0
        alloc = direct ? "n/a" : sprintf("%.0f", (z[1] - a[1]) / req)
        g0 = direct ? "n/a" : z[2] - a[2]; g1 = direct ? "n/a" : z[3] - a[3]; g2 = direct ? "n/a" : z[4] - a[4]
        printf "%d\t%s\t%s\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%.1f\n", r, t, line, cpu, busy1, alloc, g0, g1, g2, rss, busy0
      }' | tr ' ' '\t' >> "$RAW"
    log "  $(tail -n1 "$RAW" | awk -F'\t' '{ printf "%-8s %9.0f req/s  p50 %s ms  p99 %s ms  errors %s  CPU0 %s µs/req  CPU1 %s%%  %s B/req  RSS %s MiB", $2, $4, $5, $6, $7, $8, $9, $10, $14 }')"
  done
done

# ---------------------------------------------------------------------------------------------- report
# column numbers in rounds.tsv
C_RPS=4; C_P50=5; C_P99=6; C_CPU=8; C_CPU1=9; C_ALLOC=10; C_RSS=14; C_CPU0=15
stat() { # target column -> "median min max" (or "n/a")
  awk -F'\t' -v t="$1" -v c="$2" '$2 == t && $c != "n/a" { print $c }' "$RAW" | sort -g | awk '
    { v[NR] = $1 } END {
      if (NR == 0) { print "n/a"; exit }
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print m, v[1], v[NR] }'
}
median() { stat "$1" "$2" | awk '{ print $1 }'; }
cell() { # target column format -> "median (min–max)"
  stat "$1" "$2" | awk -v f="$3" '$1 == "n/a" { print "n/a"; next } { printf f " (" f "–" f ")", $1, $2, $3 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() { # value op limit
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "n/a") { print "n/a"; exit } ok = op == ">=" ? v >= l : v <= l; print ok ? "met" : "not met" }'
}

SMOKE=0
(( ROUNDS < 5 || DURATION < 10 )) && SMOKE=1
MACHINE="$(lscpu | awk -F: '/^Model name/ && !seen++ { gsub(/^ +/, "", $2); print $2 }'), $(nproc --all) CPUs; kernel $(uname -r); .NET SDK $(dotnet --version); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'); $( (wrk -v 2>&1 || true) | head -n1 | awk '{ print $1, $2 }')"
rps_ratio_yarp="$(ratio "$(median edgekit $C_RPS)" "$(median yarp $C_RPS)")"
p99_ratio_yarp="$(ratio "$(median edgekit $C_P99)" "$(median yarp $C_P99)")"
alloc_ratio_yarp="$(ratio "$(median edgekit $C_ALLOC)" "$(median yarp $C_ALLOC)")"
noise_floor="$(median direct $C_CPU0)"
total_errors="$(awk -F'\t' '{ n += $7 } END { print n + 0 }' "$RAW")"

{
  echo "# Gateway load benchmark: EdgeKit vs YARP 2.3.0 (wrk)"
  echo
  if (( SMOKE )); then
    echo "> **SMOKE RUN — not a result.** $ROUNDS round(s) of $DURATION s (the method asks for at least 5 rounds of 10 s"
    echo "> on a quiet machine). It only shows that \`benchmarks/gateway/run.sh\` works end to end; the timings are"
    echo "> provisional (busy machine). Allocated bytes per request do not depend on timing and are indicative."
    echo
  fi
  echo "Produced by \`benchmarks/gateway/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "Machine: $MACHINE."
  echo
  echo "Setup: nginx (1 worker, no access log, \`return 200\` with a ${#BACKEND_PORTS[@]}-port small JSON body) and wrk pinned to CPU $LOAD_CPU;"
  echo "each gateway pinned alone to CPU $PROXY_CPU (\`taskset\`), one route \`/{**catch-all}\` to a cluster of ${#BACKEND_PORTS[@]} nginx ports, round robin,"
  echo "HTTP/1.1 keep-alive both sides, no logging. \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency\`, $ROUNDS interleaved rounds"
  echo "(order rotated each round). Runtime settings for both gateways: \`${DOTNET_ENV[*]}\` (TieredPGO left at its default, on)."
  echo
  echo "Medians over the rounds, min–max in brackets."
  echo
  echo "| target | req/s | p50 ms | p99 ms | CPU-0 µs/request | allocated B/request | peak RSS MiB | CPU-0 busy % | CPU-1 busy % |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for target in "${TARGETS[@]}"; do
    cpu="$(cell "$target" $C_CPU '%.1f')"
    [[ $target == direct ]] && cpu="n/a (nginx and wrk on CPU $LOAD_CPU)"
    echo "| ${NAME[$target]} | $(cell "$target" $C_RPS '%.0f') | $(cell "$target" $C_P50 '%.2f') | $(cell "$target" $C_P99 '%.2f') | $cpu | $(cell "$target" $C_ALLOC '%.0f') | $(cell "$target" $C_RSS '%.1f') | $(cell "$target" $C_CPU0 '%.0f') | $(cell "$target" $C_CPU1 '%.0f') |"
  done
  echo
  echo "| ratio (of medians) | req/s | p50 | p99 | CPU µs/request | allocated B/request | peak RSS |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  echo "| EdgeKit / YARP | $rps_ratio_yarp | $(ratio "$(median edgekit $C_P50)" "$(median yarp $C_P50)") | $p99_ratio_yarp | $(ratio "$(median edgekit $C_CPU)" "$(median yarp $C_CPU)") | $alloc_ratio_yarp | $(ratio "$(median edgekit $C_RSS)" "$(median yarp $C_RSS)") |"
  echo "| EdgeKit / direct | $(ratio "$(median edgekit $C_RPS)" "$(median direct $C_RPS)") | $(ratio "$(median edgekit $C_P50)" "$(median direct $C_P50)") | $(ratio "$(median edgekit $C_P99)" "$(median direct $C_P99)") | | | |"
  echo "| YARP / direct | $(ratio "$(median yarp $C_RPS)" "$(median direct $C_RPS)") | $(ratio "$(median yarp $C_P50)" "$(median direct $C_P50)") | $(ratio "$(median yarp $C_P99)" "$(median direct $C_P99)") | | | |"
  echo "| EdgeKit / floor | $(ratio "$(median edgekit $C_RPS)" "$(median floor $C_RPS)") | $(ratio "$(median edgekit $C_P50)" "$(median floor $C_P50)") | $(ratio "$(median edgekit $C_P99)" "$(median floor $C_P99)") | $(ratio "$(median edgekit $C_CPU)" "$(median floor $C_CPU)") | $(ratio "$(median edgekit $C_ALLOC)" "$(median floor $C_ALLOC)") | |"
  echo "| floor / YARP | $(ratio "$(median floor $C_RPS)" "$(median yarp $C_RPS)") | $(ratio "$(median floor $C_P50)" "$(median yarp $C_P50)") | $(ratio "$(median floor $C_P99)" "$(median yarp $C_P99)") | $(ratio "$(median floor $C_CPU)" "$(median yarp $C_CPU)") | $(ratio "$(median floor $C_ALLOC)" "$(median yarp $C_ALLOC)") | |"
  echo
  echo "Issue 4's targets: req/s ≥ 1.2 × YARP: $rps_ratio_yarp, $(verdict "$rps_ratio_yarp" '>=' 1.2); p99 ≤ YARP's: $p99_ratio_yarp, $(verdict "$p99_ratio_yarp" '<=' 1.0);"
  echo "allocated bytes ≤ 0.5 × YARP's: $alloc_ratio_yarp, $(verdict "$alloc_ratio_yarp" '<=' 0.5). Failed requests (non-2xx and socket errors, all rounds): $total_errors."
  if (( SMOKE )); then echo; echo "(Verdicts on timings from a smoke run mean nothing; see the note at the top.)"; fi
  if awk -v n="$noise_floor" 'BEGIN { exit !(n != "n/a" && n > 10) }'; then
    echo
    echo "**Warning: the proxy's core was not quiet.** CPU 0 was ${noise_floor} % busy while no gateway was loaded (direct"
    echo "rounds): other processes shared the proxy's core, so req/s, latency and CPU/request are understated or noisy."
  fi
  echo
  echo "The floor (\`benchmarks/gateway/FloorProxy\`) is not a product: the same host, catch-all endpoint and transport"
  echo "(one HttpMessageInvoker over SocketsHttpHandler, round robin) with nothing else a production proxy needs (no"
  echo "hop-by-hop rules, header checks, timeouts, health or latency accounting, metrics or error handling). It is what"
  echo "Kestrel, routing and SocketsHttpHandler cost on their own: no proxy built on them can do much better."
  echo
  echo "CPU-0 µs/request is CPU 0's busy time (user, nice, system, irq, softirq, steal from \`/proc/stat\`) during the round"
  echo "divided by the requests served; allocated B/request is the gateway's \`GC.GetTotalAllocatedBytes(true)\` delta over"
  echo "the round (read from its separate admin listener) divided by the requests; peak RSS is the process's \`VmHWM\`."
  echo "CPU-1 busy % shows the load side: near 100 % means wrk and nginx, not the proxy, may be the limit. CPU-0 busy %"
  echo "during the direct rounds is the noise floor: what else ran on the proxy's core (it should be near 0)."
  echo
  echo "Warm-up (${WARMUP_CHUNK} s chunks until a chunk gains < ${WARMUP_GAIN} %):"
  echo
  printf '%s\n' "${WARMUP_NOTES[@]}"
  echo
  echo "<details><summary>Every round</summary>"
  echo
  echo "| round | target | requests | req/s | p50 ms | p99 ms | errors | CPU-0 µs/req | CPU-1 busy % | B/req | gen0 | gen1 | gen2 | peak RSS MiB | CPU-0 busy % |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' 'BEGIN { OFS = " | " } { $1 = $1; print "| " $0 " |" }' "$RAW"
  echo
  echo "</details>"
} > "$WORK/report.md"

mkdir -p "$(dirname "$OUT")"
cp "$WORK/report.md" "$OUT"
cat "$WORK/report.md"
log "written to $OUT"

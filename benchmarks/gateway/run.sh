#!/usr/bin/env bash
# The gateway load benchmark (issues 4 and 20): EdgeKit, one row per feature on the request path and per inline-I/O
# setting, beside YARP 2.3.0, nginx as a proxy and wrk straight at the backend ("direct"), following "How to measure"
# in benchmarks/README.md (see README.md beside this script).
#
#   benchmarks/gateway/run.sh [--install] [--rounds N] [--duration S] [--connections N] [--targets a,b,...]
#                              [--warmup-min-chunks N] [--warmup-max-chunks N] [--syscall-seconds S] [--no-profile]
#                              [--out FILE]
#
# nginx (one worker, no access log) answers a small JSON body on three ports of 127.0.0.1, pinned to CPU 1 with
# wrk; each proxy runs pinned alone on CPU 0. Every .NET target is warmed up until its req/s stops rising, then
# the targets are measured in interleaved rounds (A B C, B C A, ...). Then each proxy's system calls per request are
# counted (perf stat, or strace -c when perf is missing) and CPU 0 is profiled under the full EdgeKit gateway and nginx
# (perf record). The markdown report is printed and written to --out. Every process this script starts is stopped by
# PID when it exits.
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
SYSCALL_SECONDS=5      # the window in which system calls are counted, per target
PROFILE=1
OUT="$ROOT/benchmarks/results/gateway-wrk.md"
INSTALL=0
BACKEND_PORTS=(19001 19002 19003)
NGINX_PROXY_PORT=18060
NGINX_LOCAL_PORT=18062
PROXY_CPU=0
LOAD_CPU=1
REQUEST_PATH="/"

# The targets: id -> "app port admin-port environment..." (.NET), or nginx (the proxy) and direct (wrk at a backend).
# Inline I/O: SCHED = Kestrel's SocketTransportOptions.UnsafePreferInlineScheduling (GWBENCH_INLINE_SCHEDULING=1 in the
# bench host), COMPL = the runtime's DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 for the process.
SCHED="GWBENCH_INLINE_SCHEDULING=1"
COMPL="DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1"
declare -A SPEC=(
  [ek]="EdgeKitGateway 18080 18081"
  [ek-sched]="EdgeKitGateway 18082 18083 $SCHED"
  [ek-compl]="EdgeKitGateway 18084 18085 $COMPL"
  [ek-both]="EdgeKitGateway 18086 18087 $SCHED $COMPL"
  [ek-health]="EdgeKitGateway 18088 18089 GWBENCH_FEATURES=health"
  [ek-limit]="EdgeKitGateway 18092 18093 GWBENCH_FEATURES=limit"
  [ek-full]="EdgeKitGateway 18094 18095 GWBENCH_FEATURES=health,limit"
  [ek-full-both]="EdgeKitGateway 18096 18097 GWBENCH_FEATURES=health,limit $SCHED $COMPL"
  [ek-tr]="EdgeKitGateway 18100 18101 GWBENCH_TRANSPORT=EdgeKit"
  [ek-tr-both]="EdgeKitGateway 18102 18103 GWBENCH_TRANSPORT=EdgeKit $SCHED $COMPL"
  [ek-full-tr-both]="EdgeKitGateway 18104 18105 GWBENCH_FEATURES=health,limit GWBENCH_TRANSPORT=EdgeKit $SCHED $COMPL"
  [ek-tr-epoll]="EdgeKitGateway 18108 18109 GWBENCH_TRANSPORT=EdgeKit $SCHED $COMPL GWBENCH_EPOLL=1"
  [ek-full-tr-epoll]="EdgeKitGateway 18106 18107 GWBENCH_FEATURES=health,limit GWBENCH_TRANSPORT=EdgeKit $SCHED $COMPL GWBENCH_EPOLL=1"
  [yarp]="YarpGateway 18090 18091"
  [yarp-both]="YarpGateway 18098 18099 $SCHED $COMPL"
  [floor]="FloorProxy 18070 18071"
  [kestrel]="FloorProxy 18072 18073 GWBENCH_FLOOR=local $SCHED $COMPL"
  [kestrel-epoll]="FloorProxy 18110 18111 GWBENCH_FLOOR=local GWBENCH_EPOLL=1 $SCHED $COMPL"
)
declare -A NAME=(
  [ek]="EdgeKit, bare routing (round robin, outlier detection off)"
  [ek-sched]="EdgeKit, bare + Kestrel UnsafePreferInlineScheduling"
  [ek-compl]="EdgeKit, bare + DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1"
  [ek-both]="EdgeKit, bare + both inline settings"
  [ek-health]="EdgeKit, + active/passive health"
  [ek-limit]="EdgeKit, + per-client rate limiter"
  [ek-full]="EdgeKit, + health + limiter"
  [ek-full-both]="EdgeKit, + health + limiter + both inline settings"
  [ek-tr]="EdgeKit, bare on EdgeKit's own transport"
  [ek-tr-both]="EdgeKit, bare on EdgeKit's own transport + both inline settings"
  [ek-full-tr-both]="EdgeKit, + health + limiter on EdgeKit's own transport + both inline settings"
  [ek-tr-epoll]="EdgeKit, bare on EdgeKit's own transport + both inline settings + EdgeKit's epoll engine (GWBENCH_EPOLL=1)"
  [ek-full-tr-epoll]="EdgeKit, + health + limiter on EdgeKit's own transport + both inline settings + EdgeKit's epoll engine (GWBENCH_EPOLL=1)"
  [yarp]="YARP 2.3.0 (its defaults)"
  [yarp-both]="YARP 2.3.0 + both inline settings"
  [floor]="floor (FloorProxy)"
  [kestrel]="Kestrel alone, answering locally + both inline settings (no backend)"
  [kestrel-epoll]="Kestrel alone, answering locally on EdgeKit's socket transport, inline (no backend)"
  [nginx-local]="nginx alone, answering locally (no backend)"
  [nginx]="nginx as the proxy"
  [direct]="direct (wrk at one nginx backend)"
)
ALL_TARGETS=(ek ek-sched ek-compl ek-both ek-health ek-limit ek-full ek-full-both ek-tr ek-tr-both ek-full-tr-both ek-tr-epoll ek-full-tr-epoll yarp yarp-both floor kestrel kestrel-epoll nginx nginx-local direct)
TARGETS_ARG="ek,ek-sched,ek-compl,ek-both,ek-health,ek-limit,ek-full,ek-full-both,ek-tr,ek-tr-both,ek-full-tr-both,ek-tr-epoll,ek-full-tr-epoll,yarp,yarp-both,kestrel,kestrel-epoll,nginx,nginx-local,direct"

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; echo "targets: ${ALL_TARGETS[*]} (default: ${TARGETS_ARG//,/ })"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --install) INSTALL=1; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --targets) TARGETS_ARG="$2"; shift 2 ;;
    --warmup-min-chunks) WARMUP_MIN_CHUNKS="$2"; shift 2 ;;
    --warmup-max-chunks) WARMUP_MAX_CHUNKS="$2"; shift 2 ;;
    --syscall-seconds) SYSCALL_SECONDS="$2"; shift 2 ;;
    --no-profile) PROFILE=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in ROUNDS DURATION CONNECTIONS WARMUP_MIN_CHUNKS WARMUP_MAX_CHUNKS SYSCALL_SECONDS; do
  [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || { echo "--${n,,} must be a positive integer, not '${!n}'" >&2; exit 2; }
done
(( DURATION <= 600 && ROUNDS <= 20 && SYSCALL_SECONDS <= 60 )) || { echo "bounded: --duration at most 600 s, --rounds at most 20, --syscall-seconds at most 60" >&2; exit 2; }
IFS=',' read -r -a TARGETS <<< "$TARGETS_ARG"
for t in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "unknown target '$t' (${ALL_TARGETS[*]})" >&2; exit 2; }
done

source "$ROOT/benchmarks/lib.sh"

# ---------------------------------------------------------------------------------------------- tools
need_install=()
[[ -x "$NGINX" ]] || need_install+=(nginx-light)
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
  NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
fi
require_tools wrk taskset curl awk dotnet getconf
# System calls: perf stat's syscall tracepoints when they can be read here (root or perf_event_paranoid <= -1), else
# strace -c; neither: the columns say n/a.
SYSCALL_TOOL=none
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -a -- true >/dev/null 2>&1; then SYSCALL_TOOL=perf
elif command -v strace >/dev/null; then SYSCALL_TOOL=strace; fi
[[ $SYSCALL_TOOL == perf ]] || PROFILE=0

ports=("${BACKEND_PORTS[@]}" $NGINX_PROXY_PORT $NGINX_LOCAL_PORT)
for t in "${TARGETS[@]}"; do [[ -n "${SPEC[$t]:-}" ]] && { read -r _ p a _ <<< "${SPEC[$t]}"; ports+=($p $a); }; done
ports_free "${ports[@]}"

# ---------------------------------------------------------------------------------------------- processes
WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgekit-gwbench.XXXXXX")"
bench_trap_cleanup   # every process started is stopped by its PID on exit (../lib.sh)

# nginx backends: their own prefix and config, one worker, no access log, a small JSON body on three ports.
mkdir -p "$WORK/nginx"
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
start_nginx "$WORK/nginx" $LOAD_CPU
for port in "${BACKEND_PORTS[@]}"; do wait_http "http://127.0.0.1:$port/" "nginx"; done
log "nginx backends up (pid $NGINX_PID, CPU $LOAD_CPU) on ports ${BACKEND_PORTS[*]}"

declare -A URL ADMIN PID
BACKENDS="$(printf '127.0.0.1:%s,' "${BACKEND_PORTS[@]}")"; BACKENDS="${BACKENDS%,}"

# nginx as the proxy: one process (master_process off, so that perf and strace see all its work under one PID) pinned
# alone to CPU 0, the same three backends round robin over kept-alive HTTP/1.1 connections, and the three
# X-Forwarded-* headers the .NET gateways add.
if [[ " ${TARGETS[*]} " == *" nginx "* ]]; then
  mkdir -p "$WORK/proxy-nginx"
  {
    echo "worker_processes 1;"
    echo "master_process off;"
    echo "daemon off;"
    echo "pid $WORK/proxy-nginx/nginx.pid;"
    echo "error_log $WORK/proxy-nginx/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "  access_log off;"
    echo "  keepalive_requests 10000000;"
    echo "  upstream backends {"
    for port in "${BACKEND_PORTS[@]}"; do echo "    server 127.0.0.1:$port;"; done
    echo "    keepalive 64;"
    echo "    keepalive_requests 10000000;"
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:$NGINX_PROXY_PORT;"
    echo "    location / {"
    echo "      proxy_pass http://backends;"
    echo "      proxy_http_version 1.1;"
    echo "      proxy_set_header Connection \"\";"
    echo "      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
    echo "      proxy_set_header X-Forwarded-Proto \$scheme;"
    echo "      proxy_set_header X-Forwarded-Host \$host;"
    echo "    }"
    echo "  }"
    echo "}"
  } > "$WORK/proxy-nginx/nginx.conf"
  start_nginx "$WORK/proxy-nginx" $PROXY_CPU
  PID[nginx]=$NGINX_PID
  URL[nginx]="http://127.0.0.1:$NGINX_PROXY_PORT$REQUEST_PATH"
  wait_http "${URL[nginx]}" "nginx (proxy)"
  log "nginx proxy up (pid ${PID[nginx]}, CPU $PROXY_CPU) on port $NGINX_PROXY_PORT"
fi

# nginx alone (the "nginx-local" floor): the same single process pinned alone to CPU 0, answering the backends' body
# itself, so that "nginx as the proxy" minus this row is what nginx spends on the backend side of a request.
if [[ " ${TARGETS[*]} " == *" nginx-local "* ]]; then
  mkdir -p "$WORK/local-nginx"
  {
    echo "worker_processes 1;"
    echo "master_process off;"
    echo "daemon off;"
    echo "pid $WORK/local-nginx/nginx.pid;"
    echo "error_log $WORK/local-nginx/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "  access_log off;"
    echo "  keepalive_requests 10000000;"
    echo "  server {"
    echo "    listen 127.0.0.1:$NGINX_LOCAL_PORT;"
    echo "    location / { default_type application/json; return 200 '{\"ok\":true,\"service\":\"bench\",\"items\":[1,2,3]}'; }"
    echo "  }"
    echo "}"
  } > "$WORK/local-nginx/nginx.conf"
  start_nginx "$WORK/local-nginx" $PROXY_CPU
  PID[nginx-local]=$NGINX_PID
  URL[nginx-local]="http://127.0.0.1:$NGINX_LOCAL_PORT$REQUEST_PATH"
  wait_http "${URL[nginx-local]}" "nginx (local answers)"
  log "nginx (local answers) up (pid ${PID[nginx-local]}, CPU $PROXY_CPU) on port $NGINX_LOCAL_PORT"
fi

apps=()
for t in "${TARGETS[@]}"; do
  [[ -n "${SPEC[$t]:-}" ]] || continue
  read -r app _ <<< "${SPEC[$t]}"
  [[ " ${apps[*]} " == *" $app "* ]] || apps+=("$app")
done
[[ ${#apps[@]} -gt 0 ]] && publish_apps "${apps[@]}"

# The same runtime settings for every .NET target. Workstation GC: with one core there is one heap either way, and
# server GC would only reserve more memory. Call counting starts at once so tiering settles in seconds. The perf map
# (written when a method is compiled, nothing per request) lets perf name JIT-compiled frames in the profile; W^X off so
# that JIT-compiled code lives in memory perf can map to those names (W^X costs at JIT time, not per request).
DOTNET_ENV=(DOTNET_gcServer=0 DOTNET_TC_CallCountingDelayMs=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
start_gateway() { # target
  local app port admin extra
  read -r app port admin extra <<< "${SPEC[$1]}"
  # shellcheck disable=SC2086 # extra holds NAME=value words
  taskset -c $PROXY_CPU env "${DOTNET_ENV[@]}" $extra dotnet "$WORK/$app/$app.dll" --port "$port" --admin-port "$admin" \
    --backends "$BACKENDS" > "$WORK/$1.out" 2>&1 &
  PIDS+=($!)
  PID[$1]=$!
  URL[$1]="http://127.0.0.1:$port$REQUEST_PATH"
  ADMIN[$1]="http://127.0.0.1:$admin/__alloc"
  wait_http "${ADMIN[$1]}" "$1 (admin)"
  wait_http "${URL[$1]}" "$1"
  log "$1 up (pid ${PID[$1]}, CPU $PROXY_CPU): $(head -n1 "$WORK/$1.out")"
}
for t in "${TARGETS[@]}"; do [[ -n "${SPEC[$t]:-}" ]] && start_gateway "$t"; done
URL[direct]="http://127.0.0.1:${BACKEND_PORTS[0]}$REQUEST_PATH"
is_dotnet() { [[ -n "${SPEC[$1]:-}" ]]; }

# ---------------------------------------------------------------------------------------------- measuring
CLK_TCK="$(getconf CLK_TCK)"
allocated() { # target -> allocated bytes and gen0..2 counts of the gateway process
  curl -fsS --max-time 5 "${ADMIN[$1]}" | awk '/^(allocated_bytes|gen0|gen1|gen2) / { printf "%s ", $2 }'
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
  # WARMUP_MIN_CHUNKS) end the warm-up, so that one noisy dip does not end it early. nginx and direct need no JIT
  # warm-up: one chunk each.
  local best=0 flat=0 chunk=0 rps line progression="" min=$WARMUP_MIN_CHUNKS max=$WARMUP_MAX_CHUNKS
  is_dotnet "$1" || { min=1; max=1; }
  while (( chunk < max )); do
    chunk=$((chunk + 1))
    line="$(run_wrk "$1" "$WARMUP_CHUNK")"
    rps="$(awk '{ printf "%.0f", $2 }' <<< "$line")"
    progression+="${progression:+ → }$rps"
    if awk -v a="$rps" -v b="$best" -v g="$WARMUP_GAIN" 'BEGIN { exit !(a >= b * (1 + g / 100)) }'; then
      best=$rps; flat=0
    else
      flat=$((flat + 1))
    fi
    (( flat >= 2 && chunk >= min )) && break
  done
  local note=""
  is_dotnet "$1" && (( flat < 2 )) && note=", **still rising when the warm-up limit was reached**"
  log "warm-up $1: $progression req/s ($chunk × ${WARMUP_CHUNK}s)${note:+ (still rising)}"
  WARMUP_NOTES+=("- ${NAME[$1]}: $progression req/s ($chunk chunk(s) of ${WARMUP_CHUNK} s$note)")
}

UPTIME_BEFORE="$(uptime)"
START_TIME="$(date -u '+%Y-%m-%d %H:%M UTC')"
for target in "${TARGETS[@]}"; do warm_up "$target"; done

# rounds.tsv: round target requests rps p50 p99 errors cpu_us_per_req cpu1_busy_pct alloc_b_per_req gen0 gen1 gen2
#             rss_mib cpu0_busy_pct kernel_share_pct cpu0_us_per_req
# cpu_us_per_req is the proxy process's own CPU time (user + system, all threads, /proc/<pid>/stat) per request, so that
# other work on CPU 0 (a busy shared machine) does not count; cpu0_us_per_req is all of CPU 0's busy time per request.
RAW="$WORK/rounds.tsv"
: > "$RAW"
for (( round = 1; round <= ROUNDS; round++ )); do
  order=()
  for (( i = 0; i < ${#TARGETS[@]}; i++ )); do order+=("${TARGETS[$(( (round - 1 + i) % ${#TARGETS[@]} ))]}"); done
  log "round $round/$ROUNDS: ${order[*]}"
  for target in "${order[@]}"; do
    alloc_before="0 0 0 0"; is_dotnet "$target" && alloc_before="$(allocated "$target")"
    pu_a=0; ps_a=0; pu_b=0; ps_b=0
    [[ -n "${PID[$target]:-}" ]] && read -r pu_a ps_a < <(process_ticks "${PID[$target]}")
    read -r busy0_a total0_a _ _ < <(cpu_ticks $PROXY_CPU)
    read -r busy1_a total1_a _ _ < <(cpu_ticks $LOAD_CPU)
    line="$(run_wrk "$target" "$DURATION")"
    read -r busy0_b total0_b _ _ < <(cpu_ticks $PROXY_CPU)
    read -r busy1_b total1_b _ _ < <(cpu_ticks $LOAD_CPU)
    [[ -n "${PID[$target]:-}" ]] && read -r pu_b ps_b < <(process_ticks "${PID[$target]}")
    alloc_after="0 0 0 0"; rss="n/a"
    if is_dotnet "$target"; then alloc_after="$(allocated "$target")"; fi
    [[ -n "${PID[$target]:-}" ]] && rss="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/${PID[$target]}/status")"
    read -r requests rps p50 p99 errors <<< "$line"
    awk -v r="$round" -v t="$target" -v line="$line" -v req="$requests" -v hz="$CLK_TCK" \
        -v b0="$((busy0_b - busy0_a))" -v t0="$((total0_b - total0_a))" -v b1="$((busy1_b - busy1_a))" -v t1="$((total1_b - total1_a))" \
        -v pu="$((pu_b - pu_a))" -v ps="$((ps_b - ps_a))" -v before="$alloc_before" -v after="$alloc_after" -v rss="$rss" \
        -v dotnet="$(is_dotnet "$target" && echo 1 || echo 0)" -v direct="$([[ $target == direct ]] && echo 1 || echo 0)" '
      BEGIN {
        split(before, a, " "); split(after, z, " ")
        cpu = direct ? "n/a" : sprintf("%.1f", (pu + ps) * 1e6 / hz / req)
        cpu0 = direct ? "n/a" : sprintf("%.1f", b0 * 1e6 / hz / req)
        busy1 = t1 > 0 ? 100 * b1 / t1 : 0
        busy0 = t0 > 0 ? 100 * b0 / t0 : 0
        kernel = (direct || pu + ps == 0) ? "n/a" : sprintf("%.0f", 100 * ps / (pu + ps))
        alloc = dotnet ? sprintf("%.0f", (z[1] - a[1]) / req) : "n/a"
        g0 = dotnet ? z[2] - a[2] : "n/a"; g1 = dotnet ? z[3] - a[3] : "n/a"; g2 = dotnet ? z[4] - a[4] : "n/a"
        printf "%d\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\n", r, t, line, cpu, busy1, alloc, g0, g1, g2, rss, busy0, kernel, cpu0
      }' | tr ' ' '\t' >> "$RAW"
    log "  $(tail -n1 "$RAW" | awk -F'\t' '{ printf "%-13s %7.0f req/s  p50 %s  p99 %s ms  err %s  process %s µs/req (kernel %s%%)  CPU0 %s µs/req  CPU1 %s%%  %s B/req", $2, $4, $5, $6, $7, $8, $16, $17, $9, $10 }')"
  done
done

# ---------------------------------------------------------------------------------------------- system calls
# After the timed rounds (the counting costs CPU, so it stays out of them): per proxy, wrk for SYSCALL_SECONDS with the
# proxy's process counted from just before wrk starts to one second after it ends; counts divided by wrk's requests.
SYSCALLS=(sendto recvfrom read write readv writev sendmsg recvmsg epoll_wait epoll_pwait epoll_ctl futex)
SYS="$WORK/syscalls.tsv"   # target requests total ctxsw sendto recvfrom ... futex (counts)
: > "$SYS"
count_syscalls() { # target
  local t=$1 pid=${PID[$1]} window=$((SYSCALL_SECONDS + 1)) out="$WORK/syscalls-$1.txt" line
  if [[ $SYSCALL_TOOL == perf ]]; then
    local events="raw_syscalls:sys_enter,context-switches" s
    for s in "${SYSCALLS[@]}"; do events+=",syscalls:sys_enter_$s"; done
    perf stat -x, -o "$out" -e "$events" -p "$pid" -- sleep "$window" > /dev/null 2>&1 &
  else
    timeout --signal=INT "$window" strace -c -f -q -p "$pid" -o "$out" > /dev/null 2>&1 &
  fi
  local counter=$!
  sleep 0.3
  line="$(run_wrk "$t" "$SYSCALL_SECONDS")"
  wait "$counter" || true
  local requests; requests="$(awk '{ print $1 }' <<< "$line")"
  if [[ $SYSCALL_TOOL == perf ]]; then
    awk -F, -v t="$t" -v req="$requests" -v names="${SYSCALLS[*]}" '
      $3 == "raw_syscalls:sys_enter" { total = $1 } $3 == "context-switches" { cs = $1 }
      $3 ~ /^syscalls:sys_enter_/ { n = $3; sub(/^syscalls:sys_enter_/, "", n); c[n] = $1 }
      END { split(names, k, " "); printf "%s\t%s\t%s\t%s", t, req, total + 0, cs + 0; for (i = 1; i <= length(k); i++) printf "\t%s", c[k[i]] + 0; print "" }' "$out" >> "$SYS"
  else
    awk -v t="$t" -v req="$requests" -v names="${SYSCALLS[*]}" '
      $NF == "total" { total = $4 } $1 ~ /^[0-9.]+$/ && $NF != "total" { c[$NF] = $4 }   # % seconds usecs/call calls [errors] syscall
      END { split(names, k, " "); printf "%s\t%s\t%s\t%s", t, req, total + 0, "n/a"; for (i = 1; i <= length(k); i++) printf "\t%s", c[k[i]] + 0; print "" }' "$out" >> "$SYS"
  fi
  log "  syscalls $t: $(tail -n1 "$SYS" | awk -F'\t' '{ printf "%.2f per request (%s requests)", $3 / $2, $2 }')"
}
if [[ $SYSCALL_TOOL != none ]]; then
  log "counting system calls per request with $SYSCALL_TOOL (${SYSCALL_SECONDS} s per proxy)"
  for t in "${TARGETS[@]}"; do [[ -n "${PID[$t]:-}" ]] && count_syscalls "$t"; done
fi

# ---------------------------------------------------------------------------------------------- profile
# perf record of the proxy's process (its threads in user and kernel mode; softirq work the kernel does for its sockets
# outside its context is not in it) while wrk loads the full EdgeKit gateway, bare EdgeKit and nginx: the shares of
# kernel and user time and the top symbols.
PROFILES=()
profile() { # target
  local t=$1 data="$WORK/perf-$1.data" secs=8
  perf record -q -p "${PID[$t]}" -F 997 -g -o "$data" -- sleep "$secs" > /dev/null 2>&1 &
  local recorder=$!
  sleep 0.3
  run_wrk "$t" "$secs" > /dev/null
  wait "$recorder" || true
  perf report -i "$data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 12 > "$WORK/perf-$t-dso.txt" || true
  perf report -i "$data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 25 > "$WORK/perf-$t-sym.txt" || true
  local kernel; kernel="$(perf report -i "$data" --no-children --sort dso --stdio -g none 2>/dev/null \
    | awk '/^ +[0-9]/ { v = $1; sub(/%/, "", v); if ($2 ~ /kernel/) k += v; else u += v } END { printf "%.0f", k }')"
  PROFILES+=("$t")
  log "  profile $t: kernel ${kernel} % of the process's samples"
}
if (( PROFILE )); then
  log "profiling CPU 0 (perf record)"
  for t in ek-full-tr-epoll ek-full-tr-both ek-full-both ek kestrel-epoll kestrel nginx; do [[ " ${TARGETS[*]} " == *" $t "* ]] && profile "$t"; done
fi
UPTIME_AFTER="$(uptime)"

# ---------------------------------------------------------------------------------------------- report
# column numbers in rounds.tsv
C_RPS=4; C_P50=5; C_P99=6; C_CPU=8; C_CPU1=9; C_ALLOC=10; C_RSS=14; C_CPU0=15; C_KERNEL=16; C_CPU0_REQ=17
stat() { # target column -> "median min max" (or "n/a")
  awk -F'\t' -v t="$1" -v c="$2" '$2 == t && $c != "n/a" { print $c }' "$RAW" | sort -g | awk '
    { v[NR] = $1 } END {
      if (NR == 0) { print "n/a"; exit }
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print m, v[1], v[NR] }'
}
median() { stat "$1" "$2" | awk '{ print $1 }'; }
has() { [[ " ${TARGETS[*]} " == *" $1 "* ]]; }
cell() { # target column format -> "median (min–max)"
  stat "$1" "$2" | awk -v f="$3" '$1 == "n/a" { print "n/a"; next } { printf f " (" f "–" f ")", $1, $2, $3 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
mratio() { # target target column -> ratio of medians (n/a when a target was not run)
  if has "$1" && has "$2"; then ratio "$(median "$1" "$3")" "$(median "$2" "$3")"; else echo "n/a"; fi
}
verdict() { # value op limit
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "n/a") { print "n/a"; exit } ok = op == ">=" ? v >= l : v <= l; print ok ? "met" : "not met" }'
}
sys_per_req() { # target column-in-syscalls.tsv (3 = all, 4 = context switches, 5.. = SYSCALLS) -> per request
  awk -F'\t' -v t="$1" -v c="$2" '$1 == t { if ($c == "n/a" || $2 == 0) print "n/a"; else printf "%.2f", $c / $2; found = 1 } END { if (!found) print "n/a" }' "$SYS" 2>/dev/null || echo "n/a"
}
sys_col() { local i; for i in "${!SYSCALLS[@]}"; do [[ ${SYSCALLS[$i]} == "$1" ]] && { echo $((i + 5)); return; }; done; }
sys_sum() { # target name... -> their summed count per request
  local t=$1; shift; local total=0 n c
  for n in "$@"; do c="$(sys_per_req "$t" "$(sys_col "$n")")"; [[ $c == n/a ]] && { echo n/a; return; }; total="$(awk -v a="$total" -v b="$c" 'BEGIN { print a + b }')"; done
  printf '%.2f' "$total"
}

SMOKE=0
(( ROUNDS < 5 || DURATION < 10 )) && SMOKE=1
MACHINE="$(machine_line)"
FULL=ek-full; has ek-full-both && FULL=ek-full-both; has ek-full-tr-both && FULL=ek-full-tr-both; has ek-full-tr-epoll && FULL=ek-full-tr-epoll
noise_floor="$(has direct && median direct $C_CPU0 || echo n/a)"
total_errors="$(awk -F'\t' '{ n += $7 } END { print n + 0 }' "$RAW")"
nginx_busy1="$(has nginx && median nginx $C_CPU1 || echo n/a)"

{
  echo "# Gateway load benchmark: EdgeKit per feature and inline-I/O setting, YARP 2.3.0 and nginx (wrk)"
  echo
  if (( SMOKE )); then
    echo "> **SMOKE RUN — not a result.** $ROUNDS round(s) of $DURATION s (the method asks for at least 5 rounds of 10 s"
    echo "> on a quiet machine). The timings are provisional. Allocated bytes and system calls per request do not depend"
    echo "> much on timing and are indicative."
    echo
  fi
  echo "Produced by \`benchmarks/gateway/run.sh\` on $START_TIME."
  echo
  echo "Machine: $MACHINE."
  echo
  echo "Load on the machine (\`uptime\`): before \`${UPTIME_BEFORE# }\`; after \`${UPTIME_AFTER# }\`."
  echo
  echo "Setup: nginx backends (1 worker, no access log, \`return 200\` with a small JSON body on ${#BACKEND_PORTS[@]} ports) and wrk pinned to"
  echo "CPU $LOAD_CPU; each proxy pinned alone to CPU $PROXY_CPU (\`taskset\`), one catch-all route to the ${#BACKEND_PORTS[@]} backends, round robin,"
  echo "HTTP/1.1 keep-alive both sides, no logging. \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency\`, $ROUNDS interleaved rounds"
  echo "(order rotated each round). Every .NET target: \`${DOTNET_ENV[*]}\` (TieredPGO on); the rows add"
  echo "\`GWBENCH_FEATURES\` (EdgeKitGateway), \`$SCHED\` (Kestrel's \`UnsafePreferInlineScheduling\`, set by the bench"
  echo "host) and/or \`$COMPL\`. nginx as the proxy: one worker process, \`keepalive 64\` to the backends,"
  echo "the same three X-Forwarded-* headers."
  echo
  echo "Medians over the rounds, min–max in brackets. Syscalls: all system calls of the proxy's process per request, counted"
  echo "with $SYSCALL_TOOL in a separate ${SYSCALL_SECONDS} s window after the rounds."
  echo
  echo "| target | req/s | p50 ms | p99 ms | CPU µs/request (process) | kernel % | allocated B/request | syscalls/request | peak RSS MiB | CPU-0 µs/request (whole core) | CPU-0 busy % | CPU-1 busy % |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    cpu="$(cell "$t" $C_CPU '%.1f')"
    [[ $t == direct ]] && cpu="n/a (nginx and wrk on CPU $LOAD_CPU)"
    echo "| ${NAME[$t]} | $(cell "$t" $C_RPS '%.0f') | $(cell "$t" $C_P50 '%.2f') | $(cell "$t" $C_P99 '%.2f') | $cpu | $(cell "$t" $C_KERNEL '%.0f') | $(cell "$t" $C_ALLOC '%.0f') | $(sys_per_req "$t" 3) | $(cell "$t" $C_RSS '%.1f') | $(cell "$t" $C_CPU0_REQ '%.1f') | $(cell "$t" $C_CPU0 '%.0f') | $(cell "$t" $C_CPU1 '%.0f') |"
  done
  echo
  echo "Ratios of medians, to nginx as the proxy and to YARP in its default setup:"
  echo
  echo "| target | req/s ÷ nginx | CPU µs ÷ nginx | p99 ÷ nginx | req/s ÷ YARP | CPU µs ÷ YARP | p99 ÷ YARP | bytes ÷ YARP |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    [[ $t == direct ]] && continue
    echo "| ${NAME[$t]} | $(mratio "$t" nginx $C_RPS) | $(mratio "$t" nginx $C_CPU) | $(mratio "$t" nginx $C_P99) | $(mratio "$t" yarp $C_RPS) | $(mratio "$t" yarp $C_CPU) | $(mratio "$t" yarp $C_P99) | $(mratio "$t" yarp $C_ALLOC) |"
  done
  echo
  echo "Inline I/O and features, each against EdgeKit's bare row (CPU µs/request and req/s, ratios of medians):"
  echo
  echo "| row | CPU ÷ bare | req/s ÷ bare |"
  echo "|---|---:|---:|"
  for t in ek-sched ek-compl ek-both ek-health ek-limit ek-full; do
    has "$t" && echo "| ${NAME[$t]} | $(mratio "$t" ek $C_CPU) | $(mratio "$t" ek $C_RPS) |"
  done
  has ek-full-both && has ek-both && echo "| ${NAME[ek-full-both]} (against bare + both inline) | $(mratio ek-full-both ek-both $C_CPU) | $(mratio ek-full-both ek-both $C_RPS) |"
  has ek-tr && echo "| ${NAME[ek-tr]} | $(mratio ek-tr ek $C_CPU) | $(mratio ek-tr ek $C_RPS) |"
  has ek-tr-both && has ek-both && echo "| ${NAME[ek-tr-both]} (against bare + both inline) | $(mratio ek-tr-both ek-both $C_CPU) | $(mratio ek-tr-both ek-both $C_RPS) |"
  has ek-full-tr-both && has ek-tr-both && echo "| ${NAME[ek-full-tr-both]} (against bare on its transport + both inline) | $(mratio ek-full-tr-both ek-tr-both $C_CPU) | $(mratio ek-full-tr-both ek-tr-both $C_RPS) |"
  has ek-full-tr-epoll && has ek-tr-epoll && echo "| ${NAME[ek-full-tr-epoll]} (against bare on the epoll engine) | $(mratio ek-full-tr-epoll ek-tr-epoll $C_CPU) | $(mratio ek-full-tr-epoll ek-tr-epoll $C_RPS) |"
  has ek-full-tr-epoll && has ek-full-tr-both && echo "| ${NAME[ek-full-tr-epoll]} (against the same on .NET's sockets) | $(mratio ek-full-tr-epoll ek-full-tr-both $C_CPU) | $(mratio ek-full-tr-epoll ek-full-tr-both $C_RPS) |"
  has yarp-both && echo "| ${NAME[yarp-both]} (against YARP) | $(mratio yarp-both yarp $C_CPU) | $(mratio yarp-both yarp $C_RPS) |"
  echo
  if [[ $SYSCALL_TOOL != none ]]; then
    echo "System calls per request ($SYSCALL_TOOL; counts of the proxy's process in a ${SYSCALL_SECONDS} s window divided by wrk's requests):"
    echo
    echo "| target | all | sendto | recvfrom | read | write | readv/writev/sendmsg/recvmsg | epoll_wait + epoll_pwait | epoll_ctl | futex | other | context switches |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for t in "${TARGETS[@]}"; do
      [[ -n "${PID[$t]:-}" ]] || continue
      echo "| ${NAME[$t]} | $(sys_per_req "$t" 3) | $(sys_sum "$t" sendto) | $(sys_sum "$t" recvfrom) | $(sys_sum "$t" read) | $(sys_sum "$t" write) | $(sys_sum "$t" readv writev sendmsg recvmsg) | $(sys_sum "$t" epoll_wait epoll_pwait) | $(sys_sum "$t" epoll_ctl) | $(sys_sum "$t" futex) | $(awk -v a="$(sys_per_req "$t" 3)" -v b="$(sys_sum "$t" "${SYSCALLS[@]}")" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.2f", a - b }') | $(sys_per_req "$t" 4) |"
    done
    echo
  fi
  echo "Issue 20's targets, for \`${NAME[$FULL]}\`:"
  echo
  full_cpu_nginx="$(mratio $FULL nginx $C_CPU)"; full_rps_yarp="$(mratio $FULL yarp $C_RPS)"
  full_p99_nginx="$(mratio $FULL nginx $C_P99)"; full_alloc_yarp="$(mratio $FULL yarp $C_ALLOC)"
  full_over_bare="$(case $FULL in ek-full-tr-epoll) mratio ek-full-tr-epoll ek-tr-epoll $C_CPU ;; ek-full-tr-both) mratio ek-full-tr-both ek-tr-both $C_CPU ;; ek-full-both) mratio ek-full-both ek-both $C_CPU ;; *) mratio ek-full ek $C_CPU ;; esac)"
  echo "- CPU µs/request ≤ 1.25 × nginx's: $full_cpu_nginx, $(verdict "$full_cpu_nginx" '<=' 1.25)"
  echo "- req/s ≥ 1.5 × YARP's: $full_rps_yarp, $(verdict "$full_rps_yarp" '>=' 1.5)"
  echo "- p99 ≤ 1.5 × nginx's: $full_p99_nginx, $(verdict "$full_p99_nginx" '<=' 1.5)"
  echo "- allocated bytes ≤ 0.25 × YARP's: $full_alloc_yarp, $(verdict "$full_alloc_yarp" '<=' 0.25)"
  echo "- health + limiter cost ≤ 10 % CPU over bare routing (same I/O settings): $full_over_bare, $(verdict "$full_over_bare" '<=' 1.10)"
  echo
  if has kestrel && has nginx-local; then
    # The client side alone, split out: a proxy's CPU per request is its client side (accept the request, answer it) plus
    # its backend side (send the request on, read the answer). "kestrel" and "nginx-local" are the client side alone.
    k_cpu="$(median kestrel $C_CPU)"; nl_cpu="$(median nginx-local $C_CPU)"
    echo "The client side alone (no backend), and the backend side as proxy minus client side (CPU µs/request, medians):"
    echo
    echo "| platform | client side alone | kernel % | as a proxy | backend side (proxy − client side) |"
    echo "|---|---:|---:|---:|---:|"
    if has nginx; then n_cpu="$(median nginx $C_CPU)"; else n_cpu=n/a; fi
    echo "| nginx | $nl_cpu | $(median nginx-local $C_KERNEL) | $n_cpu | $(awk -v a="$n_cpu" -v b="$nl_cpu" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.1f", a - b }') |"
    if has "$FULL"; then f_cpu="$(median "$FULL" $C_CPU)"; else f_cpu=n/a; fi
    echo "| Kestrel + both inline settings / \`${NAME[$FULL]}\` | $k_cpu | $(median kestrel $C_KERNEL) | $f_cpu | $(awk -v a="$f_cpu" -v b="$k_cpu" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.1f", a - b }') |"
    echo
    echo "Kestrel's client side alone ÷ nginx's: $(ratio "$k_cpu" "$nl_cpu"); Kestrel's client side alone ÷ nginx as a whole proxy: $(ratio "$k_cpu" "$n_cpu")."
    echo "1.25 × nginx's proxy CPU leaves $(awk -v a="$n_cpu" -v b="$k_cpu" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.1f", 1.25 * a - b }') µs/request for everything a Kestrel-based proxy does beyond Kestrel's client side (nginx spends $(awk -v a="$n_cpu" -v b="$nl_cpu" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.1f", a - b }') µs on its backend side)."
    echo
  fi
  echo "Failed requests (non-2xx and socket errors, all rounds): $total_errors."
  if (( SMOKE )); then echo; echo "(Verdicts on timings from a smoke run mean nothing; see the note at the top.)"; fi
  if awk -v n="$noise_floor" 'BEGIN { exit !(n != "n/a" && n > 10) }'; then
    echo
    echo "**Warning: the proxy's core was not quiet.** CPU 0 was ${noise_floor} % busy while no proxy was loaded (direct"
    echo "rounds): other processes shared the proxy's core, so req/s, latency and CPU/request are understated or noisy."
  fi
  if awk -v n="$nginx_busy1" 'BEGIN { exit !(n != "n/a" && n >= 95) }'; then
    echo
    echo "**The load side limits nginx.** CPU $LOAD_CPU (wrk and the backends) was ${nginx_busy1} % busy during nginx's rounds: nginx's"
    echo "req/s is understated (its CPU µs/request, measured on CPU $PROXY_CPU, still holds)."
  fi
  echo
  echo "CPU µs/request (process) is the proxy process's own CPU time (user + system of all its threads, \`/proc/<pid>/stat\`)"
  echo "during the round divided by the requests served: what the ratios use, since other work on a shared machine also runs"
  echo "on CPU 0; kernel % is the system share of that time. CPU-0 µs/request (whole core) is CPU 0's busy time (user, nice,"
  echo "system, irq, softirq, steal from \`/proc/stat\`) per request: it adds softirq work done outside the process and"
  echo "anything else that ran on CPU 0. Allocated B/request"
  echo "is the gateway's \`GC.GetTotalAllocatedBytes(true)\` delta over the round (read from its separate admin listener)"
  echo "divided by the requests; peak RSS is the process's \`VmHWM\`. CPU-1 busy % shows the load side: near 100 % means"
  echo "wrk and the backends, not the proxy, may be the limit. CPU-0 busy % during the direct rounds is the noise floor."
  echo "The .NET targets all stay up for the whole run (idle when not loaded); the health rows probe the backends once a"
  echo "second each."
  if [[ ${#PROFILES[@]} -gt 0 ]]; then
    echo
    echo "## Where the proxy's time goes (perf record -g of its process, 8 s under load)"
    for t in "${PROFILES[@]}"; do
      echo
      echo "**${NAME[$t]}**, by binary (share of samples):"
      echo
      echo '```text'
      cat "$WORK/perf-$t-dso.txt"
      echo '```'
      echo
      echo "Top symbols:"
      echo
      echo '```text'
      cat "$WORK/perf-$t-sym.txt"
      echo '```'
    done
  fi
  echo
  echo "Warm-up (${WARMUP_CHUNK} s chunks until a chunk gains < ${WARMUP_GAIN} %):"
  echo
  printf '%s\n' "${WARMUP_NOTES[@]}"
  echo
  echo "<details><summary>Every round</summary>"
  echo
  echo "| round | target | requests | req/s | p50 ms | p99 ms | errors | CPU µs/req (process) | CPU-1 busy % | B/req | gen0 | gen1 | gen2 | peak RSS MiB | CPU-0 busy % | kernel % | CPU-0 µs/req |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' 'BEGIN { OFS = " | " } { $1 = $1; print "| " $0 " |" }' "$RAW"
  echo
  echo "</details>"
} > "$WORK/report.md"

mkdir -p "$(dirname "$OUT")"
cp "$WORK/report.md" "$OUT"
cat "$WORK/report.md"
log "written to $OUT"

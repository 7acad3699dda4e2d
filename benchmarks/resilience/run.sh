#!/usr/bin/env bash
# Issue 19's side-by-side resilience benchmark: EdgeKit, YARP 2.3.0 and nginx in front of three nginx backends on
# 127.0.0.1, a fault injected under load, the failed requests counted (see README.md beside this script).
#
#   benchmarks/resilience/run.sh [--rounds N] [--duration S] [--fault-at S] [--warmup S] [--connections N]
#                                [--scenarios A,A2,B,C,D,E,R,M] [--proxies edgekit,yarp,nginx] [--out FILE]
#
# Each run starts fresh backends and a fresh proxy (the proxy pinned to CPU 0, backends and wrk to CPU 1), warms a
# .NET proxy up, then runs wrk -t1 -cN for --duration seconds and injects the scenario's fault at --fault-at seconds.
# Every process it starts is stopped by its PID when it exits. Defaults: 3 rounds of 20 s, fault at 5 s.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/benchmarks/resilience"
source "$ROOT/benchmarks/lib.sh"
ROUNDS=3
DURATION=20
FAULT_AT=5
WARMUP=10
CONNECTIONS=32
SCENARIOS="A,A2,B,C,D,E,R,M"
PROXIES="edgekit,yarp,nginx"
OUT="$ROOT/benchmarks/results/resilience-$(date -u +%Y-%m-%d).md"
BACKEND_PORTS=(29101 29102 29103 29104)   # the fourth is the new address of scenario M
EDGEKIT_PORT=29180; EDGEKIT_ADMIN=29181
YARP_PORT=29190;    YARP_ADMIN=29191
NGINX_PORT=29200
PROXY_CPU=0
LOAD_CPU=1
TIMEOUT="00:00:02"   # per-request timeout of every proxy (scenario B freezes a backend for 10 s)

# EdgeKit's gateway retries (docs/gateway.md, "Retries"): JSON members added to the EdgeKit route "all". Each try may
# take $TIMEOUT, as nginx's proxy_read_timeout is per try; the route's own Timeout then bounds all tries together.
# Set EDGEKIT_ROUTE_RETRY=none for the figures without gateway retries.
DEFAULT_ROUTE_RETRY='"Retry": { "AttemptTimeout": "'"$TIMEOUT"'", "TotalTimeout": "00:00:06" }'
EDGEKIT_ROUTE_RETRY="${EDGEKIT_ROUTE_RETRY:-$DEFAULT_ROUTE_RETRY}"
EDGEKIT_ROUTE_TIMEOUT="00:00:06"
if [[ "$EDGEKIT_ROUTE_RETRY" == none ]]; then EDGEKIT_ROUTE_RETRY=""; EDGEKIT_ROUTE_TIMEOUT="$TIMEOUT"; fi
EDGEKIT_EXTRA=""     # top-level EdgeKit members of one variant (scenario R runs EdgeKit with "ReloadThreadReserve": 0 too)
# --------------------------------------------------------------------------------------------------------------------

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --fault-at) FAULT_AT="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --proxies) PROXIES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in ROUNDS DURATION FAULT_AT CONNECTIONS; do
  [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || { echo "--${n,,} must be a positive integer, not '${!n}'" >&2; exit 2; }
done
[[ "$WARMUP" =~ ^[0-9]+$ ]] || { echo "--warmup must be a whole number of seconds, not '$WARMUP'" >&2; exit 2; }
(( DURATION >= FAULT_AT + 12 )) || { echo "--duration must be at least --fault-at + 12 s (scenario B freezes for 10 s)" >&2; exit 2; }
(( DURATION <= 600 && ROUNDS <= 20 )) || { echo "bounded: --duration at most 600 s, --rounds at most 20" >&2; exit 2; }
IFS=',' read -r -a SCENARIO_LIST <<< "$SCENARIOS"
IFS=',' read -r -a PROXY_LIST <<< "$PROXIES"
for s in "${SCENARIO_LIST[@]}"; do [[ " A A2 B C D E R M " == *" $s "* ]] || { echo "unknown scenario '$s' (A A2 B C D E R M)" >&2; exit 2; }; done
for p in "${PROXY_LIST[@]}"; do [[ " edgekit yarp nginx " == *" $p "* ]] || { echo "unknown proxy '$p' (edgekit yarp nginx)" >&2; exit 2; }; done

require_tools wrk taskset curl awk dotnet
ports_free "${BACKEND_PORTS[@]}" $EDGEKIT_PORT $EDGEKIT_ADMIN $YARP_PORT $YARP_ADMIN $NGINX_PORT

# ---------------------------------------------------------------------------------------------- processes
WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgekit-resilience.XXXXXX")"
bench_trap_cleanup   # stop_all on exit (../lib.sh)

declare -A BACKEND_PID
# One nginx process per backend (master_process off), so that kill -9 and SIGSTOP hit exactly one backend. It answers
# 200 with a small JSON body to everything (health probes included), 503 while the file <dir>/fail503 exists
# (scenario C), and logs "<msec> <method> <X-Request-Id>" per request when logging is on (scenarios D and M).
start_backend() { # index (1-4), log (0/1)
  local i=$1 port=${BACKEND_PORTS[$(($1 - 1))]} dir="$WORK/backend$1"
  mkdir -p "$dir/logs"
  rm -f "$dir/fail503" "$dir/access.log"
  local access="access_log off;"
  [[ $2 -eq 1 ]] && access="log_format ids '\$msec \$request_method \$http_x_request_id'; access_log $dir/access.log ids;"
  cat > "$dir/nginx.conf" <<EOF
worker_processes 1;
master_process off;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log crit;
events { worker_connections 4096; }
http {
  $access
  keepalive_requests 10000000;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      if (-f $dir/fail503) { return 503 '{"error":"unavailable"}'; }
      return 200 '{"ok":true,"backend":$i}';
    }
  }
}
EOF
  start_nginx "$dir" $LOAD_CPU
  BACKEND_PID[$i]=$NGINX_PID
  wait_http "http://127.0.0.1:$port/" "backend $i"
}

DOTNET_ENV=(DOTNET_gcServer=0 DOTNET_TC_CallCountingDelayMs=0 DOTNET_CLI_TELEMETRY_OPTOUT=1)
PROXY_PID=""
PROXY_URL=""

# The proxies' configuration: round robin over the backends named, a 2 s timeout, active health checks every second
# (EdgeKit, YARP) and passive health (YARP; EdgeKit's outlier detection is on by default; nginx max_fails).
# $1 = destination ports (space separated), $2 = a marker that changes on every reload (scenario R).
edgekit_config() {
  local dests="" i=0 port
  for port in $1; do i=$((i + 1)); dests+="${dests:+, }\"d$i\": { \"Address\": \"http://127.0.0.1:$port\" }"; done
  cat <<EOF
{
  "EdgeKit": {
    $EDGEKIT_EXTRA
    "Routes": {
      "all": { "Match": { "Path": "/{**catch-all}" }, "Cluster": "backends", "Timeout": "$EDGEKIT_ROUTE_TIMEOUT"${EDGEKIT_ROUTE_RETRY:+, $EDGEKIT_ROUTE_RETRY} },
      "reload-marker": { "Match": { "Path": "/__marker/$2" }, "Cluster": "backends" }
    },
    "Clusters": {
      "backends": {
        "LoadBalancing": { "Strategy": "RoundRobin" },
        "HttpClient": { "RequestVersion": "1.1", "ConnectTimeout": "$TIMEOUT" },
        "Health": { "Active": { "Enabled": true, "Path": "/health", "Interval": "00:00:01", "Timeout": "00:00:01" } },
        "Destinations": { $dests }
      }
    }
  }
}
EOF
}
yarp_config() {
  local dests="" i=0 port
  for port in $1; do i=$((i + 1)); dests+="${dests:+, }\"d$i\": { \"Address\": \"http://127.0.0.1:$port/\" }"; done
  cat <<EOF
{
  "ReverseProxy": {
    "Routes": {
      "all": { "ClusterId": "backends", "Match": { "Path": "{**catch-all}" } },
      "reload-marker": { "ClusterId": "backends", "Match": { "Path": "/__marker/$2" } }
    },
    "Clusters": {
      "backends": {
        "LoadBalancingPolicy": "RoundRobin",
        "HealthCheck": {
          "Active": { "Enabled": true, "Interval": "00:00:01", "Timeout": "00:00:01", "Policy": "ConsecutiveFailures", "Path": "/health" },
          "Passive": { "Enabled": true, "Policy": "TransportFailureRate", "ReactivationPeriod": "00:00:10" }
        },
        "HttpRequest": { "ActivityTimeout": "$TIMEOUT", "Version": "1.1", "VersionPolicy": "RequestVersionOrLower" },
        "Destinations": { $dests }
      }
    }
  }
}
EOF
}
nginx_config() {
  local servers="" port
  for port in $1; do servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=10s;"$'\n'; done
  cat <<EOF
worker_processes 1;
daemon off;
pid $WORK/proxy-nginx/nginx.pid;
error_log $WORK/proxy-nginx/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backends {
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /__marker/$2 { return 204; }
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
      proxy_send_timeout 2s;
      proxy_read_timeout 2s;
    }
  }
}
EOF
}

write_config() { # proxy, ports, marker (written in place, as an operator's edit would be)
  case "$1" in
    edgekit) edgekit_config "$2" "$3" > "$WORK/edgekit.json.new"; cat "$WORK/edgekit.json.new" > "$WORK/edgekit.json" ;;
    yarp)    yarp_config "$2" "$3" > "$WORK/yarp.json.new"; cat "$WORK/yarp.json.new" > "$WORK/yarp.json" ;;
    nginx)   nginx_config "$2" "$3" > "$WORK/proxy-nginx/nginx.conf" ;;
  esac
}
reload_proxy() { # proxy: the file watchers of the .NET proxies see the edit themselves; nginx is told with SIGHUP
  [[ "$1" == nginx ]] && kill -HUP "$PROXY_PID"
  return 0
}

start_proxy() { # proxy, ports
  mkdir -p "$WORK/proxy-nginx/logs"
  write_config "$1" "$2" 0
  case "$1" in
    edgekit)
      taskset -c $PROXY_CPU env "${DOTNET_ENV[@]}" GWBENCH_CONFIG="$WORK/edgekit.json" \
        dotnet "$WORK/EdgeKitGateway/EdgeKitGateway.dll" --port $EDGEKIT_PORT --admin-port $EDGEKIT_ADMIN > "$WORK/proxy.log" 2>&1 &
      PROXY_URL="http://127.0.0.1:$EDGEKIT_PORT/" ;;
    yarp)
      taskset -c $PROXY_CPU env "${DOTNET_ENV[@]}" GWBENCH_CONFIG="$WORK/yarp.json" \
        dotnet "$WORK/YarpGateway/YarpGateway.dll" --port $YARP_PORT --admin-port $YARP_ADMIN > "$WORK/proxy.log" 2>&1 &
      PROXY_URL="http://127.0.0.1:$YARP_PORT/" ;;
    nginx)
      start_nginx "$WORK/proxy-nginx" $PROXY_CPU
      PROXY_URL="http://127.0.0.1:$NGINX_PORT/" ;;
  esac
  if [[ "$1" == nginx ]]; then PROXY_PID=$NGINX_PID; else PROXY_PID=$!; PIDS+=("$PROXY_PID"); fi
  wait_http "$PROXY_URL" "$1"
}

# run_wrk seconds method -> wrk's output in $WORK/wrk.out
run_wrk() {
  WRK_METHOD="$2" timeout $(($1 + 30)) taskset -c $LOAD_CPU wrk -t1 -c"$CONNECTIONS" -d"$1"s --timeout 5s --latency \
    -s "$HERE/stats.lua" "$PROXY_URL" > "$WORK/wrk.out" 2>&1 || die "wrk against $PROXY_URL failed: $(cat "$WORK/wrk.out")"
}
# wrk_figures -> "requests rps failed p99ms non2xx socket last_failed_second failed_in_last_5s"
wrk_figures() {
  local out="$WORK/wrk.out"
  local requests rps p99 non2xx socket
  requests="$(awk '/requests in/ { print $1 }' "$out")"
  rps="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")"
  p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")" 2)"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }' "$out")"
  socket="$(awk '/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$out")"
  [[ -n "$requests" && -n "$rps" ]] || die "could not read wrk's output: $(cat "$out")"
  local last tail
  last="$(awk '$1 == "SECOND" && $4 > 0 { s = $2 } END { print (s == "" ? "-" : s) }' "$out")"
  tail="$(awk -v d="$DURATION" '$1 == "SECOND" && $2 >= d - 5 { n += $4 } END { print n + 0 }' "$out")"
  echo "$requests $rps $((non2xx + socket)) $p99 $non2xx $socket $last $tail"
}

[[ ",$PROXIES," == *,edgekit,* || ",$PROXIES," == *,yarp,* ]] && publish_apps EdgeKitGateway YarpGateway

warm_up() { # proxy
  [[ "$1" == nginx || "$WARMUP" -eq 0 ]] && return 0
  run_wrk "$WARMUP" GET
}

RESULTS="$WORK/results.tsv"   # scenario proxy round key value...
: > "$RESULTS"
record() { printf '%s\n' "$*" >> "$RESULTS"; }

# One fault scenario: fresh backends, fresh proxy, warm-up, then wrk with the fault at FAULT_AT.
run_fault() { # scenario proxy round
  local s=$1 p=$2 r=$3 method=GET logs=0
  [[ $s == D ]] && { method=POST; logs=1; }
  start_backend 1 $logs; start_backend 2 $logs; start_backend 3 $logs
  start_proxy "$p" "${BACKEND_PORTS[*]:0:3}"
  warm_up "$p"
  sleep 2   # health checks see every backend healthy again after the warm-up
  local i; for i in 1 2 3; do [[ -f "$WORK/backend$i/access.log" ]] && : > "$WORK/backend$i/access.log"; done
  run_wrk "$DURATION" "$method" &
  local wrk_pid=$!
  sleep "$FAULT_AT"
  case "$s" in
    A|D) kill -KILL "${BACKEND_PID[3]}" ;;
    A2)  kill -KILL "${BACKEND_PID[2]}" "${BACKEND_PID[3]}" ;;
    B)   kill -STOP "${BACKEND_PID[3]}"; sleep 10; kill -CONT "${BACKEND_PID[3]}" ;;
    C)   touch "$WORK/backend3/fail503" ;;
    E)   kill -KILL "${BACKEND_PID[1]}" "${BACKEND_PID[2]}" "${BACKEND_PID[3]}" ;;
  esac
  wait "$wrk_pid" || die "wrk failed"
  local f; f="$(wrk_figures)"
  local extra=""
  if [[ $s == D ]]; then
    # A request id logged by two backends (or twice by one) was delivered twice.
    local dup; dup="$(cat "$WORK"/backend{1,2,3}/access.log 2>/dev/null | awk '$2 == "POST" { n[$3]++ } END { d = 0; for (k in n) if (n[k] > 1) d += n[k] - 1; print d }')"
    extra="dup=$dup"
  fi
  if [[ $s == E ]]; then
    # Answers per second while every backend was dead (the seconds after the fault's own second).
    extra="fault_rps=$(awk -v f="$FAULT_AT" -v d="$DURATION" '$1 == "SECOND" && $2 > f && $2 < d { t += $3; n++ } END { printf "%.0f", (n ? t / n : 0) }' "$WORK/wrk.out")"
  fi
  cp "$WORK/wrk.out" "$WORK/wrk-$s-$p-$r.out"
  record "$s $p $r $f $extra"
  log "$s $p round $r: requests rps failed p99 non2xx socket last-failed-s failed-in-last-5s = $f $extra"
  stop_all
}

# R: p99 steady, then p99 while the configuration is edited every 2 s (from 2 s in until the end).
run_reload() { # proxy round [name recorded]
  local p=$1 r=$2 name=${3:-$1}
  start_backend 1 0; start_backend 2 0; start_backend 3 0
  start_proxy "$p" "${BACKEND_PORTS[*]:0:3}"
  warm_up "$p"
  run_wrk "$DURATION" GET
  local steady; steady="$(wrk_figures)"
  run_wrk "$DURATION" GET &
  local wrk_pid=$! n=0
  sleep 2
  while kill -0 "$wrk_pid" 2>/dev/null && (( n < DURATION / 2 - 1 )); do
    n=$((n + 1))
    write_config "$p" "${BACKEND_PORTS[*]:0:3}" "$n"
    reload_proxy "$p"
    sleep 2
  done
  wait "$wrk_pid" || die "wrk failed"
  local during; during="$(wrk_figures)"
  local pool=""
  [[ $p != nginx ]] && pool="$(curl -fsS --max-time 5 "http://127.0.0.1:$([[ $p == edgekit ]] && echo $EDGEKIT_ADMIN || echo $YARP_ADMIN)/__alloc" \
    | awk '/^threadpool_threads / { t = $2 } /^threadpool_min_workers / { m = $2 } END { printf " pool_threads=%s min_workers=%s", t, m }')"
  record "R $name $r $during$pool steady_p99=$(awk '{ print $4 }' <<< "$steady") steady_rps=$(awk '{ print $2 }' <<< "$steady") reloads=$n"
  log "R $name round $r: steady p99 $(awk '{ print $4 }' <<< "$steady") ms, during $n reloads p99 $(awk '{ print $4 }' <<< "$during") ms"
  stop_all
}

# M: backend 3 dies at FAULT_AT; 2 s later a reload points its destination id at a new address (backend 4, healthy).
run_move() { # proxy round
  local p=$1 r=$2
  start_backend 1 0; start_backend 2 0; start_backend 3 0; start_backend 4 1
  start_proxy "$p" "${BACKEND_PORTS[*]:0:3}"
  warm_up "$p"
  sleep 2
  : > "$WORK/backend4/access.log"
  run_wrk "$DURATION" GET &
  local wrk_pid=$!
  sleep "$FAULT_AT"
  kill -KILL "${BACKEND_PID[3]}"
  sleep 2
  local moved_at; moved_at="$(date +%s.%N)"
  write_config "$p" "${BACKEND_PORTS[0]} ${BACKEND_PORTS[1]} ${BACKEND_PORTS[3]}" 1
  reload_proxy "$p"
  wait "$wrk_pid" || die "wrk failed"
  local f; f="$(wrk_figures)"
  local first; first="$(awk -v t="$moved_at" '$2 == "GET" && $1 >= t && $3 != "-" { print $1 - t; exit }' "$WORK/backend4/access.log")"
  local share; share="$(awk -v t="$moved_at" '$2 == "GET" && $1 >= t && $3 != "-" { n++ } END { print n + 0 }' "$WORK/backend4/access.log")"
  record "M $p $r $f first_s=${first:-never} new_requests=$share"
  log "M $p round $r: first request at the new address ${first:-never} s after the edit, $share requests there; failed $(awk '{ print $3 }' <<< "$f")"
  stop_all
}

UPTIME_BEFORE="$(uptime)"
START_TIME="$(date -u '+%Y-%m-%d %H:%M UTC')"
for ((r = 1; r <= ROUNDS; r++)); do
  for s in "${SCENARIO_LIST[@]}"; do
    # Rotate the proxies' order each round.
    for ((k = 0; k < ${#PROXY_LIST[@]}; k++)); do
      p="${PROXY_LIST[$(((k + r - 1) % ${#PROXY_LIST[@]}))]}"
      case "$s" in
        R)
          if [[ $p == edgekit ]]; then
            # The same gateway without the thread-pool reserve: the file watcher's 250 ms sleep then holds the only worker.
            EDGEKIT_EXTRA='"ReloadThreadReserve": 0,'
            run_reload edgekit "$r" edgekit-noreserve
            EDGEKIT_EXTRA=""
          fi
          run_reload "$p" "$r" ;;
        M) run_move "$p" "$r" ;;
        *) run_fault "$s" "$p" "$r" ;;
      esac
    done
  done
done
UPTIME_AFTER="$(uptime)"
cp "$RESULTS" "$WORK/results.keep" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------- report
range() { # values... -> "a" or "min–max" (whole numbers with thousands separators, others to 2 decimals)
  printf '%s\n' "$@" | awk '
    function fmt(v,   s, out) {
      if (v != int(v)) return sprintf("%.2f", v)
      s = sprintf("%d", v); out = ""
      while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
      return s out
    }
    BEGIN { min = ""; max = "" }
    $1 != "" && $1 != "-" && $1 != "never" { v = $1 + 0; if (min == "" || v < min) min = v; if (max == "" || v > max) max = v }
    $1 == "never" { never = 1 }
    END {
      if (min == "") { print (never ? "never" : "–"); exit }
      text = (min == max) ? fmt(min) : fmt(min) "–" fmt(max)
      if (never) text = text " (never in some rounds)"
      print text
    }'
}
field() { # scenario proxy column-number -> values over rounds
  awk -v s="$1" -v p="$2" -v c="$3" '$1 == s && $2 == p { print $(c) }' "$RESULTS"
}
kv() { # scenario proxy key -> values over rounds
  awk -v s="$1" -v p="$2" -v k="$3" '$1 == s && $2 == p { for (i = 4; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$RESULTS"
}
declare -A LABEL=([A]="A. one backend \`kill -9\`, GET" [A2]="A2. two of three backends \`kill -9\`, GET"
  [B]="B. one backend frozen (SIGSTOP) 10 s, 2 s timeouts, GET" [C]="C. one backend answers 503 to everything, GET"
  [D]="D. one backend \`kill -9\`, POST" [E]="E. all three backends killed"
  [R]="R. configuration edited every 2 s: p99 steady → during reloads (ms)"
  [M]="M. a reload points the dead backend's destination id at a new address")
declare -A PNAME=([edgekit]="EdgeKit" [yarp]="YARP 2.3.0" [nginx]="nginx")
cell() { # scenario proxy
  local s=$1 p=$2
  [[ -z "$(field "$s" "$p" 3)" ]] && { echo "–"; return; }
  local failed; failed="$(range $(field "$s" "$p" 6))"
  case "$s" in
    D) echo "$failed failed, $(range $(kv D "$p" dup)) sent twice" ;;
    E) echo "$failed failed; $(range $(kv E "$p" fault_rps)) answers/s during the outage" ;;
    R) local text="$(range $(kv R "$p" steady_p99)) → $(range $(field R "$p" 7)) (failed $failed)"
       [[ $p == edgekit && -n "$(field R edgekit-noreserve 3)" ]] && \
         text="$text; with \`ReloadThreadReserve: 0\`: $(range $(kv R edgekit-noreserve steady_p99)) → $(range $(field R edgekit-noreserve 7))"
       echo "$text" ;;
    M) local first; first="$(range $(kv M "$p" first_s))"
       if [[ $first == never ]]; then echo "no request reached the new address; $failed failed"
       else echo "first request $first s after the edit; $failed failed"; fi ;;
    A2) local tail; tail="$(range $(field "$s" "$p" 11))"; echo "$failed ($tail in the last 5 s)" ;;
    *) echo "$failed" ;;
  esac
}
{
  echo "# Resilience side by side: EdgeKit, YARP 2.3.0, nginx ($START_TIME)"
  echo
  echo "Written by \`benchmarks/resilience/run.sh\` (see its README): three nginx backends on 127.0.0.1, wrk -t1 -c$CONNECTIONS"
  echo "for $DURATION s per run, the fault at t = $FAULT_AT s, $ROUNDS round(s); each run starts fresh backends and a fresh proxy"
  echo "(a .NET proxy warmed up for $WARMUP s first). Failed requests = non-2xx answers + wrk socket errors (connect, read,"
  echo "write, timeout at 5 s); ranges are min–max over the rounds."
  echo
  echo "- EdgeKit: this branch's benchmarks/gateway/EdgeKitGateway from a JSON file (active health checks every 1 s, outlier"
  echo "  detection at its defaults, route timeout $EDGEKIT_ROUTE_TIMEOUT); gateway retries: ${EDGEKIT_ROUTE_RETRY:-none (EDGEKIT_ROUTE_RETRY=none)}."
  echo "- YARP 2.3.0: benchmarks/gateway/YarpGateway from a JSON file: active health (ConsecutiveFailures, 1 s) and passive"
  echo "  health (TransportFailureRate, reactivation 10 s), ActivityTimeout $TIMEOUT."
  echo "- nginx: \`proxy_next_upstream error timeout http_502 http_503\`, \`max_fails=1 fail_timeout=10s\`, 2 s timeouts."
  echo
  echo "| scenario | EdgeKit failed requests | YARP | nginx |"
  echo "|---|---:|---:|---:|"
  for s in "${SCENARIO_LIST[@]}"; do
    echo "| ${LABEL[$s]} | $(cell "$s" edgekit) | $(cell "$s" yarp) | $(cell "$s" nginx) |"
  done
  echo
  echo "Machine load (\`uptime\`; other work shared these 2 cores, so req/s and latencies are noisy; failure counts and"
  echo "ratios taken inside one run matter more):"
  echo
  echo "- before: \`${UPTIME_BEFORE# }\`"
  echo "- after: \`${UPTIME_AFTER# }\`"
  echo "- $(machine_line)"
  echo
  echo "<details><summary>Every run</summary>"
  echo
  echo "| scenario | proxy | round | requests | req/s | failed | p99 ms | non-2xx | socket errors | last second with a non-2xx | non-2xx in the last 5 s | more |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  awk '{ more = ""; for (i = 12; i <= NF; i++) more = more (more == "" ? "" : " ") $i;
         printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, more }' "$RESULTS"
  echo
  echo "</details>"
} > "$WORK/report.md"
mkdir -p "$(dirname "$OUT")"
cp "$WORK/report.md" "$OUT"
cat "$OUT"
log "written to $OUT"

# Shell helpers shared by the load benchmarks (benchmarks/gateway/run.sh, benchmarks/resilience/run.sh). Sourced, not run:
#
#   source "$ROOT/benchmarks/lib.sh"
#
# The sourcing script sets WORK (its temporary folder) before starting processes and may set PROXY_CPU/LOAD_CPU.
# Every process started through these helpers is recorded in PIDS and stopped by its PID (never by name) by stop_all,
# which bench_trap_cleanup runs on exit however the script exits. Only 127.0.0.1 is ever used.

PIDS=()
NGINX="$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

require_tools() { # tool... (nginx is looked for in /usr/sbin too)
  local tool
  [[ -x "$NGINX" ]] || die "nginx is required (apt-get install -y nginx-light)"
  for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is required"; done
  [[ "$(nproc --all)" -ge 2 ]] || die "needs two CPUs (proxy on CPU ${PROXY_CPU:-0}, backends and wrk on CPU ${LOAD_CPU:-1})"
}

ports_free() { # port...: stops the script when one of them is taken on 127.0.0.1
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port 127.0.0.1:$port is already in use"; fi
  done
}

stop_pid() { # pid: CONT (it may be frozen), TERM, then KILL after 5 s
  local pid=$1
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_all() { local pid; for pid in "${PIDS[@]}"; do stop_pid "$pid"; done; PIDS=(); }

bench_trap_cleanup() { # on exit: stop every process started, keep $WORK (the logs) when the script failed or BENCH_KEEP_WORK=1
  trap '_bench_cleanup' EXIT
  trap 'exit 130' INT TERM
}
_bench_cleanup() {
  local status=$?
  stop_all
  if [[ -n "${WORK:-}" ]]; then
    if [[ $status -eq 0 && "${BENCH_KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "logs kept in $WORK"; fi
  fi
}

wait_http() { # url what: waits up to 30 s for a 2xx
  for _ in $(seq 150); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  die "$2 did not answer on $1 (logs in ${WORK:-?})"
}

start_nginx() { # prefix-dir cpu: starts "$NGINX -p dir -c dir/nginx.conf" pinned to cpu; its pid in NGINX_PID and PIDS
  mkdir -p "$1/logs"
  taskset -c "$2" "$NGINX" -p "$1" -c "$1/nginx.conf" > "$1/out.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
}

publish_apps() { # app...: dotnet publish benchmarks/gateway/<app> in Release to $WORK/<app>
  local app
  for app in "$@"; do
    log "publishing $app (Release)"
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$ROOT/benchmarks/gateway/$app/$app.csproj" \
      -c Release -o "$WORK/$app" -nologo -v quiet > "$WORK/publish-$app.log" 2>&1 \
      || { cat "$WORK/publish-$app.log" >&2; die "publishing $app failed"; }
  done
}

cpu_ticks() { # cpu index -> "busy total user system" in clock ticks, from /proc/stat
  # busy = user + nice + system + irq + softirq + steal; user = user + nice; system = system + irq + softirq
  awk -v cpu="cpu$1" '$1 == cpu { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6, $2 + $3, $4 + $7 + $8 }' /proc/stat
}

process_ticks() { # pid -> "user system" CPU time of the whole process (all its threads) in clock ticks, from /proc/<pid>/stat
  # The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat"
}

to_ms() { # wrk latency such as 812.00us, 1.23ms, 2.01s [decimals, default 3] -> milliseconds
  awk -v v="$1" -v d="${2:-3}" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%." d "f", n }'
}

machine_line() { # "model, N CPUs; kernel ...; .NET SDK ...; nginx/...; wrk ..."
  printf '%s, %s CPUs; kernel %s; .NET SDK %s; %s; %s' \
    "$(lscpu | awk -F: '/^Model name/ && !seen++ { gsub(/^ +/, "", $2); print $2 }')" "$(nproc --all)" "$(uname -r)" \
    "$(dotnet --version)" "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')" "$( (wrk -v 2>&1 || true) | head -n1 | awk '{ print $1, $2 }')"
}

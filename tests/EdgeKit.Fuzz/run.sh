#!/usr/bin/env bash
# Fuzzes EdgeKit's hand-written parsers with AFL++ (afl-fuzz) through SharpFuzz, bounded in time.
#
#   bash tests/EdgeKit.Fuzz/run.sh [TARGET|all] [SECONDS]
#
# Builds tests/EdgeKit.Fuzz into a scratch folder, instruments EdgeKit.dll and EdgeKit.AspNetCore.dll there (the
# SharpFuzz.CommandLine tool of .config/dotnet-tools.json), then runs afl-fuzz on each target for SECONDS (default 60),
# FUZZ_JOBS targets at a time (default 2), starting from the seed corpus in tests/EdgeKit.Fuzz/corpus/TARGET.
# Prints one line per target and exits non-zero when any target crashed (an exception the parser must not throw, or a
# broken invariant) or hung (an input took longer than FUZZ_TIMEOUT_MS, default 5000). The failing inputs are kept
# under FUZZ_OUT (default a temporary folder, printed, removed when nothing was found): replay them with
#   dotnet "$FUZZ_OUT/bin/EdgeKit.Fuzz.dll" TARGET --replay FOLDER
set -euo pipefail
cd "$(dirname "$0")/../.."

target=${1:-all}
seconds=${2:-60}
jobs=${FUZZ_JOBS:-2}
timeout_ms=${FUZZ_TIMEOUT_MS:-5000}
keep=${FUZZ_OUT:+1}
out=${FUZZ_OUT:-$(mktemp -d /tmp/edgekit-fuzz.XXXXXX)}
here=tests/EdgeKit.Fuzz
mkdir -p "$out"

command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz is required (Debian package afl++)"; exit 1; }

started=$SECONDS
dotnet tool restore >/dev/null
dotnet publish "$here/EdgeKit.Fuzz.csproj" -c Release -o "$out/bin" --nologo -v quiet >"$out/build.log" 2>&1 \
  || { cat "$out/build.log"; echo "fuzz: build failed"; exit 1; }
if [ "$target" = all ]; then
  mapfile -t targets < <(dotnet "$out/bin/EdgeKit.Fuzz.dll" --list)
else
  targets=("$target")
fi

# Every seed must pass before fuzzing starts (a seed that fails is a regression, not a finding). This runs the
# assemblies before instrumentation: instrumented code only runs under afl-fuzz.
for t in "${targets[@]}"; do
  dotnet "$out/bin/EdgeKit.Fuzz.dll" "$t" --replay "$here/corpus/$t" >/dev/null \
    || { echo "fuzz $t: FAILED on its seed corpus ($here/corpus/$t)"; exit 1; }
done

for assembly in EdgeKit.dll EdgeKit.AspNetCore.dll; do
  dotnet sharpfuzz "$out/bin/$assembly" >"$out/instrument-$assembly.log" 2>&1 \
    || { cat "$out/instrument-$assembly.log"; echo "fuzz: instrumenting $assembly failed"; exit 1; }
done
echo "fuzz: built and instrumented in $((SECONDS - started)) s; output in $out"


# The target is `dotnet`, which AFL cannot see instrumented (SharpFuzz instruments the assemblies); no CPU binding, so
# that several targets share the machine's cores; crashes are exceptions reported by SharpFuzz, not core dumps.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
# The runtime's own start-up is the target's: let the fork server take its time.
export AFL_FORKSRV_INIT_TMOUT=60000

fuzz_one() {
  local t=$1
  afl-fuzz -i "$here/corpus/$t" -o "$out/$t" -V "$seconds" -t "$timeout_ms" -m none -- \
    dotnet "$out/bin/EdgeKit.Fuzz.dll" "$t" >"$out/$t.log" 2>&1
  echo $? >"$out/$t.status"
}

running=0
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
for t in "${targets[@]}"; do
  stats="$out/$t/default/fuzzer_stats"
  if [ ! -f "$stats" ] || [ "$(cat "$out/$t.status" 2>/dev/null)" != 0 ]; then
    echo "fuzz $t: FAILED: afl-fuzz did not run to its time limit (log: $out/$t.log)"
    tail -n 20 "$out/$t.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' || true
    failed=1
    continue
  fi
  stat() { awk -F': *' -v k="$1" '$1 ~ "^"k" *$" { print $2 }' "$stats"; }
  execs=$(stat execs_done); crashes=$(stat saved_crashes); hangs=$(stat saved_hangs); paths=$(stat corpus_count)
  if [ "${crashes:-0}" -gt 0 ] || [ "${hangs:-0}" -gt 0 ]; then
    echo "fuzz $t: FAILED: ${crashes:-0} crashes, ${hangs:-0} hangs in $execs executions; inputs in $out/$t/default/crashes and hangs"
    failed=1
  else
    echo "fuzz $t: ok: $execs executions, $paths corpus entries, no crash, no hang (${seconds} s)"
  fi
done

echo "fuzz: ${#targets[@]} targets in $((SECONDS - started)) s"
# A scratch folder of a run that found nothing is removed; one with findings (or FUZZ_OUT) is kept.
if [ "$failed" -eq 0 ] && [ -z "$keep" ]; then
  rm -rf "$out"
fi
exit "$failed"

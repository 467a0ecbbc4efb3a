#!/usr/bin/env bash
# Fuzz one parser of network input with AFL++ and SharpFuzz, by hand: see docs/FUZZING.md.
#   fuzz/run.sh legacy|frames|messages|discovery|mailbox [SECONDS]
set -euo pipefail
target=${1:?target: legacy, frames, messages, discovery or mailbox}
seconds=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/cryptosphere-fuzz-$target-XXXX)
dotnet publish "$here/CryptoSphere.Fuzz" -c Release -o "$out/bin" >/dev/null
# Instrument the code under test (not the harness) so AFL sees its branches.
sharpfuzz "$out/bin/CryptoSphere.Core.dll"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
timeout --preserve-status "$seconds" afl-fuzz -i "$here/corpus/$target" -o "$out/findings" -t 5000 -m none -- \
  dotnet "$out/bin/CryptoSphere.Fuzz.dll" "$target" || true
echo "findings: $out/findings"
grep -E "execs_done|corpus_count|saved_crashes|saved_hangs|run_time" "$out/findings/default/fuzzer_stats" || true

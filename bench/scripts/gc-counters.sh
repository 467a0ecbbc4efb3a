#!/bin/bash
# Bytes allocated per message and GCs (and their pauses) per 10,000 messages at the sender and the receiver of
# secure-bursts.py, from the runtime's own counters (dotnet-counters: `dotnet tool install -g dotnet-counters`).
# The native build has no event source: run it on the JIT build with event sources switched on, e.g.
#   dotnet build -c Release -r linux-x64 src/CryptoSphere.Cli
#   cp -r src/CryptoSphere.Cli/bin/Release/net10.0/linux-x64 /tmp/cs-jit
#   sed -i 's/"System.Diagnostics.Tracing.EventSource.IsSupported": false/"System.Diagnostics.Tracing.EventSource.IsSupported": true/' /tmp/cs-jit/cryptosphere.runtimeconfig.json
#   printf '#!/bin/bash\nexec dotnet /tmp/cs-jit/cryptosphere.dll "$@"\n' > /tmp/cs-jit.sh; chmod +x /tmp/cs-jit.sh
#   bench/scripts/gc-counters.sh /tmp/cs-jit.sh label
# Counters are read for 16 s after a 14 s warm-up (JIT tiers), while 45 bursts of 10,000 run; the messages in that
# window come from the bursts' own times. A/B: alternate two builds, compare the same lines.
set -e
cli=$1; label=${2:-run}; here=$(cd "$(dirname "$0")" && pwd); out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export PATH="$PATH:$HOME/.dotnet/tools"
TIMES=1 python3 "$here/secure-bursts.py" "$cli" 45 10000 > "$out/bursts" 2>&1 &
for _ in $(seq 1 80); do
    s=$(pgrep -f "listen.*--name sender" | head -1); r=$(pgrep -f "listen.*--name receiver" | head -1)
    [ -n "$s" ] && [ -n "$r" ] && break; sleep 0.25
done
sleep 14
t0=$(date +%s.%N)
timeout 16 dotnet-counters collect -p "$s" --counters System.Runtime --refresh-interval 1 -o "$out/s.csv" --format csv > /dev/null 2>&1 &
timeout 16 dotnet-counters collect -p "$r" --counters System.Runtime --refresh-interval 1 -o "$out/r.csv" --format csv > /dev/null 2>&1 &
wait %2 %3 2> /dev/null || true
t1=$(date +%s.%N)
wait
messages=$(awk -v a="$t0" -v b="$t1" '/^burst/ { lo = ($2 > a ? $2 : a); hi = ($3 < b ? $3 : b); if (hi > lo) m += $4 * (hi - lo) / ($3 - $2) } END { printf "%d", m }' "$out/bursts")
seconds=$(echo "$t1 - $t0" | bc)
for side in s r; do
    awk -F, -v side=$([ $side = s ] && echo sender || echo receiver) -v label="$label" -v m="$messages" -v t="$seconds" '
        /total_allocated/ { a += $5; n++ } /gc.collections.*gen0/ { g0 += $5 } /gc.collections.*gen1/ { g1 += $5 }
        /gc.collections.*gen2/ { g2 += $5 } /cpu.time/ { c += $5 } /pause.time/ { p += $5 }
        END { r = m / t; printf "%s %s: %d msgs in %.1f s; %.0f B/msg; per 10k msgs: gen0 %.1f gen1 %.1f gen2 %.1f, pause %.0f ms; CPU %.0f us/msg\n",
              label, side, m, t, a / n / r, 1e4 * g0 / n / r, 1e4 * g1 / n / r, 1e4 * g2 / n / r, 1e7 * p / n / r, 1e6 * c / n / r }' "$out/$side.csv"
done

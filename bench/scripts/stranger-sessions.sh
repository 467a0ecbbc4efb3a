#!/bin/bash
# What sessions that have ended leave behind in a running node: a `listen` node, then N one-off `cryptosphere send`
# commands, each with a fresh data directory (a fresh identity, so a stranger each), then the node's CPU over two
# 30 s windows with nothing happening, and its resident memory. Before the pacing buckets refilled on demand, each
# such session left two timers firing ten times a second for the life of the process (docs/BENCHMARKS.md).
#   bench/scripts/stranger-sessions.sh /tmp/cs/bin/cryptosphere 150
# What remains afterwards is the node trying to reach the senders again at the address they gave (--from-port,
# nothing listens there), with its backoff.
set -e
cli=$1; n=${2:-150}; dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'kill "$node" 2>/dev/null; rm -rf "$dir"' EXIT
"$cli" listen --name target --port "$port" --strict-port --bind 127.0.0.1 --advertise-ip 127.0.0.1 --no-discovery \
    --data-dir "$dir/node" --json > "$dir/out" 2>&1 &
node=$!
for _ in $(seq 1 100); do grep -q node_started "$dir/out" 2>/dev/null && break; sleep 0.1; done
for i in $(seq 1 "$n"); do
    "$cli" send --data-dir "$dir/s$i" --name "s$i" --from-port 40000 --to "127.0.0.1:$port" "hello $i" > /dev/null
done
ticks() { awk '{print $14 + $15}' "/proc/$node/stat"; }
hz=$(getconf CLK_TCK)
sleep 3
t0=$(ticks); sleep 30; t1=$(ticks); sleep 30; t2=$(ticks)
echo "$(grep -c '"message_received"' "$dir/out") of $n messages from fresh senders shown"
echo "node CPU with nothing happening: $(( (t1 - t0) * 1000 / hz / 30 )) ms/s in the first 30 s, $(( (t2 - t1) * 1000 / hz / 30 )) ms/s in the next"
echo "node RSS: $(awk '/VmRSS/ {print $2}' "/proc/$node/status") KiB"

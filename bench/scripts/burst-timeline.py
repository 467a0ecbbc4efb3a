#!/usr/bin/env python3
"""Where a burst's time goes: two `cryptosphere listen` nodes that trust each other (data dirs on disk); N `send` lines
written at once to the sender's `listen --commands`, four times. Per burst, in ms from the write: when the write
returned (the sender had read all but a pipe's worth), when the receiver printed its first, median and last
message_received, and the sender its first, median and last message_delivered.
Usage: burst-timeline.py CRYPTOSPHERE [N]   (N defaults to 10,000)"""
import subprocess, sys, os, time, shutil, threading, tempfile, socket
cli = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
root = tempfile.mkdtemp(prefix="burst-timeline-")
def free():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
rport, sport = free(), free()
def once(*a): return subprocess.run([cli, *a], capture_output=True, text=True, check=True).stdout.strip()
s_dir, r_dir = root + "/s", root + "/r"
sid = once("id", "--data-dir", s_dir); rid = once("id", "--data-dir", r_dir)
once("trust", sid, "--data-dir", r_dir); once("trust", rid, "--data-dir", s_dir)
def listen(name, d, port, cmds):
    args = [cli, "listen", "--json", "--data-dir", d, "--name", name, "--port", str(port), "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--no-discovery"] + (["--commands"] if cmds else [])
    return subprocess.Popen(args, stdin=subprocess.PIPE if cmds else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
r = listen("r", r_dir, rport, False)
recv_times = []
for line in r.stdout:
    if "node_started" in line: break
def rr():
    for line in r.stdout:
        if "message_received" in line: recv_times.append(time.time())
threading.Thread(target=rr, daemon=True).start()
s = listen("s", s_dir, sport, True)
times = []
cv = threading.Condition()
def reader():
    for line in s.stdout:
        if '"message_delivered"' in line:
            with cv: times.append(time.time()); cv.notify_all()
threading.Thread(target=reader, daemon=True).start()
time.sleep(1)
text = "s" * 92; sent = 0
for b in range(4):
    base = len(times); rbase = len(recv_times)
    t0 = time.time()
    s.stdin.write("".join(f"send 127.0.0.1:{rport} {text}{(sent+i):08x}\n" for i in range(n))); s.stdin.flush(); sent += n
    tw = time.time()
    with cv: cv.wait_for(lambda: len(times) >= sent, timeout=120)
    d = times[base:]; rv = recv_times[rbase:]
    pct = lambda a, q: (a[int(q*(len(a)-1))] - t0)*1000
    print(f"burst {b}: write returned {1000*(tw-t0):.0f} ms; received first {pct(rv,0):.0f} 50% {pct(rv,.5):.0f} last {pct(rv,1):.0f}; delivered first {pct(d,0):.0f} 50% {pct(d,.5):.0f} last {pct(d,1):.0f} ms; {n/(d[-1]-t0):.0f}/s")
    time.sleep(0.5)
s.terminate(); r.terminate(); s.wait(); r.wait()
shutil.rmtree(root, ignore_errors=True)

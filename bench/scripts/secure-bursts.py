#!/usr/bin/env python3
"""Two `cryptosphere listen` nodes (data dirs on disk) that trust each other; `send` lines written to the sender's
`listen --commands` in bursts; prints msgs/s per burst and CPU per message of both processes (from /proc).
Usage: secure-bursts.py CRYPTOSPHERE BURSTS MESSAGES [PERF_OUTPUT]; ONE=1 first times MESSAGES sends one at a time.
A quick A/B tool for two builds (alternate them); the headline figures come from the bench project."""
import os, subprocess, sys, threading, time, tempfile, socket, shutil, json
cli = sys.argv[1]; bursts = int(sys.argv[2]); n = int(sys.argv[3]); perf = sys.argv[4] if len(sys.argv) > 4 else None
env = dict(os.environ, CRYPTOSPHERE_DISCOVERY="off")
root = tempfile.mkdtemp(prefix="secdrive-")
def free():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def once(*a): return subprocess.run([cli, *a], capture_output=True, text=True, env=env, check=True).stdout.strip()
sd, rd = os.path.join(root, "s"), os.path.join(root, "r")
once("trust", once("id", "--data-dir", sd), "--data-dir", rd); once("trust", once("id", "--data-dir", rd), "--data-dir", sd)
rport = free()
def listen(d, name, port, cmds):
    a = [cli, "listen", "--json", "--data-dir", d, "--name", name, "--port", str(port), "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--no-discovery"] + (["--commands"] if cmds else [])
    return subprocess.Popen(a, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
recv = listen(rd, "receiver", rport, False)
snd = listen(sd, "sender", free(), True)
import atexit, signal
def stop():
    for p in (snd, recv):
        if p.poll() is None:
            p.terminate()
            try: p.wait(10)
            except subprocess.TimeoutExpired: p.kill()
    shutil.rmtree(root, ignore_errors=True)
atexit.register(stop)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
delivered = 0; cv = threading.Condition()
def reader(p, count):
    global delivered
    for line in p.stdout:
        if count and '"message_delivered"' in line:
            with cv: delivered += 1; cv.notify_all()
        if '"command_failed"' in line: print("FAILED", line.strip(), file=sys.stderr)
for p, c in ((recv, False), (snd, True)): threading.Thread(target=reader, args=(p, c), daemon=True).start()
time.sleep(1.5)
text = "s" * 92
seq = 0
def burst(k):
    global seq
    with cv: before = delivered
    t0 = time.time()
    lines = "".join(f"send 127.0.0.1:{rport} {text}{(seq + i):08x}\n" for i in range(k)); seq += k
    snd.stdin.write(lines); snd.stdin.flush()
    with cv:
        cv.wait_for(lambda: delivered - before >= k, timeout=120)
        got = delivered - before
    if os.environ.get("TIMES"):
        print(f"burst {t0:.3f} {time.time():.3f} {got}", flush=True)
    return got / (time.time() - t0)
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().split(")")[1].split(); return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
burst(500); burst(n)
pr = None
if perf:
    pr = subprocess.Popen(["perf", "record", "-g", "-F", "1999", "-o", perf, "-p", f"{recv.pid},{snd.pid}"], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
if os.environ.get("ONE"):
    pr1 = subprocess.Popen(["perf", "record", "-g", "-F", "4999", "-o", os.environ["ONEPERF"], "-p", f"{recv.pid},{snd.pid}"], stderr=subprocess.DEVNULL) if os.environ.get("ONEPERF") else None
    time.sleep(0.5)
    r0, s0 = cpu(recv.pid), cpu(snd.pid)
    lat = []
    for i in range(n):
        t = time.time(); burst(1); lat.append(time.time() - t)
    r1, s1 = cpu(recv.pid), cpu(snd.pid)
    if pr1: pr1.send_signal(2); pr1.wait()
    print("pids", recv.pid, snd.pid)
    lat.sort()
    print(f"one at a time: p50 {lat[len(lat)//2]*1000:.3f} ms, receiver cpu {1e6*(r1-r0)/n:.0f} us/msg, sender cpu {1e6*(s1-s0)/n:.0f} us/msg")
c0 = cpu(recv.pid) + cpu(snd.pid)
rates = [burst(n) for _ in range(bursts)]
c1 = cpu(recv.pid) + cpu(snd.pid)
if pr: pr.send_signal(2); pr.wait()
print("rates", " ".join(f"{r:,.0f}" for r in rates), "median", f"{sorted(rates)[len(rates)//2]:,.0f}", f"cpu/msg {1e6*(c1-c0)/(bursts*n):.0f} us", f"recv pid {recv.pid} send pid {snd.pid}")
snd.stdin.close()

#!/usr/bin/env python3
# bench/pay-bench.py: times whole `kaspi-pay pay` runs against the simulator
# for bench/run.sh.
#   pay-bench.py KP_MAXRSS KASPI_PAY SIM WORKDIR RUNS
# Starts kaspi-terminal-sim (2 "wait" polls before success) and reads its
# request lines on stderr as they come, each stamped on arrival with a
# monotonic clock.  Runs `kaspi-pay --json pay 1500 --output FILE` RUNS times
# through bench/kp-maxrss and prints one line per run:
#   CPU_MS RSS_KB LATENCY_MS WALL_S LAUNCHER_RSS_KB
# CPU_MS and RSS_KB come from wait4()'s rusage of kaspi-pay, taken by
# kp-maxrss (user + system time, so the time it sleeps between polls is not
# counted; peak RSS).  Not from Python's own wait4: a child Python starts
# inherits the interpreter's 14 MB high-water mark at exec (see kp-maxrss.c);
# LATENCY_MS runs from the simulator logging its answer to the final /status
# poll to kaspi-pay's JSON result arriving on its stdout, which it prints
# after the journal, the cheque and the receipt are written.  The last line
# is "note: ..." when receipt rendering is not in the build (exit 6 with the
# message saying so): the latency then ends at the saved cheque.
import json, os, subprocess, sys, threading, time

maxrss, kaspi_pay, sim_bin, work = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
runs = int(sys.argv[5])
usage_file = os.path.join(work, "usage")
port_file = os.path.join(work, "sim.port")
sim = subprocess.Popen([sim_bin, "--port", "0", "--port-file", port_file, "--polls", "2"],
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
status_stamps = []

def read_sim():
    for line in sim.stderr:
        if b" /status?" in line and b"-> 200" in line:
            status_stamps.append(time.monotonic())

threading.Thread(target=read_sim, daemon=True).start()
try:
    for _ in range(200):
        if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
            break
        time.sleep(0.05)
    port = open(port_file).read().strip()
    note = ""
    for r in range(runs):
        out = os.path.join(work, "receipt-%d.bin" % r)
        start = time.monotonic()
        child = subprocess.Popen([maxrss, usage_file, kaspi_pay, "--terminal", "127.0.0.1:" + port,
                                  "--journal", os.path.join(work, "journal"),
                                  "--poll-interval", "20", "--json", "pay", "1500",
                                  "--output", out],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        result = child.stdout.read()          # the JSON comes at the very end
        done = time.monotonic()
        err = child.stderr.read()
        child.wait()
        cpu_ms, rss_kb, launcher_kb = open(usage_file).read().split()
        wall = time.monotonic() - start
        time.sleep(0.05)                       # let the reader thread catch up
        if child.returncode == 6 and b"not available in this build" in err:
            note = "receipt rendering is not in this build: latency measured to the saved cheque"
        elif child.returncode != 0:
            sys.stderr.write(err.decode(errors="replace"))
            sys.exit("pay-bench: kaspi-pay pay exited %d" % child.returncode)
        json.loads(result)
        final = [t for t in status_stamps if start <= t <= done]
        if not final:
            sys.exit("pay-bench: saw no /status answer from the simulator")
        print("%s %s %.3f %.3f %s" % (cpu_ms, rss_kb, (done - final[-1]) * 1000, wall, launcher_kb))
    if note:
        print("note: " + note)
finally:
    sim.terminate()
    sim.wait()

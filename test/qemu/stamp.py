#!/usr/bin/env python3
"""Writes, for each line that appears in a growing serial log, the host's
monotonic time (seconds since this started) and the line, tab-separated:
a way to time what a guest prints when the guest cannot time itself
(kexec-tools' purgatory).  Polls every 2 ms; stops when PID exits.
Usage: stamp.py LOG OUT PID"""
import os
import sys
import time

log, out, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.monotonic()
pos, partial = 0, b""
with open(out, "w") as o:
    while True:
        alive = os.path.exists("/proc/%d" % pid)
        try:
            with open(log, "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            data = b""
        if data:
            pos += len(data)
            now = time.monotonic() - t0
            lines = (partial + data).split(b"\n")
            partial = lines.pop()
            for line in lines:
                text = line.decode("utf-8", "replace").replace("\r", "")
                o.write("%.4f\t%s\n" % (now, text))
            o.flush()
        if not alive:
            break
        time.sleep(0.002)

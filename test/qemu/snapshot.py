#!/usr/bin/env python3
"""Snapshots guest physical memory through QEMU's monitor when the guest
asks for it: waits for a serial-log line matching RE, stops the VM, checks
that LATE_RE (the guest having gone past the point where it waited) is not
in the log yet, saves LEN bytes at ADDR (pmemsave) to OUT, and continues
the VM.  Writes OUT.status: "ok", "late" (the guest ran past its wait:
the snapshot is not taken) or "none" (no RE line before QEMU ended).
The harness kills it when QEMU has ended.
Usage: snapshot.py LOG MONITOR-SOCKET RE LATE_RE ADDR LEN OUT"""
import os
import select
import re
import socket
import sys
import time

log, sock_path, want, late, addr, length, out = sys.argv[1:8]


def clean():
    try:
        data = open(log, "rb").read().decode("latin-1")
    except OSError:
        return ""
    data = re.sub(r"\x1bc", "\n", data)
    data = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", data)
    return data.replace("\r", "")


def seen(rx):
    return re.search(rx, clean(), re.M) is not None


def status(s):
    with open(out + ".status", "w") as f:
        f.write(s + "\n")


def command(s, text):
    """Sends one HMP command and reads up to the next prompt."""
    s.sendall((text + "\n").encode())
    buf = b""
    while not buf.rstrip().endswith(b"(qemu)"):
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("monitor closed")
        buf += chunk
    return buf


status("none")
s = None
while s is None:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock_path)
    except OSError:
        s = None
        time.sleep(0.2)
try:
    s.settimeout(60)
    buf = b""
    while not buf.rstrip().endswith(b"(qemu)"):
        buf += s.recv(4096)
    while not seen(want):
        # Readable with nothing to read: QEMU closed the monitor.
        if select.select([s], [], [], 0.2)[0] and not s.recv(4096):
            sys.exit(0)
    command(s, "stop")
    if seen(late):
        status("late")
        command(s, "cont")
        sys.exit(0)
    command(s, "pmemsave %s %s %s" % (addr, length, out))
    command(s, "cont")
    status("ok" if os.path.getsize(out) == int(length, 0) else "short")
except OSError:
    pass

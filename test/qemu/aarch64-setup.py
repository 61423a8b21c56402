#!/usr/bin/env python3
"""Checks kxinspect's JSON (stdin) of the setup page kx's arm64 purgatory
left: valid; kernel, initrd and dtb segments, all verified; the kernel's
and initrd's digests those of the files as loaded (padded with zeros to
the segment's size, as kexec-tools hashes memsz); the command line with
kx_setup=ADDRESS; the memory map with RAM.
With --crash: the page is flagged for a crash kernel and has the ELF core
header (record and segment).
Usage: aarch64-setup.py [--crash] ADDRESS KERNEL INITRD.  Exits 1 naming
what differs."""
import hashlib
import json
import sys

args = sys.argv[1:]
crash = args[:1] == ["--crash"]
if crash:
    args = args[1:]
addr, kernel, initrd = int(args[0], 16), args[1], args[2]
try:
    page = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("kxinspect JSON does not parse: %s" % e)
if not page.get("valid"):
    sys.exit("setup page not valid: %s" % json.dumps(page)[:200])
recs = page.get("records", [])


def kinds_of(recs):
    return {e["kind"] for r in recs if r["type"] == "SEGM" for e in r["entries"]}


segs = [e for r in recs if r["type"] == "SEGM" for e in r["entries"]]
kinds = {s["kind"]: s for s in segs}
if crash:
    if not page.get("flags", 0) & 1:
        sys.exit("crash flag not set (flags %s)" % page.get("flags"))
    elfh = [r for r in recs if r["type"] == "ELFH"]
    if not elfh or "elfcore" not in kinds_of(recs):
        sys.exit("no ELF core header record or segment")
for k in ("kernel", "initrd", "dtb"):
    if k not in kinds:
        sys.exit("no %s segment (kinds: %s)" % (k, sorted(kinds)))
bad = [s for s in segs if s["flags"] != 1]
if bad:
    sys.exit("segments not marked verified: %s" % bad)
for k, path in (("kernel", kernel), ("initrd", initrd)):
    data = open(path, "rb").read()
    s = kinds[k]
    if s["size"] < len(data):
        sys.exit("%s segment is %d bytes, the file %d" % (k, s["size"], len(data)))
    want = hashlib.sha256(data + b"\0" * (s["size"] - len(data))).hexdigest()
    if s["sha256"] != want:
        sys.exit("%s digest %s, the file as loaded %s" % (k, s["sha256"], want))
cmd = [r["cmdline"] for r in recs if r["type"] == "CMDL"]
if not cmd or ("kx_setup=0x%x" % addr) not in cmd[0].split():
    sys.exit("command line record without kx_setup=0x%x: %s" % (addr, cmd))
ram = [e for r in recs if r["type"] == "MMAP" for e in r["entries"] if e["type"] == "ram"]
if not ram:
    sys.exit("no RAM in the memory map record")
print(("crash " if crash else "") + "setup page 0x%x: %d segments verified, kernel and initrd digests match, "
      "%d RAM ranges" % (addr, len(segs), len(ram)))

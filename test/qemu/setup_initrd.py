#!/usr/bin/env python3
"""Checks kxinspect's JSON (stdin) of a setup page: it has an initrd
segment whose SHA-256 is the initrd file's, as loaded (the file alone, or
padded with zeros to the segment's size, as loaders may hash memsz).
Usage: setup_initrd.py INITRD.  Exits 1 naming what differs."""
import hashlib
import json
import sys

data = open(sys.argv[1], "rb").read()
try:
    page = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("kxinspect JSON does not parse: %s" % e)

segs = []


def walk(o):
    if isinstance(o, dict):
        if o.get("kind") == "initrd" and "sha256" in o:
            segs.append(o)
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)


walk(page)
if not segs:
    sys.exit("no initrd segment in the setup page")
plain = hashlib.sha256(data).hexdigest()
for s in segs:
    size = s.get("size", len(data))
    padded = hashlib.sha256(data + bytes(max(0, size - len(data)))).hexdigest()
    if s["sha256"] in (plain, padded):
        sys.exit(0)
sys.exit("initrd segment digest %s is not the initrd file's %s"
         % (segs[0]["sha256"], plain))

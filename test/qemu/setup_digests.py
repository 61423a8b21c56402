#!/usr/bin/env python3
"""Checks kxinspect's JSON (stdin) of a setup page against the files the
test loaded: the initrd segment's SHA-256 (SEGM) or KX lanes digest
(LANE, computed by test/lanes_ref.py) must be the initrd file's, and,
given the kernel, the kernel segment's must be that of the bzImage's
protected-mode part (the file after its (setup_sects + 1) * 512 setup
bytes, as loaders split it).  Either may be hashed alone or padded with
zeros to the segment's size, as loaders hash memsz.
An arm64 Image (--image) is hashed whole, as kxboot loads it.
Usage: setup_digests.py INITRD [BZIMAGE | --image IMAGE].  Exits 1 naming
what differs."""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lanes_ref import kx_lanes  # noqa: E402


def segments(page, kind):
    found = []

    def walk(o):
        if isinstance(o, dict):
            if o.get("kind") == kind and ("sha256" in o or "kx_lanes" in o):
                found.append(o)
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(page)
    return found


def check(page, kind, data):
    segs = segments(page, kind)
    if not segs:
        return "no %s segment in the setup page" % kind
    for s in segs:
        size = s.get("size", len(data))
        padded = data + bytes(max(0, size - len(data)))
        if "kx_lanes" in s:
            want = (kx_lanes(data, s["lanes"]).hex(), kx_lanes(padded, s["lanes"]).hex())
            got = s["kx_lanes"]
        else:
            want = (hashlib.sha256(data).hexdigest(), hashlib.sha256(padded).hexdigest())
            got = s["sha256"]
        if got in want:
            return None
    return "%s segment digest %s is not the file's %s" % (kind, got, want[0])


try:
    page = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("kxinspect JSON does not parse: %s" % e)
why = check(page, "initrd", open(sys.argv[1], "rb").read())
if not why and len(sys.argv) > 3 and sys.argv[2] == "--image":
    why = check(page, "kernel", open(sys.argv[3], "rb").read())
elif not why and len(sys.argv) > 2:
    image = open(sys.argv[2], "rb").read()
    setup_sects = image[0x1f1] or 4
    why = check(page, "kernel", image[(setup_sects + 1) * 512:])
if why:
    sys.exit(why)

#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_fdt (test/fuzz/corpus/fdt/): small
device trees laid out as dtc does, each after the fuzzer's control byte.
With a DTB argument (QEMU: -M virt,dumpdtb=FILE) it also writes that tree
packed, with 64 free bytes, as the seed 'qemu-virt'.
Usage: make_fdt_seeds.py OUTDIR [DTB]"""
import struct
import sys


def fdt(nodes, rsv=(), spare=0, version=17):
    strings = b""
    names = {}
    st = b""

    def name_off(n):
        nonlocal strings
        if n not in names:
            names[n] = len(strings)
            strings += n.encode() + b"\0"
        return names[n]

    def pad(b):
        return b + b"\0" * (-len(b) % 4)

    def emit(node):
        nonlocal st
        name, props, children = node
        st += struct.pack(">I", 1) + pad(name.encode() + b"\0")
        for k, v in props:
            st += struct.pack(">III", 3, len(v), name_off(k)) + pad(v)
        for c in children:
            emit(c)
        st += struct.pack(">I", 2)

    emit(nodes)
    st += struct.pack(">I", 9)
    rmap = b"".join(struct.pack(">QQ", a, s) for a, s in rsv) + b"\0" * 16
    off_rsv = 40
    off_struct = off_rsv + len(rmap)
    off_strings = off_struct + len(st)
    total = off_strings + len(strings) + spare
    hdr = struct.pack(">10I", 0xD00DFEED, total, off_struct, off_strings,
                      off_rsv, version, 16, 0, len(strings), len(st))
    return hdr + rmap + st + strings + b"\0" * spare


def cells(*v):
    return b"".join(struct.pack(">I", x) for x in v)


tree = ("", [("#address-cells", cells(2)), ("#size-cells", cells(2)),
             ("compatible", b"linux,dummy-virt\0")],
        [("chosen", [("bootargs", b"console=ttyAMA0 quiet\0"),
                     ("linux,initrd-start", cells(0, 0x44010000)),
                     ("linux,initrd-end", cells(0, 0x44157000))], []),
         ("memory@40000000", [("device_type", b"memory\0"),
                              ("reg", cells(0, 0x40000000, 0, 0x40000000))], []),
         ("cpus", [("#address-cells", cells(1)), ("#size-cells", cells(0))],
          [("cpu@0", [("reg", cells(0)), ("device_type", b"cpu\0")], [])])])

out = sys.argv[1]
seeds = {
    "small": b"\0" + fdt(tree),
    "small-spare": b"\x10" + fdt(tree, spare=64),
    "memreserve": b"\0" + fdt(tree, rsv=[(0x48000000, 0x1000)], spare=32),
    "no-chosen": b"\x01" + fdt(("", [("model", b"x\0")], [])),
    "empty-chosen": b"\x02" + fdt(("", [], [("chosen", [], [])])),
}
if len(sys.argv) > 2:
    d = open(sys.argv[2], "rb").read()
    h = list(struct.unpack(">10I", d[:40]))
    used = h[3] + h[8]
    h[1] = used + 64
    seeds["qemu-virt"] = b"\0" + struct.pack(">10I", *h) + d[40:used] + b"\0" * 64
for name, data in seeds.items():
    with open("%s/%s" % (out, name), "wb") as f:
        f.write(data)

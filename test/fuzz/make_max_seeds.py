#!/usr/bin/env python3
"""Writes one maximum-size seed per fuzz target that has none from its own
generator (test/fuzz/corpus/<target>/max-*): the largest input each
target's format takes, so that a per-input time-out (test/fuzz/run.sh)
catches work that grows faster than the input.  For fuzz_fdt: a 2 MiB
tree (arm64 booting.rst's limit) of ~87,000 properties all named by one
1 MiB string, the case that made name validation quadratic.  For
kxinspect's targets, as large as libFuzzer's default input limit (1 MiB):
an ELF core of ~18,700 PT_LOADs, and a setup-page chain of the 64 pages
the ABI allows full of memory-map entries, with a command line of every
byte kxinspect must escape.
Usage: make_max_seeds.py [CORPUS_DIR]"""
import os
import struct
import sys


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def fdt_one_name(total=2 << 20):
    props = (1 << 20) // 12
    off_struct = 56
    size_struct = 8 + 12 * props + 8
    off_strings = off_struct + size_struct
    nstrings = total - off_strings
    hdr = struct.pack('>10I', 0xd00dfeed, total, off_struct, off_strings, 40,
                      17, 16, 0, nstrings, size_struct)
    st = struct.pack('>II', 1, 0) + struct.pack('>III', 3, 0, 0) * props + \
        struct.pack('>II', 2, 9)
    return hdr + b'\0' * 16 + st + b'n' * (nstrings - 1) + b'\0'


def setup_writer():
    s = bytes([250, 1])
    for k in range(8):
        s += bytes([1, k % 3, 6]) + struct.pack('<H', 8191)   # big tables
        s += bytes((i * 7 + k) & 0xff for i in range(8192))
        s += bytes([250])                                     # next page: 64 KiB
    s += bytes([3]) + struct.pack('<QQ', 0x40000000, 0x80000000) + bytes([1])
    s += struct.pack('<Q', 4096 * 64) + bytes([0])            # 4096 words
    s += bytes((i * 13) & 0xff for i in range(4096 * 8)) + bytes([1])
    s += bytes([2]) + struct.pack('<H', 599) + b'c' * 599
    s += bytes([3]) + struct.pack('<QQ', 0x1000, 0x2000) + bytes([1])
    s += struct.pack('<Q', 2**64 - 63) + bytes([1])           # the wrap
    return s


def pl_build():
    s = bytes([7, 0, 1, 3, 0x10, 95]) + bytes(range(95))
    for k in range(8):
        s += bytes([16 if k % 2 else 0, 16, k * 12]) + (65536).to_bytes(3, 'little')
        s += bytes([k * 2, 0])
    return s + bytes((i * 31) & 0xff for i in range(4096))


def e820():
    s = bytes([1, 64])
    for k in range(64):
        s += bytes([0, k % 15]) + struct.pack('<HB', k * 300, 255) + b'\0' * 16
    return s + bytes(32)


def idmap():
    s = bytes([1, 11, 0]) + struct.pack('<H', 3)
    for k in range(12):
        s += bytes([2 | ((k & 1) << 3), k % 8]) + struct.pack('<HH', k * 40, 511)
        s += bytes([2]) + struct.pack('<HH', 500, 511)
    return s + struct.pack('<Q', 12345)


def elf_core(loads, data=b'', phoff=64):
    """An ELF64 core: (p_type, paddr, offset, filesz) program headers."""
    eh = b'\x7fELF' + bytes([2, 1, 1]) + b'\0' * 9
    eh += struct.pack('<HHIQQQIHHHHHH', 4, 62, 1, 0, phoff, 0, 0, 64, 56,
                      len(loads), 0, 0, 0)
    ph = b''.join(struct.pack('<IIQQQQQQ', t, 4, off, 0, pa, sz, sz, 0)
                  for t, pa, off, sz in loads)
    return eh + b'\0' * (phoff - 64) + ph + data


LIMIT = 1 << 20     # libFuzzer's default -max_len for a corpus this size


def core_max():
    n = (LIMIT - 64) // 58
    first = 64 + 56 * n
    loads = [(1, 0x100000 * k, first + 2 * k, 2) for k in range(n)]
    return elf_core(loads, bytes((i * 7) & 0xff for i in range(2 * n)))


def setup_chain_max():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    '..', 'fixtures'))
    from make_fixtures import page, record, table
    base, size = 0x100000, (LIMIT - 8) // 64 // 8 * 8
    per = (size - 64 - 8 - 16) // 24
    cmd = bytes(range(1, 256)) * 4 + b'\0'
    out = b''
    for k in range(64):
        recs = []
        room = per
        if k == 0:
            recs.append(record('CMDL', cmd))
            room -= (8 + len(cmd) + 7) // 8 * 8 // 24 + 1
        recs.append(table('MMAP', [struct.pack('<QQII', (k * per + i) << 12, 4096,
                                               1 + i % 7 if i % 7 != 5 else 2, 0)
                                   for i in range(room)], 24))
        out += page(recs, page_size=size, seq=k,
                    next_page=base + (k + 1) * size if k < 63 else 0)
    return out + bytes([0])


def main(out):
    put(out, 'fdt', 'max-one-name-2mib', bytes([0]) + fdt_one_name())
    put(out, 'setup_writer', 'max-chain', setup_writer())
    put(out, 'pl_build', 'max-segments', pl_build())
    put(out, 'e820', 'max-descriptors', e820())
    put(out, 'idmap', 'max-ranges', idmap())
    put(out, 'core_source', 'max-phdrs', core_max())
    put(out, 'inspect_json', 'max-chain', setup_chain_max())


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus'))

#!/usr/bin/env python3
"""Checks, from a serial log of a kernel booted through kxboot, that memory
the firmware's final map did not call RAM is not System RAM to the kernel.

    iomem_check.py LOG SETUP-PAGE-ADDRESS

LOG holds kxboot's "kxboot: not RAM: 0xA-0xB" lines (the ranges of the
device tree's /memory it reserved, from the final EFI memory map), the
setup page kxinspect decoded in the guest (between the KXMARK setup-begin
and setup-end lines, JSON) and /proc/iomem (between KXMARK iomem-begin and
iomem-end).  Every such range, and every entry of the setup page's MMAP
that is not RAM (its EFI type recorded, 1.1), must meet no top-level
"System RAM" line of /proc/iomem; the setup page itself is the exception
(a /memreserve/: RAM the kernel keeps).  Prints one line per range; exits 1
with the reason on the first failure, 2 on a log it cannot read.
"""
import json
import re
import sys


def between(lines, begin, end):
    out, on = [], False
    for line in lines:
        if line.startswith('KXMARK ' + begin):
            on, out = True, []
        elif line.startswith('KXMARK ' + end):
            return out
        elif on:
            out.append(line)
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    raw = open(sys.argv[1], 'rb').read().decode('latin-1')
    raw = re.sub(r'\x1b\[[0-9;?]*[A-Za-z]|\x1bc', '\n', raw).replace('\r', '')
    lines = raw.split('\n')
    setup = int(sys.argv[2], 16)
    seen = [(int(a, 16), int(b, 16)) for a, b in
            re.findall(r'^kxboot: not RAM: 0x([0-9a-f]+)-0x([0-9a-f]+) ', raw, re.M)]
    iomem = between(lines, 'iomem-begin', 'iomem-end')
    page = between(lines, 'setup-begin', 'setup-end')
    if iomem is None or page is None:
        print('no /proc/iomem or no setup page in the log')
        sys.exit(2)
    ram = []
    for line in iomem:
        m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) : System RAM$', line)
        if m:
            ram.append((int(m.group(1), 16), int(m.group(2), 16)))
    if not ram:
        print('/proc/iomem lists no System RAM (read as root?)')
        sys.exit(2)
    doc = json.loads('\n'.join(l for l in page if not l.startswith('kxinspect: ')))
    mmap = [e for rec in doc['records'] if rec.get('type') == 'MMAP'
            for e in rec['entries']]
    efi = [e for e in mmap if 'efi' in e]
    if not efi:
        print('the setup page\'s MMAP has no EFI-typed entry')
        sys.exit(1)
    check = [(a, b, 'kxboot reserved it') for a, b in seen]
    check += [(e['addr'], e['addr'] + e['size'] - 1, 'MMAP %s, EFI %s' % (e['type'], e['efi']['name']))
              for e in efi if e['type'] != 'ram' and e['addr'] != setup]
    if not seen:
        print('kxboot reported no range of /memory that is not RAM '
              '(AAVMF keeps its runtime regions inside DRAM)')
        sys.exit(1)
    bad = 0
    for a, b, why in check:
        hit = [(x, y) for x, y in ram if x <= b and a <= y]
        if hit:
            bad += 1
            print('FAIL 0x%x-0x%x (%s) is System RAM to the kernel: %s' %
                  (a, b, why, ', '.join('%x-%x' % h for h in hit)))
        else:
            print('ok   0x%x-0x%x (%s) not System RAM' % (a, b, why))
    sys.exit(1 if bad else 0)


main()

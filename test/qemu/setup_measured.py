#!/usr/bin/env python3
"""Checks the MEAS record (setup ABI 1.1) in kxinspect's JSON (stdin) of
the setup page kxboot wrote under Secure Boot with a TPM: one entry for the
kernel with the kernel file's SHA-256, in PCR 4, extended and verified;
one per initrd file in the configuration's order with its SHA-256, in
PCR 9, extended; one for the command line in PCR 8, extended.
Usage: setup_measured.py KERNEL INITRD...   Exits 1 naming what differs."""
import hashlib
import json
import sys

EXTENDED, VERIFIED = 1, 2


def main():
    kernel, initrds = sys.argv[1], sys.argv[2:]
    page = json.loads(sys.stdin.read())
    recs = [r for r in page.get('records', []) if r.get('type') == 'MEAS']
    if len(recs) != 1:
        print('%d MEAS records in the setup page, want 1' % len(recs))
        return 1
    ents = recs[0]['entries']
    want = [('kernel', 4, kernel, EXTENDED | VERIFIED)]
    want += [('initrd', 9, f, EXTENDED) for f in initrds]
    why = []
    got = [e for e in ents if e['kind'] in ('kernel', 'initrd')]
    if len(got) != len(want):
        why.append('%d kernel/initrd entries, want %d' % (len(got), len(want)))
    for (kind, pcr, path, flags), e in zip(want, got):
        data = open(path, 'rb').read()
        digest = hashlib.sha256(data).hexdigest()
        if (e['kind'], e['pcr'], e['size'], e['sha256']) != (kind, pcr, len(data), digest):
            why.append('%s entry %s, want PCR %d, %d bytes, sha256 %s' %
                       (kind, e, pcr, len(data), digest[:16]))
        if e['flags'] & flags != flags:
            why.append('%s entry flags %d lack %d' % (kind, e['flags'], flags))
    cmd = [e for e in ents if e['kind'] == 'cmdline']
    if len(cmd) != 1 or cmd[0]['pcr'] != 8 or not cmd[0]['flags'] & EXTENDED:
        why.append('command line entry %s, want one in PCR 8, extended' % cmd)
    if why:
        print('; '.join(why))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

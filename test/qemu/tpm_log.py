#!/usr/bin/env python3
"""Replays a TPM 2.0 event log (TCG PC Client, crypto-agile) the guest
printed, and checks it against the PCRs the guest read from its TPM and
against the files kxboot measured.

  tpm_log.py SERIAL-LOG --kernel F --initrd F [--pcrs 0-9]
             [--expect-pcr N]...   print the SHA-256 PCR values as replayed

The serial log holds "KXMARK pcr-sha256 N HEX" lines, the log in base64
between "KXMARK eventlog-begin" and "KXMARK eventlog-end", and the command
line after "KXMARK cmdline ".  Checks, each printed as a reason on failure:
  - every PCR in --pcrs equals the replay of the log's SHA-256 digests;
  - the log has kxboot's EV_IPL events "kxboot: kernel ...", "kxboot:
    initrd ...", "kxboot: cmdline" with the SHA-256 of the kernel file, the
    initrd file and the command line the kernel saw;
On success prints "PCR n <hex>" for each replayed PCR.  Exit 1 on failure.
"""
import base64
import hashlib
import re
import struct
import sys

EV_NO_ACTION = 0x3
EV_IPL = 0xD
DIGEST = {0x4: 20, 0xB: 32, 0xC: 48, 0xD: 64, 0x12: 32}
SHA256 = 0xB


def parse(log):
    """Yields (pcr, type, {alg: digest}, data) for every event."""
    # The first event: TCG_PCClientPCREvent, SHA-1 format (spec ID event).
    pcr, etype = struct.unpack_from('<II', log, 0)
    size, = struct.unpack_from('<I', log, 28)
    off = 32 + size
    if etype != EV_NO_ACTION or not log[32:48].startswith(b'Spec ID Event03'):
        raise ValueError('no crypto-agile spec ID event first')
    while off + 12 <= len(log):
        pcr, etype, count = struct.unpack_from('<III', log, off)
        if etype == 0 and count == 0:
            break               # the zeroed rest of the area
        p = off + 12
        digests = {}
        for _ in range(count):
            alg, = struct.unpack_from('<H', log, p)
            n = DIGEST[alg]
            digests[alg] = log[p + 2:p + 2 + n]
            p += 2 + n
        size, = struct.unpack_from('<I', log, p)
        data = log[p + 4:p + 4 + size]
        if len(data) != size:
            raise ValueError('event at %d runs past the log' % off)
        yield pcr, etype, digests, data
        off = p + 4 + size


def main():
    args = sys.argv[1:]
    serial = open(args.pop(0), 'rb').read().decode('latin-1').replace('\r', '')
    opts = {'--kernel': None, '--initrd': None, '--pcrs': '0-9'}
    while args:
        k = args.pop(0)
        opts[k] = args.pop(0)
    lo, hi = (int(x) for x in opts['--pcrs'].split('-'))
    why = []
    pcrs = {int(m.group(1)): bytes.fromhex(m.group(2))
            for m in re.finditer(r'^KXMARK pcr-sha256 (\d+) ([0-9A-Fa-f]{64})$', serial, re.M)}
    m = re.search(r'^KXMARK eventlog-begin\n(.*?)^KXMARK eventlog-end$', serial, re.M | re.S)
    cmd = re.search(r'^KXMARK cmdline (.*)$', serial, re.M)
    if not pcrs:
        why.append('no PCR values from the guest')
    if not m:
        why.append('no event log from the guest')
    if why:
        print('; '.join(why))
        return 1
    log = base64.b64decode(''.join(m.group(1).split()))
    replay = {i: bytes(32) for i in range(24)}
    kx = {}
    for pcr, etype, digests, data in parse(log):
        if etype == EV_NO_ACTION:
            continue            # not extended
        if SHA256 not in digests:
            why.append('an event without a SHA-256 digest')
            continue
        replay[pcr] = hashlib.sha256(replay[pcr] + digests[SHA256]).digest()
        if etype == EV_IPL and data.startswith(b'kxboot: '):
            word = data[8:].split(b' ')[0].decode()
            kx.setdefault(word, []).append((pcr, digests[SHA256].hex(), data.decode('latin-1')))
    for i in range(lo, hi + 1):
        if i not in pcrs:
            why.append('PCR %d not read by the guest' % i)
        elif pcrs[i] != replay[i]:
            why.append('PCR %d: TPM %s, replayed %s' % (i, pcrs[i].hex(), replay[i].hex()))
    want = {'kernel': (4, opts['--kernel']), 'initrd': (9, opts['--initrd'])}
    for word, (pcr, path) in want.items():
        if path is None:
            continue
        digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()
        got = kx.get(word, [])
        if (pcr, digest) not in [(p, d) for p, d, _ in got]:
            why.append('no kxboot %s event in PCR %d with the file\'s sha256 %s (log: %s)' %
                       (word, pcr, digest[:16], got))
    if cmd:
        digest = hashlib.sha256(cmd.group(1).encode()).hexdigest()
        if (8, digest) not in [(p, d) for p, d, _ in kx.get('cmdline', [])]:
            why.append('no kxboot cmdline event in PCR 8 with the sha256 of "%s"' % cmd.group(1))
    else:
        why.append('no command line from the guest')
    if why:
        print('; '.join(why))
        return 1
    for i in range(lo, hi + 1):
        print('PCR %d %s' % (i, replay[i].hex()))
    return 0


if __name__ == '__main__':
    sys.exit(main())

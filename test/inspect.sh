#!/usr/bin/env bash
# kxinspect's limits, beyond the fixtures (test/fixtures/check.sh): a long
# page list is walked in bounded memory and refused past --max-pages; text
# output escapes what a command line from memory holds; --mem refuses to
# start without a usable /proc/iomem.
# Usage: inspect.sh KXINSPECT (a plain build: ASan's shadow defeats ulimit -v)
set -u
kxinspect=$(realpath "$1")
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
ok() { echo "ok   inspect $*"; }
bad() { echo "FAIL inspect $*"; fails=$((fails + 1)); }

# A chain of N indirection pages at 0x100000 (slot 0 chains on, the last
# ends the list): N pages of list, 4 KiB of memory needed to walk it.
n=12000
python3 - "$work/chain.bin" $n <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, 'wb') as f:
    for i in range(n):
        page = bytearray(4096)
        nxt = (0x100000 + (i + 1) * 4096) | 2 if i + 1 < n else 4
        struct.pack_into('<Q', page, 0, nxt)
        f.write(page)
PY
# 48 MiB of list; kxinspect may use 24 MiB of address space in all.
out=$( (ulimit -v 24576; "$kxinspect" --json --file "$work/chain.bin" --base 0x100000 \
	pagelist 0x100002) 2>&1)
if grep -q "\"valid\":true,\"entries\":$((n + 1)),\"indirection_pages\":$n," <<<"$out"; then
	ok "a $n-page list walked within 24 MiB of address space"
else
	bad "a $n-page list within 24 MiB: $(head -c 300 <<<"$out")"
fi
out=$("$kxinspect" --json --max-pages $((n - 1)) --file "$work/chain.bin" --base 0x100000 \
	pagelist 0x100002 2>/dev/null)
if grep -q '"status":"KX_ERR_LIST_LENGTH"' <<<"$out"; then
	ok "--max-pages $((n - 1)) refuses a $n-page list"
else
	bad "--max-pages $((n - 1)) on a $n-page list: $(head -c 300 <<<"$out")"
fi

# A setup page whose command line holds an escape sequence and a tab.
python3 - "$work/esc.bin" <<'PY'
import sys
sys.path.insert(0, 'test/fixtures')
import make_fixtures as m
cmd = b'console=ttyS0 \x1b[2J\x07\tquiet\x7f\xff\0'
open(sys.argv[1], 'wb').write(m.page([m.record('CMDL', cmd)]))
PY
out=$("$kxinspect" setup --file "$work/esc.bin" 2>&1)
if [ $? -eq 0 ] && ! LC_ALL=C grep -q '[[:cntrl:]]' <<<"$(tr -d '\n' <<<"$out")" &&
   grep -qF 'console=ttyS0 \x1b[2J\x07\x09quiet\x7f\xff' <<<"$out"; then
	ok "text output escapes control and non-ASCII bytes"
else
	bad "text output of a command line with control bytes: $(cat -v <<<"$out" | tail -n 3)"
fi
out=$("$kxinspect" --json setup --file "$work/esc.bin" 2>&1)
if grep -qF '"cmdline":"console=ttyS0 \u001b[2J\u0007\u0009quiet\u007f\u00ff"' <<<"$out"; then
	ok "JSON output escapes them too"
else
	bad "JSON output of that command line: $(cat -v <<<"$out")"
fi

# --mem without a usable /proc/iomem: refused before reading anything.
printf '00000000-00000000 : System RAM\n00000000-00000000 : Reserved\n' >"$work/iomem-zero"
out=$("$kxinspect" --mem=/dev/null --iomem "$work/iomem-zero" setup 0x1000 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q 'lists no RAM or reserved range' <<<"$out"; then
	ok "--mem refuses an /proc/iomem that shows no addresses (not root)"
else
	bad "--mem with an all-zero iomem: exit $rc: $out"
fi
out=$("$kxinspect" --mem=/dev/null --iomem "$work/none" setup 0x1000 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q 'needed to check' <<<"$out"; then
	ok "--mem refuses without an /proc/iomem"
else
	bad "--mem without iomem: exit $rc: $out"
fi
[ $fails -eq 0 ]

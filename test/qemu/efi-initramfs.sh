#!/usr/bin/env bash
# Makes a small initramfs for kernels booted through kxboot.efi: busybox,
# kxinspect and an /init script.
#
#   efi-initramfs.sh ARCH OUT.cpio.gz INIT KXINSPECT
#
# busybox comes from Debian's busybox-static (scripts/fetch.sh).  Nothing
# is done when no input changed since the last run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

[ $# -eq 4 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
arch=$1 out=$2 init=$3 kxinspect=$4
case $arch in
x86_64|amd64) debarch=amd64 strip=strip ;;
aarch64|arm64) debarch=arm64 strip=aarch64-linux-gnu-strip ;;
*) echo "efi-initramfs: unknown ARCH $arch" >&2; exit 2 ;;
esac
for f in "$init" "$kxinspect"; do
	[ -f "$f" ] || { echo "efi-initramfs: missing $f" >&2; exit 2; }
done
busybox=$("$top/scripts/fetch.sh" busybox "$debarch")

key=$(sha256sum "$0" "$init" "$kxinspect" "$busybox" | sed 's/ .*//' | sha256sum)
if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
	exit 0
fi
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/.initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,sbin,proc,sys,dev,tmp}
cp "$busybox" "$work/bin/busybox"
$strip -o "$work/bin/kxinspect" "$kxinspect"
install -m 755 "$init" "$work/init"
(cd "$work" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 -n >"$out.tmp"
mv "$out.tmp" "$out"
echo "$key" >"$out.key"

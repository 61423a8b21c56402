#!/usr/bin/env bash
# Makes the two initramfs images of the QEMU tests in OUTDIR:
#
#   OUTDIR/initrd2.cpio.gz    the next kernel's (after kexec -e, or the
#                             capture kernel): busybox, kxinspect, physread,
#                             makedumpfile with its shared libraries, /init
#   OUTDIR/initramfs.cpio.gz  the first kernel's: busybox, kexec (and
#                             kexec-corrupt), physread, /init, and what it
#                             kexecs into: /boot/vmlinuz (the same Debian
#                             kernel) and /boot/initrd.gz (initrd2)
#
#   initramfs.sh ARCH OUTDIR --kexec FILE [--kexec-corrupt FILE]
#                --kxinspect FILE --physread FILE [--tool FILE]...
#                [--modules DIR NAME...]
#
# --tool FILE: the first image also gets FILE as /bin/<its name>.
# --modules DIR NAME...: the first image also gets DIR/NAME (kernel
# modules, loaded by /init in that order when it runs in a Xen dom0).
# Both run test/qemu/init, which kxtest= on the command line drives.  The
# kernel and busybox come from scripts/fetch.sh, makedumpfile from Debian's
# package (scripts/deps.sh kexec).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

[ $# -ge 2 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
arch=$1 outdir=$2
shift 2
kexec= kexec_corrupt= kxinspect= physread= moddir= modules=() tools=()
while [ $# -gt 0 ]; do
	case $1 in
	--modules) moddir=$2; shift 2; modules=("$@"); break ;;
	--tool) tools+=("$2") ;;
	--kexec) kexec=$2 ;;
	--kexec-corrupt) kexec_corrupt=$2 ;;
	--kxinspect) kxinspect=$2 ;;
	--physread) physread=$2 ;;
	*) echo "initramfs: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
for f in "$kexec" "$kxinspect" "$physread" ${kexec_corrupt:+"$kexec_corrupt"}; do
	[ -n "$f" ] && [ -x "$f" ] || { echo "initramfs: missing or not executable: '$f'" >&2; exit 2; }
done
case $arch in
x86_64|amd64) debarch=amd64 strip=strip ;;
*) echo "initramfs: ARCH $arch is not supported yet" >&2; exit 2 ;;
esac

"$top/scripts/deps.sh" qemu kexec >&2
kernel=$("$top/scripts/fetch.sh" kernel "$debarch")
busybox=$("$top/scripts/fetch.sh" busybox "$debarch")

makedumpfile=$(command -v makedumpfile || echo /usr/sbin/makedumpfile)

# Nothing to do when no input changed since the last run.
mkdir -p "$outdir"
key=$(sha256sum "$0" "$here/init" "$kernel" "$busybox" "$kexec" "$kxinspect" \
	"$physread" "$makedumpfile" ${kexec_corrupt:+"$kexec_corrupt"} \
	${moddir:+"${modules[@]/#/$moddir/}"} ${tools[@]+"${tools[@]}"} | sed 's/ .*//' | sha256sum)
if [ "$(cat "$outdir/.initramfs-key" 2>/dev/null)" = "$key" ] &&
	[ -f "$outdir/initramfs.cpio.gz" ] && [ -f "$outdir/initrd2.cpio.gz" ]; then
	exit 0
fi
rm -f "$outdir/.initramfs-key"
work=$(mktemp -d "$outdir/.initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

base() {	# base DIR: busybox, physread and /init
	mkdir -p "$1/bin" "$1/sbin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/boot"
	cp "$busybox" "$1/bin/busybox"
	$strip -o "$1/bin/physread" "$physread"
	install -m 755 "$here/init" "$1/init"
}

. "$here/cpio.sh"

second=$work/second
base "$second"
$strip -o "$second/bin/kxinspect" "$kxinspect"
with_libs "$second" "$makedumpfile"
pack "$second" "$outdir/initrd2.cpio.gz"

first=$work/first
base "$first"
$strip -o "$first/bin/kexec" "$kexec"
[ -z "$kexec_corrupt" ] || $strip -o "$first/bin/kexec-corrupt" "$kexec_corrupt"
cp "$kernel" "$first/boot/vmlinuz"
for t in ${tools[@]+"${tools[@]}"}; do
	$strip -o "$first/bin/$(basename "$t")" "$t"
done
if [ -n "$moddir" ]; then
	mkdir -p "$first/lib/modules"
	for m in "${modules[@]}"; do
		cp "$moddir/$m" "$first/lib/modules/$m"
	done
	printf '%s\n' "${modules[@]}" >"$first/lib/modules/order"
fi
cp "$outdir/initrd2.cpio.gz" "$first/boot/initrd.gz"
pack "$first" "$outdir/initramfs.cpio.gz"
echo "$key" >"$outdir/.initramfs-key"

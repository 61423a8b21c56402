#!/usr/bin/env bash
# Builds a static kexec from Debian's kexec-tools source (scripts/fetch.sh)
# in a copy of its tree (Debian's patches break out-of-tree builds), and
# prints the path of the binary.
#
#   build-kexec.sh [--purgatory FILE.ro] [--corrupt] [--xen] [--patch FILE]... ARCH [OUTDIR]
#
# ARCH is x86_64|amd64 or aarch64|arm64 (cross-built).
# --purgatory FILE.ro   embed FILE.ro instead of kexec-tools' own purgatory:
#                       after the normal build it replaces purgatory/purgatory.ro
#                       and make regenerates kexec/purgatory.c with bin/bin-to-hex.
# --corrupt             test-only: apply kexec-corrupt.patch, which lets
#                       KX_TEST_CORRUPT=N flip a byte of segment N after its
#                       digest was taken (the purgatory must refuse to boot).
# --xen                 x86_64 only: with Xen support (--with-xen), linked
#                       statically against Debian's libxen-dev (scripts/fetch.sh
#                       xen), as Debian builds it: in a Xen dom0 kexec then
#                       loads and executes through the hypervisor.
# --patch FILE          apply FILE (patch -p1) too, e.g. aarch64-stext.patch.
#
# OUTDIR defaults to CACHE/kexec-builds (CACHE as in scripts/fetch.sh:
# outside the clone, so CI on the same machine reuses the builds).  The
# configured and built tree of each (source, ARCH, Xen, patches) is kept
# there as a base; a variant (another purgatory, the corrupt patch) is a
# copy of it in which make recompiles only what the variant changes.  The
# result is cached in OUTDIR/<name>-<key>/kexec, the key hashing the base,
# the purgatory's SHA-256 and the corrupt patch; a rerun with the same
# inputs prints the cached binary at once.  Build log: OUTDIR/<name>-<key>.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

purgatory= corrupt= xen= patches=()
while [ $# -gt 0 ]; do
	case $1 in
	--purgatory) purgatory=${2:?--purgatory FILE}; shift 2 ;;
	--corrupt) corrupt=1; shift ;;
	--xen) xen=1; shift ;;
	--patch) patches+=("$(realpath "${2:?--patch FILE}")"); shift 2 ;;
	-*) echo "build-kexec: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || [ $# -eq 2 ] || { sed -n '5,18p' "$0" >&2; exit 2; }
arch=$1
case $arch in
x86_64|amd64) arch=x86_64 host=() ;;
aarch64|arm64) arch=aarch64 host=(--host=aarch64-linux-gnu CC=aarch64-linux-gnu-gcc) ;;
*) echo "build-kexec: unknown ARCH $arch" >&2; exit 2 ;;
esac
outdir=$(realpath -m "${2:-$("$top/scripts/fetch.sh" cache)/kexec-builds}")
config=(--without-xen)
if [ -n "$xen" ]; then
	[ "$arch" = x86_64 ] || { echo "build-kexec: --xen is for x86_64" >&2; exit 2; }
	xendir=$("$top/scripts/fetch.sh" xen) || { echo "build-kexec: fetch.sh xen failed" >&2; exit 1; }
	xenlib=$xendir/root/usr/lib/x86_64-linux-gnu
	# Static: libxenctrl and what it links, in dependency order.
	config=(--with-xen CPPFLAGS="-I$xendir/root/usr/include"
		LDFLAGS="-static -L$xenlib"
		LIBS="-lxenctrl -lxenforeignmemory -lxendevicemodel -lxengnttab -lxenevtchn -lxencall -lxentoolcore -lxentoollog -lpthread -ldl")
fi
if [ -n "$purgatory" ]; then
	[ -f "$purgatory" ] || { echo "build-kexec: no purgatory object $purgatory" >&2; exit 1; }
	purgatory=$(realpath "$purgatory")
fi

"$top/scripts/deps.sh" build kexec >&2
src=$("$top/scripts/fetch.sh" kexec-tools)
patch=$here/kexec-corrupt.patch

# The base: the configured and built tree of (source, arch, Xen, patches)
# with kexec-tools' own purgatory, kept, so that a variant (another
# purgatory, the corrupt patch) only recompiles what it changes.
base_key=$( {
	echo "src $(basename "$src") arch $arch"
	[ -z "$xen" ] || echo "xen $(basename "$xendir")"
	for p in "${patches[@]}"; do sha256sum <"$p"; done
	sha256sum <"$0"
} | sha256sum | cut -c1-16)
base_name=base-$arch${xen:+-xen}${patches:+-patched}
base=$outdir/$base_name-$base_key
key=$( {
	echo "base $base_key"
	if [ -n "$purgatory" ]; then sha256sum <"$purgatory"; else echo "own purgatory"; fi
	if [ -n "$corrupt" ]; then sha256sum <"$patch"; fi
} | sha256sum | cut -c1-16)
name=$arch${xen:+-xen}${purgatory:+-purg}${corrupt:+-corrupt}${patches:+-patched}-$key
out=$outdir/$name
# Suites run side by side: one build of a key at a time.
mkdir -p "$outdir"
exec 7>"$outdir/$name.lock"
flock 7
if [ -x "$out/kexec" ]; then
	echo "$out/kexec"
	exit 0
fi

log=$outdir/$name.log
fail() {
	echo "build-kexec: $1 (log: $log)" >&2
	tail -n 20 "$log" >&2
	exit 1
}
# Keeps the KEEP newest folders named PREFIX-<16 hex> (a purgatory under
# development makes a new key with each change).
prune() {	# prune PREFIX KEEP
	find "$outdir" -maxdepth 1 -type d -regextype posix-extended -regex ".*/$1-[0-9a-f]{16}" -printf '%T@ %p\n' |
		sort -rn | sed "1,$2d" | cut -d' ' -f2- | while read -r old; do rm -rf "$old" "$old.log"; done
}

build_base() {
	exec 6>"$base.lock"
	flock 6
	[ -f "$base/.kx-built" ] && return 0
	log=$base.log
	rm -rf "$base"
	{
		echo "== kexec-tools $(basename "$src") for $arch${xen:+ with Xen}"
		cp -a "$src" "$base"
	} >"$log" 2>&1
	cd "$base"
	for p in "${patches[@]}"; do
		patch -p1 <"$p" >>"$log" 2>&1 || fail "$(basename "$p") does not apply"
	done
	[ -n "$xen" ] || config+=(LDFLAGS=-static)
	./configure --without-zlib --without-lzma "${config[@]}" "${host[@]}" \
		>>"$log" 2>&1 || fail "configure failed"
	make -j2 >>"$log" 2>&1 || fail "make failed"
	if [ -n "$xen" ]; then
		# configure turns Xen off quietly when it cannot link libxenctrl.
		grep -q '^#define HAVE_LIBXENCTRL 1' include/config.h ||
			fail "configure did not enable Xen (HAVE_LIBXENCTRL)"
	fi
	touch .kx-built
	cd "$outdir"
	prune "$base_name" 2
	exec 6>&-
}
(build_base) || exit 1

mkdir -p "$out.tmp"
if [ -z "$purgatory$corrupt" ]; then
	echo "== the base's own build ($base)" >"$log"
	cp "$base/build/sbin/kexec" "$out.tmp/kexec"
else
	tree=$outdir/$name.tree
	rm -rf "$tree"
	{
		echo "== from $base${purgatory:+ with $purgatory}${corrupt:+ (corrupt patch)}"
		cp -a "$base" "$tree"
	} >"$log" 2>&1
	cd "$tree"
	if [ -n "$corrupt" ]; then
		patch -p1 <"$patch" >>"$log" 2>&1 || fail "kexec-corrupt.patch does not apply"
	fi
	if [ -n "$purgatory" ]; then
		cp "$purgatory" purgatory/purgatory.ro
		touch purgatory/purgatory.ro
		rm -f kexec/purgatory.c
	fi
	make -j2 >>"$log" 2>&1 || fail "make failed"
	if [ -n "$purgatory" ]; then
		# The object really is the one embedded.
		bin/bin-to-hex purgatory <"$purgatory" | cmp -s - kexec/purgatory.c ||
			fail "kexec/purgatory.c was not regenerated from $purgatory"
	fi
	if [ -n "$corrupt" ]; then
		grep -q KX_TEST_CORRUPT build/sbin/kexec ||
			fail "the corrupt patch is not in the binary"
	fi
	cp build/sbin/kexec "$out.tmp/kexec"
	cd "$outdir"
	rm -rf "$tree"
fi
rm -rf "$out"
mv "$out.tmp" "$out"
prune "${name%-*}" 3
echo "$out/kexec"

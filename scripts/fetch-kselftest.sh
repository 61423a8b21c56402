#!/usr/bin/env bash
# Fetches Linux's own kexec-jump selftest, tools/testing/selftests/kexec/
# test_kexec_jump.c (Linux 6.14 and later), from the very linux-source
# package a kexec-jump test kernel was built from (scripts/build-kernel.sh),
# into CACHE/kselftest/<package version>/ (CACHE as in scripts/fetch.sh).
# Prints the file's path; fails if that source has no such test.
#
#   fetch-kselftest.sh KERNEL_DIR    the folder of build-kernel.sh's bzImage
#
# The package is looked for in the machine's own suites, then in sid
# through scripts/apt-private.sh (the machine's sources are not touched),
# as build-kernel.sh does.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: fetch-kselftest.sh KERNEL_DIR}
read -r pkg ver _ <"$kdir/built" || { echo "fetch-kselftest: no $kdir/built" >&2; exit 1; }
cache=$("$top/scripts/fetch.sh" cache)
out=$cache/kselftest/$ver
file=$out/test_kexec_jump.c
if [ -f "$file" ]; then
	echo "$file"
	exit 0
fi

mkdir -p "$cache/kselftest"
work=$(mktemp -d "$cache/kselftest/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && { apt-get download -q "$pkg=$ver" >/dev/null 2>&1 ||
	"$top/scripts/apt-private.sh" sid apt-get download -q "$pkg=$ver" >/dev/null; }) || {
	echo "fetch-kselftest: cannot download $pkg $ver" >&2
	exit 1
}
# Only the one file leaves the (large) source tarball.
dpkg-deb --fsys-tarfile "$work"/*.deb | tar -xO --wildcards '*/linux-source-*.tar.xz' |
	xz -dc | tar -x -C "$work" --wildcards '*/tools/testing/selftests/kexec/test_kexec_jump.c' ||
	{ echo "fetch-kselftest: $pkg $ver has no tools/testing/selftests/kexec/test_kexec_jump.c" >&2; exit 1; }
mkdir -p "$out.tmp"
cp "$work"/linux-source-*/tools/testing/selftests/kexec/test_kexec_jump.c "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$file"

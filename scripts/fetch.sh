#!/usr/bin/env bash
# Fetches third-party inputs of the tests from Debian's archive into the
# cache outside the clone, once: never committed.  Prints the path made.
# CACHE is $KX_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/kx, so that every
# clone on a machine (CI's fresh one too) shares what was fetched.
#   fetch.sh kexec-tools           source tree  -> CACHE/src/kexec-tools-<ver>
#   fetch.sh kernel amd64|arm64    Debian kernel -> CACHE/kernel/<arch>/vmlinuz
#   fetch.sh busybox amd64|arm64   static busybox -> CACHE/busybox/<arch>/busybox
#   fetch.sh debs arm64 PKG...     unpacked .debs -> CACHE/sysroot/<arch>/
#   fetch.sh cache                 prints CACHE
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kx}
mkdir -p "$cache"
# Test suites run side by side: one fetch at a time, so that none sees
# another's half-unpacked folder.
if [ -z "${KX_FETCH_LOCKED:-}" ]; then
	exec 8>"$cache/.fetch.lock"
	flock 8
	export KX_FETCH_LOCKED=1	# a fetch.sh it runs holds it already
fi

# Downloads PKG[:arch] and unpacks it into DIR; the .deb is kept beside.
download_unpack() {	# download_unpack PKG DIR
	local pkg=$1 dir=$2 deb
	mkdir -p "$dir/debs"
	(cd "$dir/debs" && apt-get download -q "$pkg" >/dev/null 2>&1) || {
		"$top/scripts/deps.sh" --arm64 >/dev/null
		(cd "$dir/debs" && apt-get download -q "$pkg" >/dev/null)
	}
	deb=$(ls -t "$dir"/debs/"${pkg%%:*}"_*.deb | head -n 1)
	dpkg-deb -x "$deb" "$dir/root"
}

case ${1:-} in
kexec-tools)
	"$top/scripts/deps.sh" --deb-src >/dev/null
	"$top/scripts/deps.sh" kexec >/dev/null
	src=$(ls -d "$cache"/src/kexec-tools-*/ 2>/dev/null | head -n 1 || true)
	if [ -z "$src" ]; then
		mkdir -p "$cache/src"
		(cd "$cache/src" && apt-get source -q kexec-tools >/dev/null 2>&1) ||
			(cd "$cache/src" && apt-get source kexec-tools)
		src=$(ls -d "$cache"/src/kexec-tools-*/ | head -n 1)
	fi
	echo "${src%/}"
	;;
kernel)
	arch=${2:?arch}
	dir=$cache/kernel/$arch
	# The metapackage names today's versioned kernel package.
	pkg=$(apt-cache depends "linux-image-$arch:$arch" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	[ -n "$pkg" ] || { "$top/scripts/deps.sh" --arm64 >/dev/null;
		pkg=$(apt-cache depends "linux-image-$arch:$arch" | awk '/Depends: linux-image-/ {print $2; exit}'); }
	pkg=${pkg%%:*}
	if [ "$(cat "$dir/package" 2>/dev/null)" != "$pkg" ]; then
		rm -rf "$dir"
		download_unpack "$pkg:$arch" "$dir"
		cp "$dir"/root/boot/vmlinuz-* "$dir/vmlinuz"
		cp "$dir"/root/boot/config-* "$dir/config"
		rm -rf "$dir/root" "$dir/debs"
		echo "$pkg" >"$dir/package"
	fi
	echo "$dir/vmlinuz"
	;;
busybox)
	arch=${2:?arch}
	dir=$cache/busybox/$arch
	if [ ! -x "$dir/busybox" ]; then
		rm -rf "$dir"
		download_unpack "busybox-static:$arch" "$dir"
		cp "$dir/root/bin/busybox" "$dir/busybox"
		rm -rf "$dir/root" "$dir/debs"
	fi
	echo "$dir/busybox"
	;;
cache)
	echo "$cache"
	;;
debs)
	arch=${2:?arch}
	shift 2
	dir=$cache/sysroot/$arch
	for p in "$@"; do
		[ -e "$dir/.have-$p" ] && continue
		download_unpack "$p:$arch" "$dir"
		touch "$dir/.have-$p"
	done
	echo "$dir/root"
	;;
*)
	sed -n '2,11p' "$0" >&2
	exit 2
	;;
esac

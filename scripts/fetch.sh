#!/usr/bin/env bash
# Fetches third-party inputs of the tests from Debian's archive into the
# cache outside the clone, once: never committed.  Prints the path made.
# CACHE is $KX_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/kx, so that every
# clone on a machine (CI's fresh one too) shares what was fetched.
#   fetch.sh kexec-tools           source tree  -> CACHE/src/kexec-tools-<ver>
#   fetch.sh kernel amd64|arm64    Debian kernel -> CACHE/kernel/<arch>/vmlinuz
#   fetch.sh busybox amd64|arm64   static busybox -> CACHE/busybox/<arch>/busybox
#   fetch.sh debs arm64 PKG...     unpacked .debs -> CACHE/sysroot/<arch>/
#   fetch.sh kmods amd64 PATH...   modules of the kernel above (PATH under
#                                  kernel/, e.g. drivers/xen/xenfs/xenfs.ko)
#                                  -> CACHE/kernel/<arch>/modules/<name>.ko
#   fetch.sh xen                   Debian's Xen 4.17 hypervisor (gunzipped)
#                                  and libxen-dev with its libraries
#                                  -> CACHE/xen/<version>/{xen,root/}
#   fetch.sh firmware SUITE PKG    a firmware package of another Debian
#                                  suite (ovmf, qemu-efi-aarch64 of
#                                  trixie), through a private apt list
#                                  (scripts/apt-private.sh), unpacked
#                                  -> CACHE/firmware/<SUITE>/<PKG>_<version>/
#                                  (its usr/share/... as in the package)
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
kmods)
	arch=${2:?arch}
	shift 2
	kernel=$("$0" kernel "$arch")
	dir=$(dirname "$kernel")/modules
	# Keyed by the kernel package: a new kernel brings its own modules.
	if [ "$(cat "$dir/package" 2>/dev/null)" != "$(cat "$(dirname "$kernel")/package")" ]; then
		rm -rf "$dir"
	fi
	missing=()
	for m in "$@"; do
		[ -f "$dir/$(basename "$m")" ] || missing+=("$m")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		rm -rf "$dir/tmp"
		download_unpack "$(cat "$(dirname "$kernel")/package"):$arch" "$dir/tmp"
		for m in "${missing[@]}"; do
			cp "$dir"/tmp/root/lib/modules/*/kernel/"$m" "$dir/"
		done
		rm -rf "$dir/tmp"
		cp "$(dirname "$kernel")/package" "$dir/package"
	fi
	echo "$dir"
	;;
xen)
	# The hypervisor and the libraries kexec-tools links for Xen, of one
	# version (libxen-dev pins its libraries to its own version).
	ver=$(apt-cache show --no-all-versions xen-hypervisor-4.17-amd64 | awk '/^Version:/ {print $2; exit}')
	[ -n "$ver" ] || { echo "fetch: no xen-hypervisor-4.17-amd64 in apt's lists" >&2; exit 1; }
	dir=$cache/xen/$ver
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		for p in xen-hypervisor-4.17-amd64 libxen-dev $(apt-cache depends libxen-dev |
				awk '/Depends: libxen/ {print $2}'); do
			download_unpack "$p:amd64" "$dir"
		done
		gunzip -c "$dir"/root/boot/xen-4.17-amd64.gz >"$dir/xen"
		rm -rf "$dir/debs"
		touch "$dir/.done"
	fi
	echo "$dir"
	;;
firmware)
	suite=${2:?suite} pkg=${3:?package}
	ver=$("$top/scripts/apt-private.sh" "$suite" apt-cache show --no-all-versions "$pkg" |
		awk '/^Version:/ {print $2; exit}')
	[ -n "$ver" ] || { echo "fetch: no $pkg in $suite" >&2; exit 1; }
	dir=$cache/firmware/$suite/${pkg}_$ver
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/debs"
		(cd "$dir/debs" && "$top/scripts/apt-private.sh" "$suite" apt-get download -q "$pkg=$ver" >/dev/null)
		dpkg-deb -x "$dir"/debs/"$pkg"_*.deb "$dir"
		rm -rf "$dir/debs"
		touch "$dir/.done"
	fi
	echo "$dir"
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
	sed -n '2,22p' "$0" >&2
	exit 2
	;;
esac

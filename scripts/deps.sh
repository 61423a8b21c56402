#!/usr/bin/env bash
# Installs what kx's build and tests need from Debian's packages.
# Idempotent: prints and installs only what is missing, does nothing when
# all is present.  Usage: scripts/deps.sh GROUP...   (groups below)
set -euo pipefail

# Groups map a stage of the build to the Debian packages it needs.
declare -A GROUP=(
	[build]="gcc make binutils gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross"
	[test]="qemu-user libssl-dev clang-14 libclang-rt-14-dev llvm-14 python3 pkg-config"
	[qemu]="qemu-system-x86 qemu-system-arm cpio busybox-static dpkg-dev"
	[efi]="gnu-efi ovmf qemu-efi-aarch64 mtools dosfstools"
	[secureboot]="sbsigntool swtpm openssl"
	[kexec]="dpkg-dev autoconf makedumpfile patch libc6-dev"
	[kernel]="flex bison libelf-dev bc xz-utils perl libssl-dev"
)

# Source packages (apt-get source) need deb-src entries: made from the
# machine's own deb entries, so no mirror is named here.
ensure_deb_src() {
	local out=/etc/apt/sources.list.d/kx-deb-src.sources
	if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	echo "deps: adding deb-src entries ($out)"
	{
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] && [ "$f" != "$out" ] && grep -q debian-archive-keyring "$f" || continue
			awk 'BEGIN{RS="";ORS="\n\n"} /Types:[^\n]*deb/ {sub(/Types:[^\n]*/,"Types: deb-src"); print}' "$f"
		done
		[ -f /etc/apt/sources.list ] &&
			sed -n 's/^deb \(.*\)/Types: deb-src\nURIs: \1/p' /etc/apt/sources.list |
			awk '/^URIs:/ {split($0,a," "); print "URIs: " a[2]; print "Suites: " a[3];
				c=""; for(i=4;i<=NF;i++) c=c " " a[i]; print "Components:" c; print ""; next} {print}'
	} >"$out.tmp"
	mv "$out.tmp" "$out"
	apt_updated=
}

ensure_arm64() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "deps: adding the arm64 architecture"
		dpkg --add-architecture arm64
		apt_updated=
	fi
}

# Several builds (parallel make, two clones) may install at once: one at a
# time through our own lock, and wait for any other apt or dpkg too.
APT=(apt-get -o DPkg::Lock::Timeout=600)
serialize() {
	[ -n "${KX_DEPS_LOCKED:-}" ] && return 0
	exec 9>/var/lock/kx-deps.lock && flock 9 && export KX_DEPS_LOCKED=1
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	serialize
	"${APT[@]}" update -q >/dev/null
	apt_updated=1
}

case "${1:-}" in
--deb-src)
	[ "$(id -u)" -eq 0 ] || { echo "deps: need root to add deb-src" >&2; exit 1; }
	serialize
	ensure_deb_src
	[ -n "$apt_updated" ] || { apt_update; }
	exit 0 ;;
--arm64)
	[ "$(id -u)" -eq 0 ] || { echo "deps: need root to add arm64" >&2; exit 1; }
	serialize
	ensure_arm64
	[ -n "$apt_updated" ] || { apt_update; }
	exit 0 ;;
esac

[ $# -gt 0 ] || set -- build test
want=()
for g in "$@"; do
	[ -n "${GROUP[$g]+x}" ] || { echo "deps: unknown group '$g' (known: ${!GROUP[*]})" >&2; exit 2; }
	want+=(${GROUP[$g]})
done

missing=()
for p in "${want[@]}"; do
	# dpkg-query prints "install ok installed" only for a fully set-up package.
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; update once, then install.
apt_update
"${APT[@]}" install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${missing[*]}"

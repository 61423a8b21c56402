#!/usr/bin/env bash
# Installs what kx's build and tests need from Debian's packages.
# Idempotent: prints and installs only what is missing, does nothing when
# all is present.  Usage: scripts/deps.sh GROUP...   (groups below)
set -euo pipefail

# Groups map a stage of the build to the Debian packages it needs.
declare -A GROUP=(
	[build]="gcc make binutils gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross"
	[test]="qemu-user libssl-dev clang-14 libclang-rt-14-dev python3 pkg-config"
	[qemu]="qemu-system-x86 qemu-system-arm cpio busybox-static dpkg-dev"
	[efi]="gnu-efi ovmf qemu-efi-aarch64 mtools dosfstools"
	[kexec]="dpkg-dev autoconf makedumpfile"
)

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
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${missing[*]}"

#!/usr/bin/env bash
# Builds a KEXEC_JUMP x86_64 bzImage for the kexec-jump tests from one of
# Debian's linux-source packages: `make tinyconfig` plus kx's fragment
# (test/qemu/kexec-jump.config), -j2.  Prints the bzImage's path.
#
#   build-kernel.sh 6.12      linux-source-6.12 from the machine's own
#                             suites (bookworm has it)
#   build-kernel.sh newest    the newest linux-source-N.M in Debian sid,
#                             found and downloaded through a PRIVATE apt
#                             list in the cache: the machine's sources and
#                             package lists are not touched
#
# Cached in CACHE/kjump/<package version>-<hash of fragment and this
# script>/bzImage (CACHE as in scripts/fetch.sh), so a second run, or CI on
# the same machine, does not rebuild.  Beside it: the build log (build.log),
# the .config, `built` (package, version, seconds, compile units) and,
# when the source has them (Linux >= 6.14), Linux's own kexec-jump
# selftest tools/testing/selftests/kexec/test_kexec_jump.* (the
# kexec-jump suite builds and runs it), so nothing downloads the source
# a second time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/test/qemu/kexec-jump.config
cache=$("$top/scripts/fetch.sh" cache)
which=${1:-}

"$top/scripts/deps.sh" build kernel >&2

# sid through a private apt list in the cache (scripts/apt-private.sh).
sid_apt() { "$top/scripts/apt-private.sh" sid "$@"; }

case $which in
6.12)
	pkg=linux-source-6.12
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt-get update -q >/dev/null
		ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	fi
	download() { apt-get download -q "$pkg=$ver"; }
	;;
newest)
	pkg=$(sid_apt apt-cache pkgnames linux-source- | grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n 1)
	[ -n "$pkg" ] || { echo "build-kernel: no linux-source-N.M in sid" >&2; exit 1; }
	ver=$(sid_apt apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	download() { sid_apt apt-get download -q "$pkg=$ver"; }
	;;
*)
	sed -n '2,17p' "$0" >&2
	exit 2
	;;
esac
[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "build-kernel: no candidate for $pkg" >&2; exit 1; }

key=$(cat "$frag" "$0" | sha256sum | cut -c1-12)
dir=$cache/kjump/$ver-$key
if [ -f "$dir/bzImage" ]; then
	echo "$dir/bzImage"
	exit 0
fi

mkdir -p "$cache/kjump"
work=$cache/kjump/.build-$ver-$key
log=$work.log
rm -rf "$work"
mkdir -p "$work/deb"
fail() {
	echo "build-kernel: $1 (log: $log)" >&2
	tail -n 25 "$log" >&2
	exit 1
}
echo "build-kernel: building $pkg $ver (log: $log)" >&2
start=$SECONDS
{
	(cd "$work/deb" && download) || exit 1
	dpkg-deb -x "$work"/deb/*.deb "$work/root"
	tar -C "$work" -xaf "$work"/root/usr/src/linux-source-*.tar.*
	rm -rf "$work/deb" "$work/root"
} >"$log" 2>&1 || fail "downloading or unpacking $pkg $ver failed"
src=$(ls -d "$work"/linux-source-*/)
kmake() { make -C "$src" ARCH=x86_64 -j2 "$@"; }
{
	kmake tinyconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$frag" &&
		kmake olddefconfig
} >>"$log" 2>&1 || fail "configuring failed"
# Every line of the fragment must hold in the final configuration.
bad=
while read -r line; do
	case $line in
	CONFIG_*=*) grep -qx -- "$line" "$src/.config" || bad="$bad ${line}" ;;
	"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}
		grep -qE "^$sym=" "$src/.config" && bad="$bad $sym=n" ;;
	esac
done <"$frag"
[ -z "$bad" ] || fail "the kernel's configuration lacks:$bad"
kmake bzImage >>"$log" 2>&1 || fail "make bzImage failed"
mkdir -p "$dir"
cp "$src/arch/x86/boot/bzImage" "$src/.config" "$dir/"
for f in "$src"/tools/testing/selftests/kexec/test_kexec_jump.*; do
	[ -f "$f" ] && cp "$f" "$dir/"
done
cp "$log" "$dir/build.log"
echo "$pkg $ver built in $((SECONDS - start)) s, $(grep -c '^  CC ' "$log") compile units" | tee "$dir/built" >&2
rm -rf "$work" "$log"
echo "$dir/bzImage"

#!/usr/bin/env bash
# `make demo`: boots Debian's kernel under QEMU (TCG) with OVMF through
# kxboot.efi, kx's trampoline and purgatory, and a tiny initramfs whose
# init shows the kernel's view of its boot; the guest powers off at the end.
#
#   scripts/demo.sh BUILD [x86_64]
#
# Environment (make passes its variables of the same names):
#   KERNEL=FILE    a bzImage instead of Debian's current amd64 kernel
#   INITRD=FILE    an initrd instead of the demo's (efi/demo/init)
#   CMDLINE=TEXT   the kernel command line (default below)
#   DEMO_TIMEOUT=s give up after that many seconds (default 300)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${1:-build}
arch=${2:-x86_64}
case $arch in
x86_64) ;;
aarch64|arm64) echo "demo: ARCH=$arch is not there yet: kxboot boots x86_64 kernels so far" >&2; exit 2 ;;
*) echo "demo: unknown ARCH $arch" >&2; exit 2 ;;
esac

scripts/deps.sh qemu efi
app=$B/efi/x86_64/kxboot.efi
[ -f "$app" ] || { echo "demo: no $app (make efi)" >&2; exit 2; }
kernel=${KERNEL:-$(scripts/fetch.sh kernel amd64)}
[ -f "$kernel" ] || { echo "demo: KERNEL=$kernel: no such file" >&2; exit 2; }
out=$B/demo
mkdir -p "$out"
if [ -n "${INITRD:-}" ]; then
	initrd=$INITRD
	[ -f "$initrd" ] || { echo "demo: INITRD=$initrd: no such file" >&2; exit 2; }
else
	initrd=$out/initrd.cpio.gz
	test/qemu/efi-initramfs.sh x86_64 "$initrd" efi/demo/init "$B/host/kxinspect"
fi
cmdline=${CMDLINE:-console=ttyS0 quiet panic=-1}

# The ESP: a folder QEMU shows the firmware as a FAT disk.
esp=$out/esp
rm -rf "$esp"
mkdir -p "$esp/EFI/BOOT"
cp "$app" "$esp/EFI/BOOT/BOOTX64.EFI"
cp "$kernel" "$esp/vmlinuz"
cp "$initrd" "$esp/initrd.img"
cat >"$esp/kxboot.conf" <<CONF
# Written by scripts/demo.sh
kernel /vmlinuz
initrd /initrd.img
cmdline $cmdline
CONF
cp /usr/share/OVMF/OVMF_VARS.fd "$out/OVMF_VARS.fd"

echo "demo: kernel $kernel"
echo "demo: initrd $initrd"
echo "demo: QEMU $(qemu-system-x86_64 --version | head -n 1 | sed 's/.*version //'), TCG, OVMF, ESP $esp"
echo "demo: ------------------------------------------------------------------"
start=$SECONDS
# The firmware draws with escape sequences: strip them for a plain log.
set +e
timeout --foreground "${DEMO_TIMEOUT:-300}" qemu-system-x86_64 -accel tcg -m 1024 \
	-display none -monitor none -serial stdio -no-reboot -nic none \
	-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd \
	-drive "if=pflash,format=raw,file=$out/OVMF_VARS.fd" \
	-drive "file=fat:$esp,format=raw,if=none,id=esp,readonly=on" \
	-device virtio-blk-pci,drive=esp </dev/null |
	sed -u -e 's/\x1bc/\n/g' -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\r//g' |
	grep -av '^[[:space:]]*$'
rc=${PIPESTATUS[0]}
set -e
echo "demo: ------------------------------------------------------------------"
if [ "$rc" -eq 124 ]; then
	echo "demo: timed out after ${DEMO_TIMEOUT:-300} s" >&2
	exit 1
fi
echo "demo: QEMU exited ($rc) after $((SECONDS - start)) s"
exit "$rc"

#!/usr/bin/env bash
# `make demo`: boots Debian's kernel under QEMU (TCG) with OVMF (x86_64)
# or AAVMF (aarch64) through kxboot.efi, kx's trampoline and purgatory,
# and a tiny initramfs whose init shows the kernel's view of its boot; the
# guest powers off at the end.
#
#   scripts/demo.sh BUILD [x86_64|aarch64]
#
# Environment (make passes its variables of the same names):
#   KERNEL=FILE    a bzImage (an arm64 Image) instead of Debian's current
#                  amd64 (arm64) kernel
#   INITRD=FILE    an initrd instead of the demo's (efi/demo/init)
#   CMDLINE=TEXT   the kernel command line (default below)
#   DEMO_TIMEOUT=s give up after that many seconds (default 300)
#   SECUREBOOT=1   the same boot under UEFI Secure Boot with a TPM: the
#                  firmware's Secure Boot images and Debian's "snakeoil"
#                  test key enrolled in db; kxboot.efi and the kernel are
#                  signed with it here (sbsigntool), swtpm is the TPM
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${1:-build}
arch=${2:-x86_64}
case $arch in
x86_64)
	debarch=amd64 bootname=BOOTX64.EFI console=ttyS0
	kxinspect=$B/host/kxinspect ;;
aarch64|arm64)
	arch=aarch64 debarch=arm64 bootname=BOOTAA64.EFI console=ttyAMA0
	kxinspect=$B/aarch64-user/kxinspect ;;
*) echo "demo: unknown ARCH $arch" >&2; exit 2 ;;
esac

scripts/deps.sh qemu efi
app=$B/efi/$arch/kxboot.efi
[ -f "$app" ] || { echo "demo: no $app (make efi)" >&2; exit 2; }
kernel=${KERNEL:-$(scripts/fetch.sh kernel $debarch)}
[ -f "$kernel" ] || { echo "demo: KERNEL=$kernel: no such file" >&2; exit 2; }
out=$B/demo/$arch
mkdir -p "$out"
if [ -n "${INITRD:-}" ]; then
	initrd=$INITRD
	[ -f "$initrd" ] || { echo "demo: INITRD=$initrd: no such file" >&2; exit 2; }
else
	initrd=$out/initrd.cpio.gz
	test/qemu/efi-initramfs.sh $arch "$initrd" efi/demo/init "$kxinspect"
fi
cmdline=${CMDLINE:-console=$console quiet panic=-1}

# The ESP: a folder QEMU shows the firmware as a FAT disk.
esp=$out/esp
rm -rf "$esp"
mkdir -p "$esp/EFI/BOOT"
cp "$app" "$esp/EFI/BOOT/$bootname"
cp "$kernel" "$esp/vmlinuz"
sb=()
if [ "${SECUREBOOT:-0}" = 1 ]; then
	scripts/deps.sh secureboot
	# Debian's test key, enrolled in the snakeoil variable stores: signs
	# kxboot.efi and the kernel (whose distribution signature goes first).
	openssl pkey -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil -out "$out/db.key"
	sbattach --remove "$esp/vmlinuz" >/dev/null 2>&1 || true
	for f in "$esp/EFI/BOOT/$bootname" "$esp/vmlinuz"; do
		sbsign --key "$out/db.key" --cert /usr/share/ovmf/PkKek-1-snakeoil.pem --output "$f.signed" "$f" 2>/dev/null
		mv "$f.signed" "$f"
	done
	rm -rf "$out/tpm"
	mkdir -p "$out/tpm"
	swtpm socket --tpmstate "dir=$(realpath "$out/tpm")" --tpm2 --terminate --daemon \
		--ctrl "type=unixio,path=$(realpath "$out/tpm")/sock"
	sb=(-chardev "socket,id=chrtpm,path=$out/tpm/sock" -tpmdev emulator,id=tpm0,chardev=chrtpm)
fi
cp "$initrd" "$esp/initrd.img"
cat >"$esp/kxboot.conf" <<CONF
# Written by scripts/demo.sh
kernel /vmlinuz
initrd /initrd.img
cmdline $cmdline
CONF
echo "demo: kernel $kernel"
echo "demo: initrd $initrd"
if [ $arch = x86_64 ] && [ ${#sb[@]} -gt 0 ]; then
	# The Secure Boot OVMF needs SMM (q35) to keep its variables safe.
	qemu=(qemu-system-x86_64 -accel tcg -m 1024
		-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
		-drive "if=pflash,format=raw,file=$out/VARS.fd"
		-drive "file=fat:$esp,format=raw,if=none,id=esp,readonly=on"
		-device virtio-blk-pci,drive=esp "${sb[@]}" -device tpm-tis,tpmdev=tpm0)
	cp /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd "$out/VARS.fd"
	fw="OVMF with Secure Boot (snakeoil db) and swtpm"
elif [ $arch = x86_64 ]; then
	qemu=(qemu-system-x86_64 -accel tcg -m 1024
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd
		-drive "if=pflash,format=raw,file=$out/VARS.fd"
		-drive "file=fat:$esp,format=raw,if=none,id=esp,readonly=on"
		-device virtio-blk-pci,drive=esp)
	cp /usr/share/OVMF/OVMF_VARS.fd "$out/VARS.fd"
	fw=OVMF
elif [ ${#sb[@]} -gt 0 ]; then
	qemu=(qemu-system-aarch64 -M virt,acpi=off -cpu max,pauth-impdef=on
		-accel tcg -m 1024
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd
		-drive "if=pflash,format=raw,file=$out/VARS.fd"
		-drive "file=fat:$esp,format=raw,readonly=on" "${sb[@]}" -device tpm-tis-device,tpmdev=tpm0)
	cp /usr/share/AAVMF/AAVMF_VARS.snakeoil.fd "$out/VARS.fd"
	fw="AAVMF with Secure Boot (snakeoil db) and swtpm"
else
	# acpi=off: AAVMF then publishes the device tree kxboot edits.
	qemu=(qemu-system-aarch64 -M virt,acpi=off -cpu max,pauth-impdef=on
		-accel tcg -m 1024
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd
		-drive "if=pflash,format=raw,file=$out/VARS.fd"
		-drive "file=fat:$esp,format=raw,readonly=on")
	cp /usr/share/AAVMF/AAVMF_VARS.fd "$out/VARS.fd"
	fw=AAVMF
fi
echo "demo: kernel $kernel"
echo "demo: initrd $initrd"
echo "demo: QEMU $("${qemu[0]}" --version | head -n 1 | sed 's/.*version //'), TCG, $fw, ESP $esp"
echo "demo: ------------------------------------------------------------------"
start=$SECONDS
# The firmware draws with escape sequences: strip them for a plain log.
set +e
timeout --foreground "${DEMO_TIMEOUT:-300}" "${qemu[@]}" \
	-display none -monitor none -serial stdio -no-reboot -nic none </dev/null |
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

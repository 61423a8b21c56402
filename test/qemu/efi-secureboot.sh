#!/usr/bin/env bash
# kxboot.efi under UEFI Secure Boot and measured boot, with the firmware's
# real Secure Boot: Debian's OVMF (OVMF_CODE_4M.secboot.fd, q35 with SMM)
# and AAVMF with their "snakeoil" variable stores, whose db, KEK and PK
# hold the test key Debian ships beside them (PkKek-1-snakeoil.{key,pem});
# sbsigntool signs, swtpm is the TPM (tpm-tis on x86, tpm-tis-device on
# arm's virt).
#
#   test/qemu/efi-secureboot.sh [BUILD]   (test/run.sh runs it as qemu-efi-secureboot)
#
# Scenarios (one test line each; x86_64 then aarch64):
#   sb-<arch>-boot            kxboot.efi and the kernel signed with the
#                             enrolled key, a TPM: kxboot says Secure Boot
#                             ON, the firmware verified the kernel, the
#                             kernel boots locked down (lockdown=integrity;
#                             x86: boot_params.secure_boot = 3).  x86_64:
#                             the guest's PCRs 0-9 equal the replay of the
#                             event log it read, whose kxboot events carry
#                             the SHA-256 of the kernel, each initrd and
#                             the command line, computed here.  aarch64
#                             (Debian's arm64 kernel has no TIS driver):
#                             the setup page's MEAS record, read in the
#                             guest, has those digests, extended
#   sb-x86_64-initrd-byte     the same boot with one byte of the second
#                             initrd changed: exactly PCR 9 differs among
#                             PCRs 0-9 (docs/kxboot.md)
#   sb-<arch>-unsigned-kernel, sb-x86_64-other-key, sb-x86_64-altered-byte
#                             the kernel unsigned, signed with a key made
#                             here, or signed and then altered by one byte:
#                             kxboot refuses with Security Violation before
#                             ExitBootServices, the firmware reports it and
#                             goes on to its next boot option
#   sb-aarch64-dtb            a dtb line under Secure Boot: refused
#   sb-<arch>-unsigned-kxboot kxboot.efi itself unsigned: the firmware
#                             refuses to start it (the set-up enforces)
# KX_QEMU_TESTS="WORD..." runs only the scenarios whose names contain a WORD.
# Serial logs: BUILD/test-logs/qemu-efi-secureboot/<scenario>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh

logs=$B/test-logs/qemu-efi-secureboot
mkdir -p "$logs"
status=0
scripts/deps.sh secureboot || { echo "FAIL sb-setup: scripts/deps.sh secureboot failed"; exit 1; }

SB_OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
SB_OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
SB_AAVMF_CODE=/usr/share/AAVMF/AAVMF_CODE.fd
SB_AAVMF_VARS=/usr/share/AAVMF/AAVMF_VARS.snakeoil.fd

# ------------------------------------------------------------ keys, images
# keys DIR: the enrolled test key without its password, and another key
# made here (never enrolled).
keys() {
	mkdir -p "$1"
	openssl pkey -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil \
		-out "$1/db.key" 2>/dev/null &&
	cp /usr/share/ovmf/PkKek-1-snakeoil.pem "$1/db.pem" &&
	{ [ -f "$1/other.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		-subj "/CN=kx test key not in db" -keyout "$1/other.key" -out "$1/other.pem" \
		>/dev/null 2>&1; }
}
# sign KEY IN OUT
sign() { sbsign --key "$keydir/$1.key" --cert "$keydir/$1.pem" --output "$3" "$2" >/dev/null 2>&1; }

# images ARCH: kernel variants in $out/img (unsigned, signed, other key,
# signed then one byte altered), kxboot signed, a second initrd.
images() {
	img=$out/img
	mkdir -p "$img"
	cp "$kernel" "$img/vmlinuz.unsigned"
	# Debian signs its kernels with its own key: not ours, removed.
	sbattach --remove "$img/vmlinuz.unsigned" >/dev/null 2>&1 || true
	sign db "$img/vmlinuz.unsigned" "$img/vmlinuz.signed" &&
	sign other "$img/vmlinuz.unsigned" "$img/vmlinuz.other" &&
	sign db "$app" "$img/kxboot.signed.efi" || return 1
	cp "$img/vmlinuz.signed" "$img/vmlinuz.altered"
	# One byte in the middle: inside what the signature covers.
	local at=$(( $(stat -c %s "$img/vmlinuz.altered") / 2 )) b
	b=$(od -An -tu1 -j$at -N1 "$img/vmlinuz.altered" | tr -d ' ')
	printf "$(printf '\\%03o' $(( b ^ 1 )))" |
		dd of="$img/vmlinuz.altered" bs=1 seek=$at conv=notrunc status=none
	sbverify --cert "$keydir/db.pem" "$img/vmlinuz.signed" >/dev/null 2>&1 &&
	! sbverify --cert "$keydir/db.pem" "$img/vmlinuz.altered" >/dev/null 2>&1 || return 1
	# A second initrd: a cpio with one file, whose content byte the
	# initrd-byte scenario changes.
	mkcpio A "$img/extra.cpio" && mkcpio B "$img/extra-b.cpio"
}
mkcpio() {	# mkcpio CHAR OUT: /kxextra holding CHAR
	local w
	w=$(mktemp -d)
	printf '%s' "$1" >"$w/kxextra"
	(cd "$w" && echo kxextra | cpio -o -H newc -R 0:0 --quiet) >"$2"
	rm -rf "$w"
}

# ------------------------------------------------------------ machines
# tpm_start DIR: a software TPM for one guest; sets tpm_args.
tpm_start() {
	rm -rf "$1"
	mkdir -p "$1"
	swtpm socket --tpmstate "dir=$(realpath "$1")" --tpm2 --terminate --daemon \
		--ctrl "type=unixio,path=$(realpath "$1")/sock" --pid "file=$(realpath "$1")/pid" \
		--log "file=$(realpath "$1")/log" || return 1
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$1/sock" ] && break; sleep 0.2; done
	tpm_args=(-chardev "socket,id=chrtpm,path=$1/sock" -tpmdev emulator,id=tpm0,chardev=chrtpm)
}
tpm_stop() {	# the swtpm we started, by its pid
	local pid
	pid=$(cat "$1/pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	return 0
}

# sb_qemu ARCH LOG TIMEOUT STOP_RE GRACE ESPDIR [TPM-DIR]
sb_qemu() {
	local arch=$1 log=$2 limit=$3 stop=$4 grace=$5 esp=$6 tpm=${7:-}
	tpm_args=()
	if [ -n "$tpm" ]; then
		tpm_start "$tpm" || fail_because "swtpm did not start"
	fi
	if [ "$arch" = x86_64 ]; then
		cp "$SB_OVMF_VARS" "$log.vars.fd"
		[ -n "$tpm" ] && tpm_args+=(-device tpm-tis,tpmdev=tpm0)
		qemu_run "$log" "$limit" "$stop" "$grace" qemu-system-x86_64 -accel tcg -m 1024 \
			-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
			-nographic -monitor none -no-reboot -nic none \
			-drive "if=pflash,format=raw,readonly=on,file=$SB_OVMF_CODE" \
			-drive "if=pflash,format=raw,file=$log.vars.fd" \
			-drive "file=fat:$esp,format=raw,if=none,id=esp,readonly=on" \
			-device virtio-blk-pci,drive=esp "${tpm_args[@]}"
	else
		cp "$SB_AAVMF_VARS" "$log.vars.fd"
		[ -n "$tpm" ] && tpm_args+=(-device tpm-tis-device,tpmdev=tpm0)
		qemu_run "$log" "$limit" "$stop" "$grace" qemu-system-aarch64 -M virt,acpi=off \
			-cpu max,pauth-impdef=on -accel tcg -m 1024 \
			-nographic -monitor none -no-reboot -nic none \
			-drive "if=pflash,format=raw,readonly=on,file=$SB_AAVMF_CODE" \
			-drive "if=pflash,format=raw,file=$log.vars.fd" \
			-drive "file=fat:$esp,format=raw,readonly=on" "${tpm_args[@]}"
	fi
	[ -z "$tpm" ] || tpm_stop "$tpm"
}

# sb_esp NAME KXBOOT KERNEL [CONF-LINES]: an ESP folder with both initrds.
sb_esp() {
	local d
	d=$(esp "$1" "$2")
	put "$3" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	cp "$img/extra.cpio" "$d/extra.cpio"
	printf 'kernel /vmlinuz\ninitrd /initrd.img\ninitrd /extra.cpio\n%b' "${4:-}" >"$d/kxboot.conf"
	echo "$d"
}

# ------------------------------------------------------------ scenarios
banner_on() {
	expect "^kxboot: kx EFI chainloader \\($1, setup ABI 1\\.1, Secure Boot ON\\)" "kxboot's banner saying Secure Boot ON"
	expect '^kxboot: mode: UEFI Secure Boot ON \(SecureBoot=1, SetupMode=0\)' "the mode line"
}

# boot ARCH NAME NONCE [ESP-EDIT]: the signed boot with a TPM.
boot() {
	local arch=$1 name=sb-$1-$2 n=$3 d limit=240 console json why
	test_begin "$name" "$logs/$name.log"
	case $arch in x86_64) console=ttyS0 ;; *) console=ttyAMA0 ;; esac
	d=$(sb_esp "$2" "$img/kxboot.signed.efi" "$img/vmlinuz.signed" \
		"cmdline console=$console quiet panic=-1 kxtest=measured kxnonce=$n\n")
	[ "$2" = initrd-byte ] && cp "$img/extra-b.cpio" "$d/extra.cpio"
	sb_qemu "$arch" "$T_LOG" $limit "" 0 "$d" "$out/tpm-$2"
	expect_exit $limit
	banner_on "$arch"
	expect '^kxboot: measured boot: TPM 2\.0 \(TCG2 protocol 1\.[0-9]+' "kxboot finding the TPM"
	expect '^kxboot: kernel /vmlinuz: verified by the firmware \(LoadImage against db/dbx\)' "the firmware's verification of the kernel"
	expect "^kxboot: measured kernel /vmlinuz: PCR 4, $(stat -c %s "$img/vmlinuz.signed") bytes, sha256 $(sha256sum <"$img/vmlinuz.signed" | cut -c1-64)\$" "the kernel's measurement"
	expect "^kxboot: measured initrd /initrd.img: PCR 9, $(stat -c %s "$initrd") bytes, sha256 $(sha256sum <"$initrd" | cut -c1-64)\$" "the first initrd's measurement"
	expect "^kxboot: measured initrd /extra.cpio: PCR 9, $(stat -c %s "$d/extra.cpio") bytes, sha256 $(sha256sum <"$d/extra.cpio" | cut -c1-64)\$" "the second initrd's measurement"
	expect '^kxboot: measured cmdline: PCR 8, ' "the command line's measurement"
	expect '^kxboot: boot services exited' "ExitBootServices"
	expect "^KXMARK second up nonce=$n\$" "the kernel's init marker"
	expect "^KXMARK cmdline .* lockdown=integrity kx_setup=0x[0-9a-f]+\$" "lockdown=integrity on the command line"
	expect '^KXMARK lockdown none \[integrity\] confidentiality$' "the kernel locked down"
	if [ "$arch" = x86_64 ]; then
		expect '^kxboot: TPM event log: [0-9]+ bytes \([0-9]+ events logged at ExitBootServices\) in the ACPI log area' "the event log handed over"
		expect '^KXMARK boot_params-secure_boot 3$' "boot_params.secure_boot = 3 (enabled)"
		if why=$(python3 test/qemu/tpm_log.py "$T_LOG" --kernel "$img/vmlinuz.signed" \
			--initrd "$initrd" --pcrs 0-9 2>&1); then
			printf '%s\n' "$why" >"$T_LOG.pcrs"
		else
			fail_because "event log replay: $why"
		fi
		# The second initrd, by its own event.
		python3 test/qemu/tpm_log.py "$T_LOG" --initrd "$d/extra.cpio" >/dev/null 2>&1 ||
			fail_because "no kxboot event with the second initrd's sha256"
	fi
	# x86_64: the setup page is e820-reserved, so not in /proc/kcore, and
	# lockdown closes /dev/mem: the guest cannot read it (the event log
	# above carries the same digests).  arm64 reads it through /proc/kcore.
	if [ "$arch" = aarch64 ]; then
		expect '^KXMARK no-tpm-pcrs$' "no TPM driver in Debian's arm64 kernel (if it gains one, check its PCRs too)"
		expect '^KXMARK setup-end rc=0' "the setup page decoded in the guest"
		json=$(clean_log "$T_LOG" | sed -n '/^KXMARK setup-begin/,/^KXMARK setup-end/p' | sed '1d;$d' | grep -av '^kxinspect: ')
		why=$(printf '%s' "$json" | python3 test/qemu/setup_measured.py "$img/vmlinuz.signed" \
			"$initrd" "$d/extra.cpio" 2>&1) || fail_because "MEAS record: $why"
	fi
	test_end "signed kernel verified by the firmware, measured, booted locked down" || status=1
}

# The PCRs of the boot and of the boot with one initrd byte changed.
initrd_byte_compare() {
	local a=$logs/sb-x86_64-boot.log.pcrs b=$logs/sb-x86_64-initrd-byte.log.pcrs diff
	test_begin sb-x86_64-initrd-pcr "$logs/sb-x86_64-initrd-byte.log"
	if [ ! -s "$a" ] || [ ! -s "$b" ]; then
		fail_because "no replayed PCRs of both boots"
	else
		diff=$(join <(sort "$a" | sed 's/^PCR //') <(sort "$b" | sed 's/^PCR //') |
			awk '$2 != $3 {print $1}' | sort -n | tr '\n' ' ')
		[ "$diff" = "9 " ] || fail_because "PCRs differing: '${diff% }', want exactly 9"
	fi
	test_end "one initrd byte changed exactly PCR 9 of 0-9" || status=1
}

# refused ARCH NAME KERNEL MESSAGE-RE [CONF-LINES]
refused() {
	local arch=$1 name=sb-$1-$2 d limit=150 boot
	test_begin "$name" "$logs/$name.log"
	d=$(sb_esp "$2" "$img/kxboot.signed.efi" "$3" "${5:-}")
	sb_qemu "$arch" "$T_LOG" $limit '^BdsDxe: (loading|starting) Boot[0-9A-F]{4} "EFI Internal Shell"|^BdsDxe: No bootable option' 1 "$d"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	banner_on "$arch"
	expect '^kxboot: measured boot: no TPM \(the firmware has no EFI_TCG2_PROTOCOL\): nothing is measured' "kxboot saying there is no TPM"
	expect "^kxboot: error: $4" "kxboot's refusal"
	expect '^kxboot: nothing was started; returning to the firmware \(Security Violation\)$' "return to the firmware with Security Violation"
	boot=$(field '^BdsDxe: starting Boot[0-9A-F]{4} "UEFI' | sed -n 's/^BdsDxe: starting \(Boot[0-9A-F]*\) .*/\1/p')
	expect "^BdsDxe: failed to start ${boot:-Boot....} \".*\" from .*: Security Violation\$" "the firmware reporting Security Violation"
	expect '^BdsDxe: (loading|starting) Boot[0-9A-F]{4} "EFI Internal Shell"|^BdsDxe: No bootable option' "the firmware going on to its next boot option"
	expect_not '^kxboot: exiting boot services' "kxboot went on to ExitBootServices"
	expect_not '^kx: purgatory' "purgatory ran"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "the firmware did not go on within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS)" ;;
	esac
	test_end "$(field '^kxboot: error: ' | cut -c16-120)" || status=1
}

# The control: the firmware itself refuses an unsigned kxboot.efi.
unsigned_kxboot() {
	local arch=$1 name=sb-$1-unsigned-kxboot d limit=150
	test_begin "$name" "$logs/$name.log"
	d=$(sb_esp unsigned-kxboot "$app" "$img/vmlinuz.signed")
	sb_qemu "$arch" "$T_LOG" $limit '^BdsDxe: (loading|starting) Boot[0-9A-F]{4} "EFI Internal Shell"|^BdsDxe: No bootable option' 1 "$d"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	expect '^BdsDxe: failed to load Boot[0-9A-F]{4} "UEFI .*: (Access Denied|Security Violation)$' "the firmware refusing the unsigned kxboot.efi"
	expect_not '^kxboot: ' "kxboot ran"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "the firmware did not go on within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS)" ;;
	esac
	test_end "$(field '^BdsDxe: failed to load Boot' | sed 's/.*: //')" || status=1
}

suite() {	# suite ARCH
	efi_suite "$1" "$B/qemu/efi-secureboot-$1"
	keydir=$B/qemu/efi-secureboot-keys
	keys "$keydir" || { echo "FAIL sb-$1-setup: no keys (openssl)"; status=1; return; }
	images "$1" || { echo "FAIL sb-$1-setup: signing the images failed"; status=1; return; }
}

refusal_re='kernel /vmlinuz: the firmware refuses it under Secure Boot \(LoadImage: (Security Violation|Access Denied)\): not signed by a key in db, or revoked in dbx'
suite x86_64
n=$(nonce)
rm -f "$logs"/*.pcrs
# The initrd-byte scenario compares with the boot of the same run (same
# images, same command line).
! want sb-x86_64-boot && ! want sb-x86_64-initrd || boot x86_64 boot "$n"
! want sb-x86_64-initrd || { boot x86_64 initrd-byte "$n"; initrd_byte_compare; }
! want sb-x86_64-unsigned-kernel || refused x86_64 unsigned-kernel "$img/vmlinuz.unsigned" "$refusal_re"
! want sb-x86_64-other-key || refused x86_64 other-key "$img/vmlinuz.other" "$refusal_re"
! want sb-x86_64-altered-byte || refused x86_64 altered-byte "$img/vmlinuz.altered" "$refusal_re"
! want sb-x86_64-unsigned-kxboot || unsigned_kxboot x86_64
suite aarch64
! want sb-aarch64-boot || boot aarch64 boot "$(nonce)"
! want sb-aarch64-unsigned-kernel || refused aarch64 unsigned-kernel "$img/vmlinuz.unsigned" "$refusal_re"
! want sb-aarch64-dtb || refused aarch64 dtb "$img/vmlinuz.signed" \
	"'dtb /board\\.dtb': a device tree file cannot be verified under Secure Boot: use the firmware's" 'dtb /board.dtb\n'
! want sb-aarch64-unsigned-kxboot || unsigned_kxboot aarch64
exit $status

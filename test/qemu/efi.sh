#!/usr/bin/env bash
# EFI chainloader tests on x86_64: OVMF runs kxboot.efi from a FAT folder
# (vvfat) as its removable-media boot loader, EFI/BOOT/BOOTX64.EFI,
# configured by the folder's kxboot.conf.
#
#   test/qemu/efi.sh [BUILD]        (test/run.sh runs it as qemu-efi)
#
# Scenarios (one test line each):
#   efi-x86_64-boot         Debian's kernel and a busybox initramfs through
#                           kxboot, the trampoline and kx's purgatory: the
#                           init marker, the setup page kxboot wrote decoded
#                           by kxinspect in the guest, its initrd digest the
#                           initrd file's
#   efi-x86_64-boot-trixie  the same boot under Debian trixie's OVMF
#                           (OVMF_CODE_4M.fd), fetched into the cache
#   efi-x86_64-boot-trixie-strictnx  and under its strict-NX image
#                           (OVMF_CODE_4M.secboot.strictnx.fd, q35 with
#                           SMM, Secure Boot not enrolled), which maps
#                           EfiLoaderData and the stack non-executable:
#                           kxboot's trampoline must run from pages it
#                           allocated as EfiLoaderCode
#   efi-x86_64-bad-digest   kxboot-corrupt.efi alters a segment after its
#                           digest was taken: purgatory reports it, the
#                           kernel is never entered (the expected hang)
#   efi-x86_64-forged-result  kxboot-forged.efi alters the initrd the same
#                           way, copies without hashing and leaves a
#                           forged result of the copy (one page short):
#                           purgatory does not use it, hashes the initrd
#                           and refuses it
#   efi-x86_64-<bad input>  each refusal: kxboot's message, its return to
#                           the firmware with an EFI error, and OVMF's
#                           BdsDxe reporting that status and moving on
#   efi-x86_64-after-refusal  a refusal that comes after the kernel's
#                           memory was taken, then the firmware's next boot
#                           option (the UEFI shell) runs kxboot again with
#                           another configuration from its load options:
#                           the kernel lands where the refused run had put
#                           it (its pages were returned) and boots
# The aarch64 scenarios are test/qemu/efi-aarch64.sh's.
# KX_QEMU_TESTS="WORD..." runs only the scenarios whose names contain a WORD.
# Serial logs: BUILD/test-logs/qemu-efi/<scenario>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh

logs=$B/test-logs/qemu-efi
mkdir -p "$logs"
efi_suite x86_64 "$B/qemu/efi-x86_64"
status=0
# The KX lanes engines the copy may hash with (QEMU 7.2's TCG CPU has
# neither SHA-NI nor XSAVE: portable there).
engines='avx512-x[0-9]+|avx2-x[0-9]+|sha-ni-x[0-9]+|portable'

# ------------------------------------------------------------ the boot
# Lines kxboot prints before ExitBootServices: the report.
check_report() {
	expect '^kxboot: kx EFI chainloader \(x86_64, setup ABI 1\.1, Secure Boot off\)' "kxboot's banner"
	expect '^kxboot: kernel /vmlinuz: bzImage, boot protocol 2\.[0-9]+' "kernel parsed"
	expect '^kxboot: segment kernel +dest 0x[0-9a-f]+ size 0x[0-9a-f]+ kx-lanes/16 \([a-z0-9-]+\) [0-9a-f]{64}$' "kernel segment with its KX lanes digest"
	expect '^kxboot: segment initrd +dest 0x[0-9a-f]+ size 0x[0-9a-f]+ kx-lanes/16 \([a-z0-9-]+\) [0-9a-f]{64}$' "initrd segment with its KX lanes digest"
	expect '^kxboot: segment boot_params +dest 0x[0-9a-f]+' "boot_params segment"
	expect '^kxboot: page list: head 0x[0-9a-f]+, [0-9]+ entries, [1-9][0-9]* indirection pages, [1-9][0-9]* page copies' "page-list report"
	expect '^kxboot: page tables: [1-9][0-9]* pages at 0x[0-9a-f]+, root 0x[0-9a-f]+, 4-level' "page-table report"
	expect '^kxboot: boot services exited' "ExitBootServices accepted"
	expect '^kxboot: e820: [0-9]+ entries from the final memory map' "e820 from the final map"
}

# boot_scenario NAME: under the firmware OVMF_CODE, OVMF_VARS, OVMF_SMM.
boot_scenario() {
	local name=$1 n d limit=120 setup json why
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	d=$(esp "${name#efi-x86_64-}" "$app")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	cat >"$d/kxboot.conf" <<-EOF
	# kxboot.conf of $name
	kernel /vmlinuz
	initrd /initrd.img
	cmdline console=ttyS0 quiet panic=-1
	cmdline kxtest=second kxnonce=$n
	EOF
	qemu_ovmf_x86_64 "$T_LOG" $limit "" 0 1024 "$d"
	expect_exit $limit
	check_report
	expect '^kx: purgatory \(x86_64' "purgatory's banner"
	expect_one_pass cycles "$engines"
	expect '^kx: +boot_params +0x[0-9a-f]+ \+0x[0-9a-f]+ sha256 ok \([a-z0-9-]+, hashed by purgatory\)' "purgatory hashed and verified boot_params"
	expect '^kx: sha256 ok: 3 segments' "purgatory verified the 3 segments of the setup page"
	expect "^kx: setup page at 0x[0-9a-f]+ \\(the loader's\\)" "purgatory used kxboot's setup page"
	expect "^KXMARK second up nonce=$n\$" "the kernel's init marker"
	# The setup page kxboot announced is the one the kernel was told of.
	setup=$(field '^kxboot: setup page at 0x' | sed -n 's/^kxboot: setup page at \(0x[0-9a-f]*\).*/\1/p')
	[ -n "$setup" ] && expect "^KXMARK setup-begin $setup\$" "kx_setup=$setup on the kernel's command line"
	expect '^KXMARK setup-end rc=0' "setup page decoded by kxinspect (rc=0)"
	# Purgatory marked every segment verified (flags 1) and resealed.
	expect '"kind":"boot_params","flags":1,' "boot_params marked verified in the setup page"
	json=$(clean_log "$T_LOG" | sed -n '/^KXMARK setup-begin/,/^KXMARK setup-end/p' | sed '1d;$d')
	why=$(printf '%s' "$json" | python3 test/qemu/setup_digests.py "$initrd" "$kernel" 2>&1) ||
		fail_because "$why"
	test_end "kernel up, setup page decoded, initrd and kernel digests = the files'" || status=1
}

# The one expected hang: purgatory halts; QEMU is stopped GRACE seconds
# after its mismatch message, and fails at LIMIT without it.
bad_digest_scenario() {
	local name=efi-x86_64-bad-digest n d limit=90 grace=8
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	d=$(esp bad-digest "$app_corrupt")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	printf 'kernel /vmlinuz\ninitrd /initrd.img\ncmdline console=ttyS0 quiet panic=-1 kxtest=second kxnonce=%s\n' \
		"$n" >"$d/kxboot.conf"
	qemu_ovmf_x86_64 "$T_LOG" $limit '^kx: KX LANES DIGEST MISMATCH' $grace 1024 "$d"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	check_report
	expect '^kxboot-test: flipped byte 0x[0-9a-f]+ of segment initrd after its digest was taken' "the test build's alteration"
	expect '^kx: one pass: the trampoline copied [1-9][0-9]* pages and hashed 2 segments while copying' "the trampoline's copy hashing the segments"
	expect "^kx: KX LANES DIGEST MISMATCH in segment [0-9]+ \\(initrd\\) at 0x[0-9a-f]+ \\+0x[0-9a-f]+ \\(($engines), hashed while copying, compared\\)\$" "purgatory's mismatch message, naming the initrd, the lanes digest and the compare path"
	expect '^kx: +expected [0-9a-f]{64}$' "the expected digest"
	expect '^kx: +actual +[0-9a-f]{64}$' "the actual digest"
	expect '^kx: halted: the next kernel is NOT entered' "purgatory's halt line"
	expect_not "KXMARK second up" "the kernel ran"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "no mismatch message within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS) instead of hanging in purgatory" ;;
	esac
	test_end "purgatory refused, QEMU stopped ${grace}s after its message (expected hang)" || status=1
}

# kxboot-forged.efi: the initrd altered as above, no hashing while
# copying, and a forged result of the copy in purgatory's memory: the
# initrd's expected digest, one page short.  Purgatory must not use it,
# hash the initrd itself and refuse it.
forged_scenario() {
	local name=efi-x86_64-forged-result n d limit=90 grace=8
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	d=$(esp forged "$app_forged")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	printf 'kernel /vmlinuz\ninitrd /initrd.img\ncmdline console=ttyS0 quiet panic=-1 kxtest=second kxnonce=%s\n' \
		"$n" >"$d/kxboot.conf"
	qemu_ovmf_x86_64 "$T_LOG" $limit '^kx: KX LANES DIGEST MISMATCH' $grace 1024 "$d"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	check_report
	expect '^kxboot-test: flipped byte 0x[0-9a-f]+ of segment initrd after its digest was taken' "the test build's alteration"
	expect '^kxboot-test: no copy hash; forged result for segment initrd: 0x[0-9a-f]+ \+0x[0-9a-f]+ kx-lanes/16 with its expected digest' "the forged result"
	expect_not '^kx: one pass: the trampoline copied [1-9]' "a hash while copying (the test build copies plainly)"
	expect "^kx: the copy's digest of 0x[0-9a-f]+ \\+0x[0-9a-f]+ kx-lanes/16 describes no segment of the setup page: not used\$" "purgatory setting the forged result aside"
	expect "^kx: KX LANES DIGEST MISMATCH in segment [0-9]+ \\(initrd\\) at 0x[0-9a-f]+ \\+0x[0-9a-f]+ \\(($engines), hashed by purgatory\\)\$" "purgatory hashing the initrd itself and refusing it"
	expect '^kx: halted: the next kernel is NOT entered' "purgatory's halt line"
	expect_not "KXMARK second up" "the kernel ran"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "no mismatch message within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS) instead of hanging in purgatory" ;;
	esac
	test_end "a forged result of the copy not used: purgatory hashed the initrd and refused it" || status=1
}

# ------------------------------------------------------------ refusals
# refusal NAME MEM STATUS MESSAGE-RE: the folder esp-NAME is ready.
refusal() {
	local name=efi-x86_64-$1 mem=$2 st=$3 re=$4 limit=60
	test_begin "$name" "$logs/$1.log"
	qemu_ovmf_x86_64 "$T_LOG" $limit '^BdsDxe: failed to start Boot' 1 "$mem" "$out/esp-$1"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	expect '^kxboot: kx EFI chainloader \(x86_64' "kxboot's banner"
	expect "^kxboot: error: $re" "kxboot's refusal"
	expect "^kxboot: nothing was started; returning to the firmware \\($st\\)\$" "return to the firmware with $st"
	expect "^BdsDxe: failed to start Boot[0-9A-F]{4} \".*\" from .*: $st\$" "OVMF's BdsDxe reporting $st"
	expect_not '^kxboot: exiting boot services' "kxboot went on to ExitBootServices"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "no BdsDxe failure line within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS)" ;;
	esac
	test_end "$(field '^kxboot: error: ' | cut -c16-100)" || status=1
}

# bad_conf NAME TEXT: a folder whose kxboot.conf is TEXT, with a kernel.
bad_conf() {
	local d
	d=$(esp "$1" "$app")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	printf '%b' "$2" >"$d/kxboot.conf"
}

# A copy of the kernel with bytes changed: patched FILE OFFSET HEXBYTES.
patched() {
	local f=$1 off=$2 hex=$3
	cp "$kernel" "$f"
	printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" |
		dd of="$f" bs=1 seek=$((off)) conv=notrunc status=none
}

refusal_scenarios() {
	local d big
	if want efi-x86_64-conf-unknown-key; then
		bad_conf conf-unknown-key 'kernel /vmlinuz\n# next line is a typo\nkernal /vmlinuz\n'
		refusal conf-unknown-key 1024 'Invalid Parameter' \
			"\\\\kxboot\\.conf line 3: unknown key 'kernal' \\(known: kernel initrd cmdline dtb\\)"
	fi
	if want efi-x86_64-conf-no-kernel; then
		bad_conf conf-no-kernel 'initrd /initrd.img\ncmdline console=ttyS0\n'
		refusal conf-no-kernel 1024 'Invalid Parameter' "\\\\kxboot\\.conf: no 'kernel' line"
	fi
	if want efi-x86_64-conf-long-value; then
		bad_conf conf-long-value "kernel /vmlinuz\ncmdline $(head -c 4100 /dev/zero | tr '\0' a)\n"
		refusal conf-long-value 1024 'Invalid Parameter' \
			"\\\\kxboot\\.conf line 2: command line is longer than 4095 bytes"
	fi
	if want efi-x86_64-missing-kernel; then
		bad_conf missing-kernel 'kernel /no-such-vmlinuz\n'
		refusal missing-kernel 1024 'Not Found' "kernel /no-such-vmlinuz: cannot open it \\(Not Found\\)"
	fi
	if want efi-x86_64-missing-initrd; then
		bad_conf missing-initrd 'kernel /vmlinuz\ninitrd /initrd.img\ninitrd /no-such-initrd\n'
		refusal missing-initrd 1024 'Not Found' "initrd /no-such-initrd: cannot open it \\(Not Found\\)"
	fi
	if want efi-x86_64-kernel-is-folder; then
		bad_conf kernel-is-folder 'kernel /EFI\n'
		refusal kernel-is-folder 1024 'Not Found' "kernel /EFI: is a directory"
	fi
	if want efi-x86_64-not-bzimage; then
		bad_conf not-bzimage 'kernel /EFI/BOOT/BOOTX64.EFI\n'
		refusal not-bzimage 1024 'Load Error' \
			'kernel /EFI/BOOT/BOOTX64\.EFI: not a bzImage \(no boot sector flag and "HdrS" header\)'
	fi
	if want efi-x86_64-old-protocol; then
		bad_conf old-protocol 'kernel /old.bzImage\n'
		d=$out/esp-old-protocol
		patched "$d/old.bzImage" 0x206 0902	# protocol 2.09
		refusal old-protocol 1024 'Unsupported' \
			'kernel /old\.bzImage: boot protocol 2\.09 is too old: kxboot needs 2\.12 or later'
	fi
	if want efi-x86_64-no-64bit-entry; then
		bad_conf no-64bit-entry 'kernel /k32.bzImage\n'
		d=$out/esp-no-64bit-entry
		# xloadflags (0x236): keep every flag but XLF_KERNEL_64.
		patched "$d/k32.bzImage" 0x236 "$(printf '%02x' $(( $(od -An -tu1 -j$((0x236)) -N1 "$kernel") & ~1 )))"
		refusal no-64bit-entry 1024 'Unsupported' \
			'kernel /k32\.bzImage: no 64-bit entry point \(xloadflags 0x[0-9a-f]+ lacks XLF_KERNEL_64\)'
	fi
	if want efi-x86_64-initrd-too-big; then
		# 300 MiB of initrd (a sparse file) in a 256 MiB machine.
		bad_conf initrd-too-big 'kernel /vmlinuz\ninitrd /big.img\n'
		big=$out/esp-initrd-too-big/big.img
		truncate -s 300M "$big"
		refusal initrd-too-big 256 'Out of Resources' \
			'initrd: 314572800 bytes \(1 file\) do not fit in free memory below 0x[0-9a-f]+'
	fi
}

# The firmware goes on after a refusal: its next boot option, the UEFI
# shell, runs startup.nsh, which starts kxboot with a configuration path
# in its load options.
after_refusal_scenario() {
	local name=efi-x86_64-after-refusal n d limit=120 first second
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	d=$(esp after-refusal "$app")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	printf 'kernel /vmlinuz\ninitrd /no-such-initrd\n' >"$d/kxboot.conf"
	printf 'kernel /vmlinuz\ninitrd /initrd.img\ncmdline console=ttyS0 quiet panic=-1 kxtest=second kxnonce=%s\n' \
		"$n" >"$d/alt.conf"
	printf 'fs0:\r\n\\EFI\\BOOT\\BOOTX64.EFI \\alt.conf\r\n' >"$d/startup.nsh"
	qemu_ovmf_x86_64 "$T_LOG" $limit "" 0 1024 "$d"
	expect_exit $limit
	expect '^kxboot: error: initrd /no-such-initrd: cannot open it \(Not Found\)' "the first run's refusal"
	expect '^BdsDxe: failed to start Boot[0-9A-F]{4} ".*" from .*: Not Found$' "BdsDxe reporting it"
	expect '^BdsDxe: starting Boot[0-9A-F]{4} "EFI Internal Shell"' "the firmware's next boot option, the shell"
	expect '^kxboot: configuration \\alt\.conf$' "the configuration from the load options"
	first=$(clean_log "$T_LOG" | grep -a '^kxboot: kernel destination ' | sed -n 1p)
	second=$(clean_log "$T_LOG" | grep -a '^kxboot: kernel destination ' | sed -n 2p)
	if [ -z "$first" ] || [ -z "$second" ]; then
		fail_because "two kernel destination lines expected ('$first', '$second')"
	elif [ "$first" != "$second" ]; then
		fail_because "the refused run's kernel memory was not returned ('$first', then '$second')"
	fi
	expect '^kx: sha256 ok: 3 segments' "purgatory verified the segments"
	expect "^KXMARK second up nonce=$n\$" "the kernel's init marker"
	test_end "refused, memory returned, booted from the shell with \\alt.conf" || status=1
}

# ------------------------------------------------------------ round trips
# kxjump.efi (test/efi/kxjump.c) calls the payload (test/payload/) in swap
# mode after ExitBootServices, over a 64 MiB pattern region its
# destinations overlap: 10 good trips, one with a corrupted payload that
# purgatory must return (not halt) with KX_ERR_DIGEST, one more good trip;
# after each, the caller's region and image are intact.  It powers off.
jump_scenario() {
	local name=efi-x86_64-jump d limit=120
	test_begin "$name" "$logs/$name.log"
	d=$(esp jump "$app_jump")
	qemu_ovmf_x86_64 "$T_LOG" $limit "" 0 1024 "$d"
	expect_exit $limit
	expect_round_trips x86_64 0x10000000 0x11000000 '%rsi' \
		'cr0 0x[0-9a-f]+ cr3 0x[0-9a-f]+ cr4 ' "CR0/3/4, EFER, RFLAGS, segments, GDTR, IDTR, FS/GS bases"
	test_end "11 round trips and a refused one, caller intact each time" || status=1
}

! want efi-x86_64-boot || boot_scenario efi-x86_64-boot
# Trixie's firmware, fetched once into the cache.
if want efi-x86_64-boot-trixie || want efi-x86_64-boot-trixie-strictnx; then
	if fw=$(scripts/fetch.sh firmware trixie ovmf 2>"$logs/fetch-firmware.log"); then
		fw=$fw/usr/share/OVMF
		! want efi-x86_64-boot-trixie ||
			OVMF_CODE=$fw/OVMF_CODE_4M.fd OVMF_VARS=$fw/OVMF_VARS_4M.fd \
				boot_scenario efi-x86_64-boot-trixie
		! want efi-x86_64-boot-trixie-strictnx ||
			OVMF_CODE=$fw/OVMF_CODE_4M.secboot.strictnx.fd OVMF_VARS=$fw/OVMF_VARS_4M.fd \
				OVMF_SMM=1 boot_scenario efi-x86_64-boot-trixie-strictnx
	else
		echo "FAIL efi-x86_64-boot-trixie: scripts/fetch.sh firmware trixie ovmf failed"
		tail -n 5 "$logs/fetch-firmware.log" | sed 's/^/    | /'
		status=1
	fi
fi
! want efi-x86_64-bad-digest || bad_digest_scenario
! want efi-x86_64-forged-result || forged_scenario
refusal_scenarios
! want efi-x86_64-after-refusal || after_refusal_scenario
! want efi-x86_64-jump || jump_scenario
exit $status

#!/usr/bin/env bash
# EFI chainloader tests on aarch64: AAVMF on QEMU's virt runs kxboot.efi
# from a FAT folder (vvfat) as EFI/BOOT/BOOTAA64.EFI, configured by the
# folder's kxboot.conf.
#
#   test/qemu/efi-aarch64.sh [BUILD]   (test/run.sh runs it as qemu-efi-aarch64)
#
# Scenarios (one test line each):
#   efi-aarch64-boot-el1     Debian's arm64 kernel and a busybox initramfs
#                            through kxboot, the trampoline and kx's
#                            purgatory at EL1, with the device tree AAVMF
#                            publishes (virt,acpi=off): the init marker,
#                            the setup page decoded by kxinspect in the
#                            guest, its kernel and initrd digests the files';
#                            every range of /memory that the final EFI map
#                            does not call RAM (AAVMF's runtime regions),
#                            as kxboot printed it, and every non-RAM entry
#                            of the setup page's EFI-typed MMAP, is not
#                            System RAM in the kernel's /proc/iomem
#   efi-aarch64-boot-el2     the same at EL2 (virt,virtualization=on, where
#                            AAVMF publishes ACPI only) with QEMU's own
#                            device tree from a dtb line
#   efi-aarch64-boot-trixie  the EL2 boot under Debian trixie's AAVMF
#                            (AAVMF_CODE.fd, fetched into the cache), which
#                            maps EfiLoaderData non-executable: kxboot's
#                            trampoline must run from pages it allocated
#                            as EfiLoaderCode
#   efi-aarch64-boot-trixie-strictnx  the EL1 boot under its strict-NX
#                            image (AAVMF_CODE.secboot.strictnx.fd, Secure
#                            Boot not enrolled)
#   efi-aarch64-forged-result  kxboot-forged.efi: a forged result of the
#                           copy (one page short) is not used; purgatory
#                           hashes the altered initrd itself and refuses it
#   efi-aarch64-bad-digest   kxboot-corrupt.efi alters a segment after its
#                            digest was taken: purgatory reports it, the
#                            kernel is never entered (the expected hang)
#   efi-aarch64-<bad input>  each refusal: kxboot's message, its return to
#                            the firmware with an EFI error, and AAVMF's
#                            BdsDxe reporting that status
#   efi-aarch64-jump-el1     kxjump.efi's round trips (test/efi/kxjump.c,
#   efi-aarch64-jump-el2     as efi-x86_64-jump) at EL1 and at EL2
# KX_QEMU_TESTS="WORD..." runs only the scenarios whose names contain a WORD.
# Serial logs: BUILD/test-logs/qemu-efi-aarch64/<scenario>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh

logs=$B/test-logs/qemu-efi-aarch64
mkdir -p "$logs"
efi_suite aarch64 "$B/qemu/efi-aarch64"
status=0
# The KX lanes engine the copy must hash with: -cpu max has the SHA2
# instructions, so one of their interleaved-chain engines, never portable.
engines='armv8-ce-x[0-9]+|ce-x[0-9]+'

# Lines kxboot prints before ExitBootServices: the report.
check_report() {	# check_report DTB-SOURCE-RE
	expect '^kxboot: kx EFI chainloader \(aarch64, setup ABI 1\.1, Secure Boot off\)' "kxboot's banner"
	expect '^kxboot: kernel /vmlinuz: arm64 Image, [0-9]+ bytes, text_offset 0x[0-9a-f]+, image_size 0x[0-9a-f]+' "the Image header"
	expect "^kxboot: initrd: 1 file, $(stat -c %s "$initrd") bytes\$" "the initrd"
	expect "^kxboot: dtb from $1: [0-9]+ bytes after edits, [1-9][0-9]* memory ranges?, console PL011 at 0x9000000\$" "the device tree, its RAM and console"
	expect '^kxboot: segment kernel +dest 0x[0-9a-f]+ size 0x[0-9a-f]+ kx-lanes/16 \([a-z0-9-]+\) [0-9a-f]{64}$' "kernel segment with its KX lanes digest"
	expect '^kxboot: segment initrd +dest 0x[0-9a-f]+ size 0x[0-9a-f]+ kx-lanes/16 \([a-z0-9-]+\) [0-9a-f]{64}$' "initrd segment with its KX lanes digest"
	expect '^kxboot: segment dtb +dest 0x[0-9a-f]+ size 0x[0-9a-f]+ sha256 \(after ExitBootServices: holds the final memory map\)$' "dtb segment, hashed after ExitBootServices"
	expect '^kxboot: page list: head 0x[0-9a-f]+, [0-9]+ entries, [1-9][0-9]* indirection pages, [1-9][0-9]* page copies' "page-list report"
	expect '^kxboot: page tables: [1-9][0-9]* pages at 0x[0-9a-f]+, root 0x[0-9a-f]+, 48-bit' "page-table report"
	expect '^kxboot: boot services exited' "ExitBootServices accepted"
	expect '^kxboot: final memory map: [1-9][0-9]* entries in the setup page, [0-9]+ ranges? of /memory not RAM; segment dtb sha256 [0-9a-f]{64}$' "the tree's reservations and digest from the final memory map"
}

# boot NAME MACHINE EL DTB-LINE DTB-SOURCE-RE
#   A64_REGIME: the translation regime kxboot must report, a regular
#   expression (default EL1&0 at EL1, EL2 at EL2).
boot() {
	local name=efi-aarch64-$1 machine=$2 el=$3 dtbline=$4 from=$5 n d limit=150 setup json why
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	d=$(esp "$1" "$app")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	if [ -n "$dtbline" ]; then
		# QEMU's own device tree for this machine.  With the firmware
		# present: virt then gives ACPI a GED in place of the PL061 GPIO,
		# and a tree dumped without firmware names a device that is not
		# there (the kernel's probe of it is an external abort).
		qemu-system-aarch64 -M "$machine,dumpdtb=$d/virt.dtb" -cpu max -m 1024 \
			-drive "if=pflash,format=raw,readonly=on,file=$AAVMF_CODE" \
			-drive "if=pflash,format=raw,readonly=on,file=$AAVMF_VARS" \
			-nographic >/dev/null 2>&1 || fail_because "qemu-system-aarch64 -M $machine,dumpdtb failed"
	fi
	cat >"$d/kxboot.conf" <<-EOF2
	# kxboot.conf of $name
	kernel /vmlinuz
	initrd /initrd.img
	$dtbline
	cmdline console=ttyAMA0 quiet panic=-1 kxtest=second kxiomem=1 kxnonce=$n
	EOF2
	AAVMF_MACHINE=$machine qemu_aavmf_aarch64 "$T_LOG" $limit "" 0 1024 "$d"
	expect_exit $limit
	check_report "$from"
	expect "^kxboot: page tables: .*, ${A64_REGIME:-$(case $el in 1) echo 'EL1&0' ;; *) echo 'EL2' ;; esac)} regime" "the identity map for the firmware's EL$el"
	expect "^kx: purgatory \\(aarch64, EL$el" "purgatory's banner at EL$el"
	expect_one_pass ticks "$engines"
	expect '^kx: +dtb +0x[0-9a-f]+ \+0x[0-9a-f]+ sha256 ok \([a-z0-9-]+, hashed by purgatory\)' "purgatory hashed and verified the dtb"
	expect '^kx: sha256 ok: 3 segments, [0-9]+ bytes, [a-z0-9-]+, MMU on' "purgatory verified the 3 segments, MMU on"
	expect "^kx: setup page at 0x[0-9a-f]+ \\(the loader's\\)" "purgatory used kxboot's setup page"
	expect "^kx: [0-9]+ ticks \\([0-9.]+ ms\\) since the loader left the firmware" "the hand-off's time in ms"
	expect "^kx: entering image at 0x[0-9a-f]+ at EL$el, dtb 0x[0-9a-f]+" "purgatory entered the kernel at EL$el"
	expect "^KXMARK second up nonce=$n\$" "the kernel's init marker"
	setup=$(field '^kxboot: setup page at 0x' | sed -n 's/^kxboot: setup page at \(0x[0-9a-f]*\).*/\1/p')
	[ -n "$setup" ] && expect "^KXMARK setup-begin $setup\$" "kx_setup=$setup on the kernel's command line"
	expect '^KXMARK setup-end rc=0' "setup page decoded by kxinspect (rc=0)"
	expect '"kind":"dtb","flags":1,' "dtb marked verified in the setup page"
	json=$(clean_log "$T_LOG" | sed -n '/^KXMARK setup-begin/,/^KXMARK setup-end/p' | sed '1d;$d' |
		grep -av '^kxinspect: ')
	why=$(printf '%s' "$json" | python3 test/qemu/setup_digests.py "$initrd" --image "$kernel" 2>&1) ||
		fail_because "$why"
	# The firmware's reserved memory, as the kernel took it.
	expect '^KXMARK iomem-end' "/proc/iomem printed by the guest"
	why=$(python3 test/qemu/iomem_check.py "$T_LOG" "${setup:-0}" 2>&1) ||
		fail_because "firmware-reserved memory: $(printf '%s\n' "$why" | grep -v '^ok' | head -n 3 | tr '\n' ' ')"
	test_end "kernel up at EL$el, setup page decoded, initrd and kernel digests = the files', $(printf '%s\n' "$why" | grep -c '^ok') non-RAM ranges not System RAM" || status=1
}

# The one expected hang: purgatory halts; QEMU is stopped GRACE seconds
# after its mismatch message, and fails at LIMIT without it.
bad_digest_scenario() {
	local name=efi-aarch64-bad-digest n d limit=120 grace=8
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	d=$(esp bad-digest "$app_corrupt")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	printf 'kernel /vmlinuz\ninitrd /initrd.img\ncmdline console=ttyAMA0 quiet panic=-1 kxtest=second kxnonce=%s\n' \
		"$n" >"$d/kxboot.conf"
	AAVMF_MACHINE=virt,acpi=off qemu_aavmf_aarch64 "$T_LOG" $limit '^kx: KX LANES DIGEST MISMATCH' $grace 1024 "$d"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	check_report "the firmware"
	expect '^kxboot-test: flipped byte 0x[0-9a-f]+ of segment initrd after its digest was taken' "the test build's alteration"
	expect '^kx: one pass: the trampoline copied [1-9][0-9]* pages and hashed 2 segments while copying' "the trampoline's copy hashing the segments"
	expect "^kx: KX LANES DIGEST MISMATCH in segment [0-9]+ \\(initrd\\) at 0x[0-9a-f]+ \\+0x[0-9a-f]+ \\(($engines), hashed while copying, compared\\)\$" "purgatory's mismatch message, naming the initrd, the lanes digest and the compare path"
	expect '^kx: +expected [0-9a-f]{64}$' "the expected digest"
	expect '^kx: +actual +[0-9a-f]{64}$' "the actual digest"
	expect '^kx: halted: the next kernel is NOT entered' "purgatory's halt line"
	expect_not "KXMARK second up" "the kernel ran"
	expect_not "Booting Linux" "the kernel ran"
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
	local name=efi-aarch64-forged-result n d limit=120 grace=8
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	d=$(esp forged "$app_forged")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	printf 'kernel /vmlinuz\ninitrd /initrd.img\ncmdline console=ttyAMA0 quiet panic=-1 kxtest=second kxnonce=%s\n' \
		"$n" >"$d/kxboot.conf"
	AAVMF_MACHINE=virt,acpi=off qemu_aavmf_aarch64 "$T_LOG" $limit '^kx: KX LANES DIGEST MISMATCH' $grace 1024 "$d"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	check_report "the firmware"
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

# refusal NAME MACHINE MEM STATUS MESSAGE-RE: the folder esp-NAME is ready.
refusal() {
	local name=efi-aarch64-$1 machine=$2 mem=$3 st=$4 re=$5 limit=90
	test_begin "$name" "$logs/$1.log"
	AAVMF_MACHINE=$machine qemu_aavmf_aarch64 "$T_LOG" $limit '^BdsDxe: failed to start Boot' 1 "$mem" "$out/esp-$1"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	expect '^kxboot: kx EFI chainloader \(aarch64' "kxboot's banner"
	expect "^kxboot: error: $re" "kxboot's refusal"
	expect "^kxboot: nothing was started; returning to the firmware \\($st\\)\$" "return to the firmware with $st"
	expect "^BdsDxe: failed to start Boot[0-9A-F]{4} \".*\" from .*: $st\$" "AAVMF's BdsDxe reporting $st"
	expect_not '^kxboot: exiting boot services' "kxboot went on to ExitBootServices"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "no BdsDxe failure line within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS)" ;;
	esac
	test_end "$(field '^kxboot: error: ' | cut -c16-110)" || status=1
}

# bad_conf NAME TEXT: a folder whose kxboot.conf is TEXT, with a kernel.
bad_conf() {
	local d
	d=$(esp "$1" "$app")
	put "$kernel" "$d/vmlinuz"
	put "$initrd" "$d/initrd.img"
	printf '%b' "$2" >"$d/kxboot.conf"
}

refusal_scenarios() {
	local d
	if want efi-aarch64-missing-kernel; then
		bad_conf missing-kernel 'kernel /no-such-Image\n'
		refusal missing-kernel virt,acpi=off 1024 'Not Found' "kernel /no-such-Image: cannot open it \\(Not Found\\)"
	fi
	if want efi-aarch64-not-image; then
		bad_conf not-image 'kernel /EFI/BOOT/BOOTAA64.EFI\n'
		refusal not-image virt,acpi=off 1024 'Load Error' \
			'kernel /EFI/BOOT/BOOTAA64\.EFI: not an arm64 Image \(no "ARM\\x64" magic at 0x38, [0-9]+ bytes\)'
	fi
	if want efi-aarch64-gzip-kernel; then
		bad_conf gzip-kernel 'kernel /Image.gz\n'
		head -c 1048576 "$kernel" | gzip -1 >"$out/esp-gzip-kernel/Image.gz"
		refusal gzip-kernel virt,acpi=off 1024 'Load Error' \
			'kernel /Image\.gz: a gzip file \(Image\.gz\?\): kxboot takes the uncompressed Image'
	fi
	if want efi-aarch64-bad-dtb; then
		bad_conf bad-dtb 'kernel /vmlinuz\ninitrd /initrd.img\ndtb /initrd.img\n'
		refusal bad-dtb virt,acpi=off 1024 'Load Error' \
			'dtb /initrd\.img: not a device tree kxboot can use: '
	fi
	if want efi-aarch64-no-dtb; then
		# AAVMF with ACPI publishes no device tree, and no dtb line.
		bad_conf no-dtb 'kernel /vmlinuz\n'
		refusal no-dtb virt 1024 'Not Found' \
			'no device tree: the configuration names no dtb and the firmware publishes none \(it publishes ACPI'
	fi
	if want efi-aarch64-initrd-too-big; then
		bad_conf initrd-too-big 'kernel /vmlinuz\ninitrd /big.img\n'
		truncate -s 300M "$out/esp-initrd-too-big/big.img"
		refusal initrd-too-big virt,acpi=off 256 'Out of Resources' \
			'initrd: 314572800 bytes \(1 file\) do not fit in free memory below 0x[0-9a-f]+'
	fi
}

# kxjump.efi's round trips (see efi.sh) at EL1 and at EL2.
jump() {	# jump NAME MACHINE EL
	local name=efi-aarch64-$1 d limit=150
	test_begin "$name" "$logs/$name.log"
	d=$(esp "$1" "$app_jump")
	AAVMF_MACHINE=$2 qemu_aavmf_aarch64 "$T_LOG" $limit "" 0 1024 "$d"
	expect_exit $limit
	expect_round_trips aarch64 0x50000000 0x51000000 x1 \
		"EL$3 sctlr 0x[0-9a-f]+ tcr 0x[0-9a-f]+ mair 0x[0-9a-f]+ ttbr0 0x[0-9a-f]+ vbar " \
		"EL$3 SCTLR, TCR, MAIR, TTBR0, VBAR, DAIF"
	expect "^kx: purgatory \\(aarch64, EL$3" "purgatory at EL$3"
	test_end "11 round trips and a refused one at EL$3, caller intact each time" || status=1
}

! want efi-aarch64-boot-el1 || boot boot-el1 virt,acpi=off 1 "" "the firmware"
! want efi-aarch64-boot-el2 || boot boot-el2 virt,virtualization=on 2 "dtb /virt.dtb" "/virt\\.dtb"
# Trixie's firmware, fetched once into the cache.
if want efi-aarch64-boot-trixie || want efi-aarch64-boot-trixie-strictnx; then
	if fw=$(scripts/fetch.sh firmware trixie qemu-efi-aarch64 2>"$logs/fetch-firmware.log"); then
		fw=$fw/usr/share/AAVMF
		! want efi-aarch64-boot-trixie ||
			# This AAVMF runs at EL2 with VHE (HCR_EL2.E2H set).
			AAVMF_CODE=$fw/AAVMF_CODE.fd AAVMF_VARS=$fw/AAVMF_VARS.fd A64_REGIME='EL2&0 \(E2H=1\)' \
				boot boot-trixie virt,virtualization=on 2 "dtb /virt.dtb" "/virt\\.dtb"
		! want efi-aarch64-boot-trixie-strictnx ||
			AAVMF_CODE=$fw/AAVMF_CODE.secboot.strictnx.fd AAVMF_VARS=$fw/AAVMF_VARS.fd \
				boot boot-trixie-strictnx virt,acpi=off 1 "" "the firmware"
	else
		echo "FAIL efi-aarch64-boot-trixie: scripts/fetch.sh firmware trixie qemu-efi-aarch64 failed"
		tail -n 5 "$logs/fetch-firmware.log" | sed 's/^/    | /'
		status=1
	fi
fi
! want efi-aarch64-bad-digest || bad_digest_scenario
! want efi-aarch64-forged-result || forged_scenario
refusal_scenarios
! want efi-aarch64-jump-el1 || jump jump-el1 virt 1
! want efi-aarch64-jump-el2 || jump jump-el2 virt,virtualization=on 2
exit $status

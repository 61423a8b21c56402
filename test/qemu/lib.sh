# Helpers of the QEMU system tests, sourced by test/qemu/<arch>.sh.
#
# qemu_run runs one QEMU (TCG, -no-reboot, serial to a log file) under
# `timeout`, optionally stopping it GRACE seconds after a line matching
# STOP_RE appeared; the checks below then read the serial log.  A test
# reports one line, "ok   NAME ..." or "FAIL NAME: why", followed on
# failure by the serial log's tail (indented).  Nothing passes on a
# time-out, an empty log or a missing marker: those are failures with the
# reason printed, except where a test expects the guest to hang and says so.

# Serial logs hold escape sequences and CRs (SeaBIOS, and the kernel's
# "ESC c" terminal reset, which can glue the first marker to "Booting from
# ROM.."): the checks read them cleaned, a reset becoming a line break.
clean_log() {
	sed -e 's/\x1bc/\n/g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$@"
}

# qemu_run LOG TIMEOUT STOP_RE GRACE QEMU-ARGS...
#   STOP_RE empty: wait for QEMU to exit by itself (poweroff, or panic with
#   -no-reboot) or for TIMEOUT.  Sets QEMU_END to "exited" (status
#   QEMU_STATUS), "timeout" or "stopped" (GRACE seconds after STOP_RE), and
#   QEMU_SECS to the wall time.  QEMU's own stderr goes to LOG.qemu.
#   KX_QEMU_SLOW=N multiplies every TIMEOUT (a machine shared with other
#   work runs TCG guests that much slower); a time-out still fails.
qemu_run() {
	local log=$1 limit=$(($2 * ${KX_QEMU_SLOW:-1})) stop_re=$3 grace=$4 pid start seen=
	shift 4
	rm -f "$log" "$log.qemu"
	: >"$log"
	start=$SECONDS
	timeout --kill-after=5 "$limit" "$@" -serial "file:$log" \
		</dev/null >"$log.qemu" 2>&1 &
	pid=$!
	# KX_QEMU_STAMP=1: LOG.times gets each serial line's host arrival time
	# (make bench times purgatories that cannot time themselves).
	[ "${KX_QEMU_STAMP:-0}" != 1 ] || python3 test/qemu/stamp.py "$log" "$log.times" "$pid" &
	QEMU_END=exited
	while kill -0 "$pid" 2>/dev/null; do
		if [ -n "$stop_re" ] && [ -z "$seen" ] && clean_log "$log" | grep -aqE -- "$stop_re"; then
			seen=$SECONDS
		fi
		if [ -n "$seen" ] && [ $((SECONDS - seen)) -ge "$grace" ]; then
			kill "$pid" 2>/dev/null
			QEMU_END=stopped
			break
		fi
		sleep 0.5
	done
	wait "$pid"
	QEMU_STATUS=$?
	[ "${KX_QEMU_STAMP:-0}" != 1 ] || wait
	[ "$QEMU_END" = stopped ] || [ "$QEMU_STATUS" -ne 124 ] || QEMU_END=timeout
	QEMU_SECS=$((SECONDS - start))
}

# qemu_x86_64 LOG TIMEOUT STOP_RE GRACE MEM KERNEL INITRD APPEND
qemu_x86_64() {
	qemu_run "$1" "$2" "$3" "$4" qemu-system-x86_64 -accel tcg -m "$5" \
		-nographic -monitor none -no-reboot -nic none \
		-kernel "$6" -initrd "$7" -append "$8"
}

# qemu_aarch64 LOG TIMEOUT STOP_RE GRACE MACHINE KERNEL INITRD APPEND
# -cpu max with the cheap pointer-authentication algorithm (plain max
# emulates QARMA, about twice as slow); -m 1024.
qemu_aarch64() {
	qemu_run "$1" "$2" "$3" "$4" qemu-system-aarch64 -M "$5" \
		-cpu max,pauth-impdef=on -accel tcg -m 1024 \
		-nographic -monitor none -no-reboot -nic none \
		-kernel "$6" -initrd "$7" -append "$8"
}

# A test collects reasons for failing; test_end prints its one line.
test_begin() { T_NAME=$1 T_LOG=$2 T_WHY=(); }
fail_because() { T_WHY+=("$*"); }

# expect RE WHAT: the serial log has a line matching the extended RE.
expect() {
	clean_log "$T_LOG" | grep -aqE -- "$1" || fail_because "no $2 (/$1/)"
}
# expect_not RE WHAT: it has none.
expect_not() {
	if clean_log "$T_LOG" | grep -aqE -- "$1"; then
		fail_because "$2: $(field "$1" | cut -c1-120)"
	fi
}
# field RE: the first line matching RE, cleaned.
field() { clean_log "$T_LOG" | grep -aE -- "$1" | head -n 1; }

# expect_exit: QEMU ended by itself (the guest powered off), in time.
expect_exit() {
	case $QEMU_END in
	timeout) fail_because "timed out after ${QEMU_SECS}s (limit $1s)" ;;
	stopped) fail_because "stopped by the harness" ;;
	exited) [ "$QEMU_STATUS" -eq 0 ] || fail_because "QEMU exited with status $QEMU_STATUS" ;;
	esac
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
}

test_end() {	# test_end SUMMARY
	local w
	if [ ${#T_WHY[@]} -eq 0 ]; then
		echo "ok   $T_NAME (${QEMU_SECS}s) $*"
		return 0
	fi
	w=$(printf '%s; ' "${T_WHY[@]}")
	echo "FAIL $T_NAME: ${w%; } (${QEMU_SECS}s)"
	echo "    serial log $T_LOG, last lines:"
	clean_log "$T_LOG" | grep -av '^[[:space:]]*$' | tail -n 15 | sed 's/^/    | /'
	if [ -s "$T_LOG.qemu" ]; then
		echo "    QEMU said:"
		tail -n 5 "$T_LOG.qemu" | sed 's/^/    | /'
	fi
	return 1
}

# A random token each run: a marker from an older run's log cannot match.
nonce() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }

# qemu_ovmf_x86_64 LOG TIMEOUT STOP_RE GRACE MEM ESPDIR
#   OVMF (with a private copy of its variable store, LOG.vars.fd) booting
#   the folder ESPDIR as a FAT disk: a read-only vvfat on virtio-blk-pci
#   (read-only vvfat on IDE fails), so the firmware's removable-media path
#   runs ESPDIR/EFI/BOOT/BOOTX64.EFI.
#   OVMF_SMM=1: q35 with SMM and the flash's secure mode, which OVMF's
#   *.secboot* images need (they keep their variables in SMM).
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
qemu_ovmf_x86_64() {
	local smm=()
	[ "${OVMF_SMM:-0}" != 1 ] ||
		smm=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on)
	cp "$OVMF_VARS" "$1.vars.fd"
	qemu_run "$1" "$2" "$3" "$4" qemu-system-x86_64 -accel tcg -m "$5" "${smm[@]}" \
		-nographic -monitor none -no-reboot -nic none \
		-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$1.vars.fd" \
		-drive "file=fat:$6,format=raw,if=none,id=esp,readonly=on" \
		-device virtio-blk-pci,drive=esp
}

# qemu_aavmf_aarch64 LOG TIMEOUT STOP_RE GRACE MEM ESPDIR
#   The same with AAVMF on `virt` (its default drive interface takes a
#   read-only vvfat; the removable-media path is EFI/BOOT/BOOTAA64.EFI).
#   AAVMF_MACHINE: the -M value (default virt; virt,acpi=off makes AAVMF
#   publish the device tree, virt,virtualization=on starts it at EL2).
AAVMF_CODE=${AAVMF_CODE:-/usr/share/AAVMF/AAVMF_CODE.fd}
AAVMF_VARS=${AAVMF_VARS:-/usr/share/AAVMF/AAVMF_VARS.fd}
qemu_aavmf_aarch64() {
	cp "$AAVMF_VARS" "$1.vars.fd"
	qemu_run "$1" "$2" "$3" "$4" qemu-system-aarch64 -M "${AAVMF_MACHINE:-virt}" \
		-cpu max,pauth-impdef=on -accel tcg -m "$5" \
		-nographic -monitor none -no-reboot -nic none \
		-drive "if=pflash,format=raw,readonly=on,file=$AAVMF_CODE" \
		-drive "if=pflash,format=raw,file=$1.vars.fd" \
		-drive "file=fat:$6,format=raw,readonly=on"
}

# expect_round_trips ARCH REGION PAYLOAD BACKREG CPU-RE CPU-WHAT
#   What kxjump.efi (test/efi/kxjump.c) prints when its round trips went
#   right: the payload at PAYLOAD inside the 64 MiB REGION in rounds 1-10
#   and 12, the jump-back entry in its JMPB record and BACKREG, the
#   caller's pattern through the backup map and the core header purgatory
#   fixed up;
#   after every round the region, kxjump's image and the CPU state the
#   trip restores (CPU-RE) as before; round 11's corrupted payload refused
#   by purgatory with KX_ERR_DIGEST, back to the caller; PASS.
expect_round_trips() {
	local arch=$1 region=$2 payload=$3 reg=$4 cpu_re=$5 cpu_what=$6 i
	expect "^kxjump: kx round-trip test \\($arch" "kxjump's banner"
	expect "^kxjump: boot services exited; region $region\\+0x4000000, payload $payload" "ExitBootServices accepted"
	expect '^kxjump: region sha256 [0-9a-f]{64}, own image 0x[0-9a-f]+\+0x[0-9a-f]+ sha256 [0-9a-f]{64}$' "the first digests"
	for i in 1 2 3 4 5 6 7 8 9 10 12; do
		expect "^kxpayload: round $i: running at $payload \\(linked at $payload\\), setup page 0x[0-9a-f]+, flags 0x2, jump-back (0x[0-9a-f]+) \\($reg \\1\\)" "round $i: payload at its destination, SWAP flag, jump-back in JMPB and $reg"
		expect "^kxpayload: round $i: map 1 extents, [1-9][0-9]* displaced pages, [1-9][0-9]* words, 0 bad; core header [3-9] loads, 0x4000000 bytes, [1-9][0-9]* words, 0 bad" "round $i: the caller's pattern through the map and the core header"
		expect "^kxjump: round $i: back after [0-9]+ ticks: value 0x[0-9a-f]+ from 0x0 \\(from the image\\); region intact word for word .*image intact \\(sha256 same\\)" "round $i: back from the image, region and image intact"
		expect "^kxjump: round $i: result right: sha256 [0-9a-f]{64}, ran at $payload; map 1 extents [0-9]+ pages [0-9]+ words 0 bad; core [0-9]+ loads [0-9]+ words 0 bad\$" "round $i: the payload's digest of the caller's buffer"
	done
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		expect "^kxjump: round $i: back after .*, region sha256 same," "round $i: the region's SHA-256 unchanged"
		expect "^kxjump: round $i: cpu state same: $cpu_re" "round $i: $cpu_what as before"
	done
	expect '^kx: ELF core header at 0x[0-9a-f]+ fixed up with 1 backup extents: 3 program headers, now [4-9]' "purgatory's fix-up of the ELF core header"
	expect '^kxjump: corrupting the staged payload' "the corruption"
	expect '^kxjump: one pass: the trampoline swaps in SWAP_DIGEST mode, purgatory.s kx_copy_hash at 0x[0-9a-f]+' "kxjump handing the swap's hashing to purgatory"
	expect "^kx: one pass: the trampoline swapped [1-9][0-9]* pages and hashed 1 segment while copying, " "the swap hashing the payload (one pass)"
	expect "^kx: +kernel +$payload \\+0x[0-9a-f]+ kx-lanes/16 ok \\([a-z0-9-]+, hashed while copying, compared\\)\$" "purgatory compared the payload's KX lanes digest"
	expect "^kx: KX LANES DIGEST MISMATCH in segment 0 \\(kernel\\) at $payload \\+0x[0-9a-f]+ \\([a-z0-9-]+, hashed while copying, compared\\)\$" "purgatory's mismatch, through the compare path"
	expect '^kx: REFUSED: a loaded segment does not match its digest; the image is not entered' "purgatory's refusal"
	expect '^kx: returning KX_ERR_DIGEST to the caller at 0x' "purgatory returning to the caller"
	expect '^kxjump: round 11: back after [0-9]+ ticks: value 0x18 from 0x5250584b \(from purgatory\); region intact word for word' "round 11: back from purgatory, region intact"
	expect '^kxjump: round 11: purgatory refused the payload: KX_ERR_DIGEST' "round 11: KX_ERR_DIGEST to the caller"
	expect_not '^kxpayload: round 11:' "the corrupted payload ran"
	expect_not 'FAILED|DIFFERS|CHANGED|^kxjump: FAIL' "a failed check"
	expect '^kxjump: PASS: 11 round trips, a refusal returned, memory intact each time' "kxjump's verdict"
	expect '^kxjump: powering off' "the power-off"
}

# expect_one_pass UNIT ENGINE-RE: purgatory's lines of the one-pass
#   hand-off (docs/calling.md) in a kxboot boot: kxboot handing the
#   copy's hashing to purgatory, the trampoline's copy hashing kernel and
#   initrd (KX lanes digest, an engine matching ENGINE-RE), purgatory
#   comparing those two and hashing the third segment itself, and the
#   counter (UNIT: cycles, ticks) from ExitBootServices to the kernel's
#   entry.
expect_one_pass() {
	local unit=$1 eng=$2 seg
	expect '^kxboot: one pass: the trampoline copies in DIGEST mode, purgatory.s kx_copy_hash at 0x[0-9a-f]+' "kxboot handing the copy's hashing to purgatory"
	expect "^kx: one pass: the trampoline copied [1-9][0-9]* pages and hashed 2 segments while copying, [0-9]+ $unit" "the trampoline's copy hashing 2 segments"
	for seg in kernel initrd; do
		expect "^kx: +$seg +0x[0-9a-f]+ \\+0x[0-9a-f]+ kx-lanes/16 ok \\(($eng), hashed while copying, compared\\)\$" "purgatory compared the $seg's KX lanes digest, hashed while copying by $eng"
	done
	expect "^kx: sha256 ok: 3 segments, [0-9]+ bytes, .*; 2 compared with the copy.s digests, [1-9][0-9]* bytes hashed by purgatory\$" "2 segments compared, 1 hashed by purgatory"
	expect "^kx: [0-9]+ $unit.* since the loader left the firmware, to the next image.s entry\$" "the $unit from ExitBootServices to the kernel's entry"
}

# want NAME: KX_QEMU_TESTS="WORD..." selects the scenarios whose names
# contain a WORD (all when it is empty).
want() {
	local w
	[ -z "${KX_QEMU_TESTS:-}" ] && return 0
	for w in $KX_QEMU_TESTS; do
		case $1 in *"$w"*) return 0 ;; esac
	done
	return 1
}

# put FILE DIR/NAME: a hard link where possible (kernels are 8-33 MB).
put() { ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2"; }

# esp_dir DIR APP BOOTNAME: DIR afresh with APP as EFI/BOOT/BOOTNAME (the
# firmware's removable-media loader); prints DIR.
esp_dir() {
	rm -rf "$1"
	mkdir -p "$1/EFI/BOOT"
	cp "$2" "$1/EFI/BOOT/$3"
	echo "$1"
}

# efi_suite ARCH OUT: what the EFI suites (efi.sh, efi-aarch64.sh) share
# before their first scenario: app, app_corrupt, app_jump (kxboot.efi,
# kxboot-corrupt.efi, kxjump.efi of ARCH), kxinspect (the guest's), the
# firmware, kernel (Debian's of ARCH), initrd (busybox, kxinspect and
# test/qemu/init, made in OUT), esp NAME APP (a fresh ESP folder in OUT).
# Anything missing ends the suite with one FAIL line.
efi_suite() {
	local arch=$1 debarch code vars f
	out=$2
	case $arch in
	x86_64) debarch=amd64 kxinspect=$B/host/kxinspect efi_boot_name=BOOTX64.EFI
		code=$OVMF_CODE vars=$OVMF_VARS ;;
	aarch64) debarch=arm64 kxinspect=$B/aarch64-user/kxinspect efi_boot_name=BOOTAA64.EFI
		code=$AAVMF_CODE vars=$AAVMF_VARS ;;
	esac
	app=$B/efi/$arch/kxboot.efi
	app_corrupt=$B/efi/$arch/kxboot-corrupt.efi
	app_jump=$B/efi/$arch/kxjump.efi
	app_forged=$B/efi/$arch/kxboot-forged.efi
	mkdir -p "$out"
	for f in "$app" "$app_corrupt" "$app_forged" "$app_jump" "$kxinspect"; do
		[ -f "$f" ] || efi_setup_fail "$arch" "no $f (make it first)"
	done
	scripts/deps.sh qemu efi || efi_setup_fail "$arch" "scripts/deps.sh qemu efi failed"
	[ -f "$code" ] && [ -f "$vars" ] || efi_setup_fail "$arch" "no firmware ($code, $vars)"
	kernel=$(scripts/fetch.sh kernel $debarch) ||
		efi_setup_fail "$arch" "fetch.sh kernel $debarch failed"
	initrd=$out/initrd.cpio.gz
	test/qemu/efi-initramfs.sh "$arch" "$initrd" test/qemu/init "$kxinspect" ||
		efi_setup_fail "$arch" "efi-initramfs.sh failed"
}
efi_setup_fail() {
	echo "FAIL efi-$1-setup: $2"
	exit 1
}
esp() { esp_dir "$out/esp-$1" "$2" "$efi_boot_name"; }

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
qemu_run() {
	local log=$1 limit=$2 stop_re=$3 grace=$4 pid start seen=
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
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
qemu_ovmf_x86_64() {
	cp "$OVMF_VARS" "$1.vars.fd"
	qemu_run "$1" "$2" "$3" "$4" qemu-system-x86_64 -accel tcg -m "$5" \
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

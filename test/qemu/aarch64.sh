#!/usr/bin/env bash
# aarch64 QEMU system tests: Debian's arm64 kernel boots a busybox
# initramfs that kexecs (kexec_load, -c) the same kernel through kx's
# purgatory (BUILD/aarch64/purgatory.ro) embedded in a static,
# cross-built kexec-tools.
#
#   test/qemu/aarch64.sh [BUILD]       (test/run.sh runs it as qemu-aarch64)
#
# Scenarios (one line each, "ok ..." or "FAIL ...: why" and the log tail):
#   aarch64-kexec-el1        kexec -c -l + kexec -e, --serial=ttyAMA0: kx's
#                            lines show EL1, ARMv8 SHA2 with the MMU on; the
#                            next kernel's marker; the setup page announced
#                            in its DTB (bootargs kx_setup=, /chosen/
#                            kx,setup-page) decoded by kxinspect, with the
#                            kernel's and initrd's digests
#   aarch64-kexec-el2        the same on -M virt,virtualization=on (EL2)
#   aarch64-kexec-bad-digest a segment altered after its digest was taken:
#                            the mismatch is printed, the kernel never runs
# Every run has a time-out; a time-out or an empty log is a failure, except
# in the bad-digest test, where the guest must hang after its message.
#
# KX_QEMU_OWN=1 also boots through kexec-tools' own purgatory (no
# assertion on timing: the log, BUILD/test-logs/qemu-aarch64/, has both
# purgatories' lines to compare by hand).
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
out=$B/qemu/aarch64
logs=$B/test-logs/qemu-aarch64
mkdir -p "$out" "$logs"
purgatory=$B/aarch64/purgatory.ro
kxinspect=$B/aarch64-user/kxinspect

setup_fail() {
	echo "FAIL aarch64-qemu-setup: $*"
	exit 1
}

# ------------------------------------------------------------ inputs
[ -f "$purgatory" ] || setup_fail "no $purgatory (make it first)"
[ -x "$kxinspect" ] || setup_fail "no $kxinspect (make it first)"
scripts/deps.sh qemu kexec >/dev/null || setup_fail "scripts/deps.sh qemu kexec failed"
command -v patch >/dev/null || apt-get install -y -q patch >/dev/null ||
	setup_fail "cannot install patch"
kernel=$(scripts/fetch.sh kernel arm64) || setup_fail "fetch.sh kernel arm64 failed"
busybox=$(scripts/fetch.sh busybox arm64) || setup_fail "fetch.sh busybox arm64 failed"
src=$(scripts/fetch.sh kexec-tools) || setup_fail "fetch.sh kexec-tools failed"

# build_kexec NAME PURGATORY|- PATCH...: a static arm64 kexec in
# $out/kexec-NAME, rebuilt when an input changes.  Built in a copy of the
# tree (Debian's patches break out-of-tree builds); the purgatory object
# is substituted after a normal build, as docs/kexec-tools.md says.
build_kexec() {
	local name=$1 purg=$2 tree key log p
	shift 2
	key=$( { basename "$src"; [ "$purg" = - ] && echo own || sha256sum <"$purg";
		cat "$@"; declare -f build_kexec; } | sha256sum | cut -c1-16)
	if [ "$(cat "$out/kexec-$name.key" 2>/dev/null)" = "$key" ] && [ -x "$out/kexec-$name" ]; then
		return 0
	fi
	tree=$out/kexec-$name.tree log=$out/kexec-$name.log
	rm -rf "$tree" && cp -a "$src" "$tree" || return 1
	(
		set -e
		cd "$tree"
		for p in "$@"; do patch -p1 <"$OLDPWD/$p"; done
		./configure --host=aarch64-linux-gnu CC=aarch64-linux-gnu-gcc \
			--without-zlib --without-lzma --without-xen LDFLAGS=-static
		make -j2
		if [ "$purg" != - ]; then
			cp "$OLDPWD/$purg" purgatory/purgatory.ro
			touch purgatory/purgatory.ro
			rm -f kexec/purgatory.c
			make -j2
			# The object embedded really is ours.
			bin/bin-to-hex purgatory <"$OLDPWD/$purg" | cmp - kexec/purgatory.c
		fi
	) >"$log" 2>&1 || { tail -n 20 "$log"; return 1; }
	aarch64-linux-gnu-strip -o "$out/kexec-$name" "$tree/build/sbin/kexec"
	rm -rf "$tree"
	echo "$key" >"$out/kexec-$name.key"
}
stext=test/qemu/aarch64-stext.patch
build_kexec kx "$purgatory" "$stext" || setup_fail "building kexec with kx's purgatory"
build_kexec kx-corrupt "$purgatory" "$stext" test/qemu/aarch64-corrupt.patch ||
	setup_fail "building kexec with aarch64-corrupt.patch"
if [ "${KX_QEMU_OWN:-0}" = 1 ]; then
	build_kexec own - "$stext" || setup_fail "building kexec with its own purgatory"
fi

# The two initramfs images: the next kernel's (busybox, kxinspect, /init)
# and the first kernel's (that, kexec, and what it kexecs into).
pack() {	# pack DIR OUT
	(cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 -n >"$2"
}
base() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/boot"
	cp "$busybox" "$1/bin/busybox"
	install -m 755 test/qemu/aarch64-init "$1/init"
}
key=$(cat "$0" test/qemu/aarch64-init "$kernel" "$busybox" "$kxinspect" "$out"/kexec-kx \
	"$out"/kexec-kx-corrupt $( [ "${KX_QEMU_OWN:-0}" = 1 ] && echo "$out/kexec-own") | sha256sum)
if [ "$(cat "$out/initramfs.key" 2>/dev/null)" != "$key" ]; then
	work=$(mktemp -d "$out/.initramfs.XXXXXX")
	base "$work/second"
	aarch64-linux-gnu-strip -o "$work/second/bin/kxinspect" "$kxinspect"
	pack "$work/second" "$out/initrd2.cpio.gz"
	base "$work/first"
	cp "$out/kexec-kx" "$work/first/bin/kexec"
	cp "$out/kexec-kx-corrupt" "$work/first/bin/kexec-corrupt"
	[ "${KX_QEMU_OWN:-0}" = 1 ] && cp "$out/kexec-own" "$work/first/bin/kexec-own"
	cp "$kernel" "$work/first/boot/vmlinuz"
	cp "$out/initrd2.cpio.gz" "$work/first/boot/initrd.gz"
	pack "$work/first" "$out/initramfs.cpio.gz"
	rm -rf "$work"
	echo "$key" >"$out/initramfs.key"
fi
initrd_sha=$(sha256sum <"$out/initrd2.cpio.gz" | cut -d' ' -f1)
echo "# kexec with $purgatory; next kernel's initrd sha256 $initrd_sha"

# ------------------------------------------------------------ running
# Serial logs hold CRs and escape sequences: the checks read them cleaned.
clean_log() { sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$@"; }

# run_qemu LOG LIMIT STOP_RE GRACE MACHINE APPEND: one QEMU under a
# time-out; with STOP_RE, stopped GRACE seconds after a matching line.
# Sets END (exited, timeout, stopped), STATUS and SECS.
run_qemu() {
	local log=$1 limit=$2 stop_re=$3 grace=$4 machine=$5 append=$6 pid seen= start=$SECONDS
	: >"$log"
	timeout --kill-after=5 "$limit" qemu-system-aarch64 -M "$machine" \
		-cpu max,pauth-impdef=on -accel tcg -m 1024 -nographic -monitor none \
		-no-reboot -nic none -kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
		-append "$append" -serial "file:$log" </dev/null >"$log.qemu" 2>&1 &
	pid=$!
	END=exited
	while kill -0 "$pid" 2>/dev/null; do
		if [ -n "$stop_re" ] && [ -z "$seen" ] && clean_log "$log" | grep -aqE -- "$stop_re"; then
			seen=$SECONDS
		fi
		if [ -n "$seen" ] && [ $((SECONDS - seen)) -ge "$grace" ]; then
			kill "$pid" 2>/dev/null
			END=stopped
			break
		fi
		sleep 0.5
	done
	wait "$pid"
	STATUS=$?
	[ "$END" = stopped ] || [ "$STATUS" -ne 124 ] || END=timeout
	SECS=$((SECONDS - start))
}

# A test gathers reasons for failing; test_end prints its one line.
test_begin() { T_NAME=$1 T_LOG=$logs/$1.log T_WHY=(); }
fail_because() { T_WHY+=("$*"); }
field() { clean_log "$T_LOG" | grep -aE -- "$1" | head -n 1; }
expect() { clean_log "$T_LOG" | grep -aqE -- "$1" || fail_because "no $2 (/$1/)"; }
expect_not() {
	if clean_log "$T_LOG" | grep -aqE -- "$1"; then fail_because "$2: $(field "$1" | cut -c1-100)"; fi
}
expect_exit() {
	case $END in
	timeout) fail_because "timed out after ${SECS}s" ;;
	stopped) fail_because "stopped by the harness" ;;
	exited) [ "$STATUS" -eq 0 ] || fail_because "QEMU exited with status $STATUS" ;;
	esac
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
}
test_end() {
	if [ ${#T_WHY[@]} -eq 0 ]; then
		echo "ok   $T_NAME (${SECS}s) $*"
		return 0
	fi
	local w
	w=$(printf '%s; ' "${T_WHY[@]}")
	echo "FAIL $T_NAME: ${w%; } (${SECS}s)"
	echo "    serial log $T_LOG, last lines:"
	clean_log "$T_LOG" | grep -av '^[[:space:]]*$' | tail -n 15 | sed 's/^/    | /'
	[ -s "$T_LOG.qemu" ] && tail -n 5 "$T_LOG.qemu" | sed 's/^/    | qemu: /'
	return 1
}
nonce() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }

# Purgatory time from its own last line, for the summary.
purg_time() { field '^kx: entering image' | sed -n 's/.*(\([0-9.]* ms\)) in purgatory.*/\1/p'; }

# ------------------------------------------------------------ scenarios
status=0
base_append="console=ttyAMA0 quiet panic=-1"

kexec_scenario() {	# kexec_scenario NAME MACHINE EL
	local name=$1 machine=$2 el=$3 n limit=150
	n=$(nonce)
	test_begin "$name"
	run_qemu "$T_LOG" $limit "" 0 "$machine" "$base_append kxtest=kexec kxnonce=$n"
	expect_exit
	expect '^KXMARK first up kexec' "first kernel's marker"
	expect '^KXMARK kexec-loaded kexec' "successful kexec -c -l"
	expect "^kx: purgatory \\(aarch64, EL$el, " "kx's first line at EL$el"
	expect '^kx: sha256 ok: [0-9]+ regions, [0-9]+ bytes, armv8-ce, MMU on, [0-9]+ ticks \([0-9.]+ ms\)' \
		"verification with the SHA2 instructions and the MMU on"
	expect_not '^kx: MMU stays off' "the MMU stayed off"
	expect '^kx: entering image at 0x[0-9a-f]+ at EL'"$el"', dtb 0x[0-9a-f]+' "kx's last line"
	expect "^KXMARK second up nonce=$n" "next kernel's marker"
	check_setup_page
	test_end "next kernel up, setup page checked; purgatory $(purg_time)" || status=1
}

# The setup page kx announced in the DTB reached the next kernel (its
# bootargs and /chosen/kx,setup-page) and holds the right digests.
check_setup_page() {
	local addr json why
	addr=$(field '^kx: setup page at 0x[0-9a-f]+: kx_setup= in bootargs' |
		sed -n 's/^kx: setup page at \(0x[0-9a-f]*\):.*/\1/p')
	if [ -z "$addr" ]; then
		fail_because "no setup page announced ($(field '^kx: .*setup page' | cut -c1-100))"
		return
	fi
	expect "^KXMARK dt-setup-page $addr\$" "/chosen/kx,setup-page = $addr in the next kernel"
	expect "^KXMARK setup-begin $addr\$" "kx_setup=$addr on the next kernel's command line"
	expect '^KXMARK setup-end rc=0' "setup page decoded by kxinspect (rc=0)"
	json=$(clean_log "$T_LOG" | sed -n '/^KXMARK setup-begin/,/^KXMARK setup-end/p' | sed '1d;$d')
	why=$(printf '%s' "$json" | python3 test/qemu/aarch64-setup.py "$addr" "$kernel" \
		"$out/initrd2.cpio.gz" 2>&1) || fail_because "$why"
}

# The one test where a hang is the expected outcome: QEMU is stopped
# GRACE seconds after the mismatch message (the next kernel would print
# its marker well within that), and fails at LIMIT without it.
bad_digest_scenario() {
	local name=aarch64-kexec-bad-digest n limit=90 grace=10
	n=$(nonce)
	test_begin "$name"
	run_qemu "$T_LOG" $limit '^kx: halted' $grace virt \
		"$base_append kxtest=corrupt kxcorrupt=0 kxnonce=$n"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	expect '^kx-test: inverted byte .* after its digest was taken' "altered segment"
	expect '^KXMARK kexec-loaded corrupt' "successful kexec -c -l"
	expect '^kx: SHA-256 MISMATCH over [0-9]+ regions' "mismatch message"
	expect '^kx:   region 0: 0x[0-9a-f]+ \+0x[0-9a-f]+' "the regions"
	expect '^kx:   expected [0-9a-f]{64}$' "expected digest"
	expect '^kx:   actual   [0-9a-f]{64}$' "actual digest"
	expect '^kx: halted: the next kernel is NOT entered' "halt message"
	expect_not '^kx: entering image' "purgatory entered the image"
	expect_not '^KXMARK second up' "the next kernel ran"
	case $END in
	stopped) ;;
	timeout) fail_because "no halt message within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $STATUS) instead of hanging in purgatory" ;;
	esac
	test_end "refused and halted (QEMU stopped ${grace}s after the message)" || status=1
}

own_scenario() {
	local name=aarch64-kexec-own-purgatory n limit=200
	n=$(nonce)
	test_begin "$name"
	run_qemu "$T_LOG" $limit "" 0 virt "$base_append kxtest=own kxnonce=$n"
	expect_exit
	expect "^I'm in purgatory" "kexec-tools' purgatory"
	expect "^KXMARK second up nonce=$n" "next kernel's marker"
	test_end "kexec-tools' own purgatory (for timing by hand)" || status=1
}

kexec_scenario aarch64-kexec-el1 virt 1
kexec_scenario aarch64-kexec-el2 virt,virtualization=on 2
bad_digest_scenario
[ "${KX_QEMU_OWN:-0}" = 1 ] && own_scenario
exit $status

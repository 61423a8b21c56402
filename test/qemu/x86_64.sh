#!/usr/bin/env bash
# x86_64 QEMU system tests: Debian's kernel boots a busybox initramfs that
# kexecs (kexec_load, -c) the same kernel through a purgatory embedded in a
# static kexec-tools, or loads it as a crash kernel and crashes.
#
#   test/qemu/x86_64.sh [BUILD]        (test/run.sh runs it as qemu-x86_64)
#
# KX_PURGATORY selects the purgatory kexec embeds:
#   kx (default)           kx's, BUILD/x86_64/purgatory.ro
#   kexec-tools            kexec-tools' own: the positive control
#   FILE.ro                any other object
# With kx's, the tests also want its console lines, its digest-mismatch
# message and a setup page (kx_setup=) in the next kernel whose initrd
# digest is the initrd's.  The console lines are matched with
# KX_QEMU_PURGATORY_RE and KX_QEMU_MISMATCH_RE (extended REs), whose
# defaults follow KX_PURGATORY.
#
# Scenarios (one test line each):
#   x86_64-kexec-load-exec   kexec -c -l + kexec -e, --console-serial
#   x86_64-kexec-entry32     the same with --entry-32bit
#   x86_64-kdump             crashkernel=256M, kexec -c -p, sysrq crash:
#                            /proc/vmcore, backup region, makedumpfile
#   x86_64-kexec-bad-digest  a segment altered after its digest was taken:
#                            the purgatory refuses, the next kernel never runs
# KX_QEMU_TESTS="WORD..." runs only the scenarios whose names contain a WORD.
# Serial logs: BUILD/test-logs/qemu-x86_64/<scenario>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh

out=$B/qemu/x86_64
logs=$B/test-logs/qemu-x86_64
mkdir -p "$out" "$logs"

# ------------------------------------------------------------ purgatory
KX_PURGATORY=${KX_PURGATORY:-kx}
case $KX_PURGATORY in
kexec-tools)
	purgatory= kx=
	purg_re=${KX_QEMU_PURGATORY_RE:-"^I'm in purgatory"}
	mismatch_re=${KX_QEMU_MISMATCH_RE:-'^sha256 digests do not match'}
	;;
*)
	purgatory=$KX_PURGATORY kx=1
	[ "$purgatory" = kx ] && purgatory=$B/x86_64/purgatory.ro
	purg_re=${KX_QEMU_PURGATORY_RE:-'^kx: '}
	mismatch_re=${KX_QEMU_MISMATCH_RE:-'^kx: SHA-256 MISMATCH'}
	;;
esac

# ------------------------------------------------------------ inputs
setup_fail() {
	echo "FAIL x86_64-qemu-setup: $*"
	exit 1
}
[ -z "$purgatory" ] || [ -f "$purgatory" ] ||
	setup_fail "KX_PURGATORY=$KX_PURGATORY: no $purgatory (build it first)"
scripts/deps.sh qemu kexec || setup_fail "scripts/deps.sh qemu kexec failed"
kernel=$(scripts/fetch.sh kernel amd64) || setup_fail "fetch.sh kernel amd64 failed"
kexec=$(test/qemu/build-kexec.sh ${purgatory:+--purgatory "$purgatory"} x86_64) ||
	setup_fail "building kexec failed"
kexec_bad=$(test/qemu/build-kexec.sh --corrupt ${purgatory:+--purgatory "$purgatory"} x86_64) ||
	setup_fail "building kexec with kexec-corrupt.patch failed"
if [ ! "$out/physread" -nt test/qemu/physread.c ]; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$out/physread" test/qemu/physread.c ||
		setup_fail "building physread failed"
fi
[ -x "$B/host/kxinspect" ] || setup_fail "no $B/host/kxinspect (make it first)"
test/qemu/initramfs.sh x86_64 "$out" --kexec "$kexec" --kexec-corrupt "$kexec_bad" \
	--kxinspect "$B/host/kxinspect" --physread "$out/physread" ||
	setup_fail "initramfs.sh failed"
initramfs=$out/initramfs.cpio.gz
initrd_sha=$(sha256sum <"$out/initrd2.cpio.gz" | cut -d' ' -f1)
initrd_size=$(stat -c %s "$out/initrd2.cpio.gz")
echo "# purgatory: ${purgatory:-kexec-tools} (KX_PURGATORY=$KX_PURGATORY); kexec $kexec"
echo "# next kernel's initrd: sha256 $initrd_sha, $initrd_size bytes"

base_append="console=ttyS0 quiet panic=-1"
status=0

# ------------------------------------------------------------ checks
# The initrd the first kernel loaded is the one built here.
check_initrd_loaded() {
	local l
	l=$(field '^KXMARK initrd-sha256 ')
	[ "$l" = "KXMARK initrd-sha256 $initrd_sha size=$initrd_size" ] ||
		fail_because "first kernel's initrd is not the one built (${l:-no initrd-sha256 line})"
}

# With kx's purgatory: a setup page in the next kernel, decoded by
# kxinspect, whose initrd segment has the initrd file's digest (padded
# with zeros to the segment's size, as loaders hash memsz).  With
# kexec-tools' there is no setup page.
check_setup_page() {
	local json
	if [ -z "$kx" ]; then
		expect_not '^KXMARK setup-begin' "a setup page with kexec-tools' purgatory"
		return
	fi
	if [ -z "$(field '^KXMARK setup-begin 0x[0-9a-fA-F]+')" ]; then
		fail_because "no setup page: no kx_setup= on the next kernel's command line"
		return
	fi
	expect '^KXMARK setup-end rc=0' "setup page decoded by kxinspect (rc=0)"
	json=$(clean_log "$T_LOG" | sed -n '/^KXMARK setup-begin/,/^KXMARK setup-end/p' | sed '1d;$d')
	local why
	why=$(printf '%s' "$json" | python3 test/qemu/setup_digests.py "$out/initrd2.cpio.gz" "$kernel" 2>&1) ||
		fail_because "$why"
}

# ------------------------------------------------------------ scenarios
kexec_scenario() {	# kexec_scenario NAME KXTEST
	local name=$1 n limit=120
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_x86_64 "$T_LOG" $limit "" 0 1024 "$kernel" "$initramfs" \
		"$base_append kxtest=$2 kxnonce=$n"
	expect_exit $limit
	expect "^KXMARK first up $2\$" "first kernel's marker"
	check_initrd_loaded
	expect "^KXMARK kexec-loaded $2\$" "successful kexec -c -l"
	expect "$purg_re" "purgatory console line"
	expect "^KXMARK second up nonce=$n\$" "next kernel's marker"
	check_setup_page
	test_end "next kernel up; setup page digests = the initrd file's and the kernel's as split" || status=1
}

kdump_scenario() {
	local name=x86_64-kdump n limit=150 low_addr=0x1000 low_len=0x9e000
	local zero kcore vmcore bytes load
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_x86_64 "$T_LOG" $limit "" 0 1024 "$kernel" "$initramfs" \
		"$base_append crashkernel=256M kxtest=kdump kxnonce=$n kxlow=$low_addr:$low_len"
	expect_exit $limit
	expect '^KXMARK first up kdump' "first kernel's marker"
	check_initrd_loaded
	expect '^KXMARK kexec-loaded kdump' "successful kexec -c -p"
	expect 'sysrq: Trigger a crash' "crash"
	expect "$purg_re" "purgatory console line"
	expect "^KXMARK capture up nonce=$n" "capture kernel's marker"
	expect '^KXMARK vmcore present' "/proc/vmcore"
	# The backup region: the vmcore's low PT_LOAD (paddr 0x1000) holds what
	# the first kernel had there, copied aside by the purgatory.
	load=$(field "^KXMARK vmcore-load $low_addr ")
	[ -n "$load" ] && [ $(( ${load##* } >= low_len )) = 1 ] ||
		fail_because "no vmcore PT_LOAD at $low_addr of at least $low_len bytes (${load:-none})"
	zero=$(head -c $((low_len)) /dev/zero | sha256sum | cut -d' ' -f1)
	kcore=$(field "^KXMARK kcore-low $low_addr $low_len sha256=" | sed -n 's/.*sha256=\([0-9a-f]\{64\}\)$/\1/p')
	vmcore=$(field "^KXMARK vmcore-low $low_addr $low_len sha256=" | sed -n 's/.*sha256=\([0-9a-f]\{64\}\)$/\1/p')
	if [ -z "$kcore" ] || [ -z "$vmcore" ]; then
		fail_because "low memory digests missing (kcore '${kcore}', vmcore '${vmcore}')"
	elif [ "$vmcore" = "$zero" ]; then
		fail_because "vmcore's backup region is all zeros"
	elif [ "$vmcore" != "$kcore" ]; then
		fail_because "vmcore's backup region differs from the first kernel's low memory ($vmcore != $kcore)"
	fi
	bytes=$(field '^KXMARK makedumpfile -F -d 31 -c rc=0 bytes=' | sed -n 's/.*bytes=\([0-9]*\)$/\1/p')
	[ -n "$bytes" ] && [ "$bytes" -gt 1048576 ] ||
		fail_because "makedumpfile -F -d 31 -c did not complete ($(field '^KXMARK makedumpfile'))"
	check_setup_page
	# kx: the setup page's backup map names the backup region: from the low
	# PT_LOAD's start, its pages, to the segment kexec-tools chose (whose
	# bytes the vmcore check above proved to be the first kernel's).
	if [ -n "$kx" ]; then
		local seg ext want_pages
		seg=$(field '^KXMARK backup-segment 0x[0-9a-f]+' | sed -n 's/.* \(0x[0-9a-f]*\)$/\1/p')
		ext=$(clean_log "$T_LOG" | grep -a -o '"type":"BKEX"[^]]*]' | head -n 1 |
			sed -n 's/.*"orig":\([0-9]*\),"current":\([0-9]*\),"pages":\([0-9]*\).*/\1 \2 \3/p')
		want_pages=$(( (${load##* } + 4095) / 4096 ))
		if [ -z "$seg" ] || [ -z "$ext" ]; then
			fail_because "backup segment '${seg}' or setup-page backup extent '${ext}' missing"
		elif [ "$ext" != "$((low_addr)) $((seg)) $want_pages" ]; then
			fail_because "setup-page backup extent '$ext' is not '$((low_addr)) $((seg)) $want_pages' (orig current pages)"
		fi
	fi
	test_end "capture kernel up, backup region = first kernel's low memory, makedumpfile ${bytes:-?} bytes" ||
		status=1
}

# The one test where a time-out is the expected outcome: the purgatory
# must halt.  QEMU is stopped GRACE seconds after the mismatch message
# (the next kernel takes less to print its marker), and at LIMIT seconds
# at the latest, which then fails for want of the message.
bad_digest_scenario() {
	local name=x86_64-kexec-bad-digest n limit=60 grace=8
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_x86_64 "$T_LOG" $limit "$mismatch_re" $grace 1024 "$kernel" "$initramfs" \
		"$base_append kxtest=corrupt kxcorrupt=0 kxnonce=$n"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	expect '^kx-test: flipped byte .* after its digest was taken' "altered segment (kexec-corrupt)"
	expect '^KXMARK kexec-loaded corrupt' "successful kexec -c -l"
	expect "$purg_re" "purgatory console line"
	expect "$mismatch_re" "digest mismatch message"
	[ -z "$kx" ] || expect '^kx: halted: the next kernel is NOT entered' "kx's halt line"
	expect_not "KXMARK second up" "the next kernel ran"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "no mismatch message within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS) instead of hanging in the purgatory" ;;
	esac
	test_end "purgatory refused, QEMU stopped ${grace}s after its message (expected hang)" || status=1
}

! want x86_64-kexec-load-exec || kexec_scenario x86_64-kexec-load-exec kexec
! want x86_64-kexec-entry32 || kexec_scenario x86_64-kexec-entry32 kexec32
! want x86_64-kdump || kdump_scenario
! want x86_64-kexec-bad-digest || bad_digest_scenario
exit $status

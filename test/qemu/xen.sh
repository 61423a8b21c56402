#!/usr/bin/env bash
# Xen QEMU system tests (x86_64): Debian's Xen 4.17 hypervisor boots
# Debian's amd64 kernel as a PV dom0, whose busybox initramfs kexecs
# through the hypervisor (kexec-tools built --with-xen, kx's purgatory
# embedded): Xen, not Linux, copies the segments and enters purgatory.
#
#   test/qemu/xen.sh [BUILD]        (test/run.sh runs it as qemu-xen)
#
# Scenarios (one test line each):
#   xen-kexec-load-exec   kxp2m (test/qemu/p2m.c) builds a kx page list in
#                         dom0 through its real P2M (pagemap + Xen's M2P)
#                         and checks every source frame through Xen's
#                         mapping of it; then
#                         kexec -c -l + kexec -e in dom0: Xen executes the
#                         image, kx's purgatory says it runs after Xen, the
#                         next kernel's setup page has the files' digests
#                         and the machine's memory map
#   xen-kdump             crashkernel=256M on Xen's command line, kexec -c -p
#                         in dom0, dom0's sysrq crash makes Xen crash the
#                         host: capture kernel up, Xen's banner in
#                         /proc/vmcore, the backup region equal to machine
#                         low memory as QEMU saw it before the crash,
#                         makedumpfile completes
#   xen-kexec-bad-digest  a segment altered after its digest was taken:
#                         the purgatory refuses, nothing is entered
# KX_QEMU_TESTS="WORD..." runs only the scenarios whose names contain a WORD.
# Serial logs: BUILD/test-logs/qemu-xen/<scenario>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh

out=$B/qemu/xen
logs=$B/test-logs/qemu-xen
mkdir -p "$out" "$logs"
purgatory=$B/x86_64/purgatory.ro
purg_re="^kx: purgatory \\(x86_64, setup ABI [0-9.]+, after a hypervisor \\(Xen's kexec_reloc\\)\\)\$"
mismatch_re='^kx: SHA-256 MISMATCH'
modules=(xen-privcmd.ko xenfs.ko)

# ------------------------------------------------------------ inputs
setup_fail() {
	echo "FAIL xen-qemu-setup: $*"
	exit 1
}
[ -f "$purgatory" ] || setup_fail "no $purgatory (make it first)"
[ -x "$B/host/kxinspect" ] || setup_fail "no $B/host/kxinspect (make it first)"
scripts/deps.sh qemu kexec || setup_fail "scripts/deps.sh qemu kexec failed"
kernel=$(scripts/fetch.sh kernel amd64) || setup_fail "fetch.sh kernel amd64 failed"
xendir=$(scripts/fetch.sh xen) || setup_fail "fetch.sh xen failed"
moddir=$(scripts/fetch.sh kmods amd64 drivers/xen/xen-privcmd.ko drivers/xen/xenfs/xenfs.ko) ||
	setup_fail "fetch.sh kmods failed"
kexec=$(test/qemu/build-kexec.sh --xen --purgatory "$purgatory" x86_64) ||
	setup_fail "building kexec --xen failed"
kexec_bad=$(test/qemu/build-kexec.sh --xen --corrupt --purgatory "$purgatory" x86_64) ||
	setup_fail "building kexec --xen with kexec-corrupt.patch failed"
if [ ! "$out/physread" -nt test/qemu/physread.c ]; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$out/physread" test/qemu/physread.c ||
		setup_fail "building physread failed"
fi
# kxp2m: kx's page-list builder (libkx) against dom0's P2M, through Xen.
[ -f "$B/host/libkx.a" ] || setup_fail "no $B/host/libkx.a (make it first)"
if [ ! "$out/kxp2m" -nt test/qemu/p2m.c ] || [ ! "$out/kxp2m" -nt "$B/host/libkx.a" ]; then
	gcc -static -O2 -Wall -Wextra -Werror -Iinclude -I"$xendir/root/usr/include" \
		-o "$out/kxp2m" test/qemu/p2m.c "$B/host/libkx.a" \
		-L"$xendir/root/usr/lib/x86_64-linux-gnu" -lxenctrl -lxenforeignmemory \
		-lxendevicemodel -lxengnttab -lxenevtchn -lxencall -lxentoolcore \
		-lxentoollog -lpthread -ldl 2>"$out/kxp2m.log" ||
		{ cat "$out/kxp2m.log"; setup_fail "building kxp2m failed"; }
fi
test/qemu/initramfs.sh x86_64 "$out" --kexec "$kexec" --kexec-corrupt "$kexec_bad" \
	--kxinspect "$B/host/kxinspect" --physread "$out/physread" --tool "$out/kxp2m" \
	--modules "$moddir" "${modules[@]}" || setup_fail "initramfs.sh failed"
initramfs=$out/initramfs.cpio.gz
initrd_sha=$(sha256sum <"$out/initrd2.cpio.gz" | cut -d' ' -f1)
initrd_size=$(stat -c %s "$out/initrd2.cpio.gz")
xen_banner="Xen version $(basename "$xendir" | sed 's/^\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/')"
echo "# Xen $(basename "$xendir"); kexec $kexec"
echo "# next kernel's initrd: sha256 $initrd_sha, $initrd_size bytes"

status=0
xen_append="console=com1 com1=115200,8n1 dom0_mem=768M crashkernel=256M"
dom0_append="console=hvc0 quiet panic=-1"

# qemu_xen LOG TIMEOUT STOP_RE GRACE DOM0-APPEND [QEMU-ARG...]
#   -cpu Haswell-noTSX: with -cpu max the PV dom0 crashes early in Xen's
#   bounce-frame code.  Xen is the multiboot kernel, dom0's kernel and
#   initramfs its modules.
qemu_xen() {
	local log=$1 limit=$2 stop=$3 grace=$4 append=$5
	shift 5
	qemu_run "$log" "$limit" "$stop" "$grace" qemu-system-x86_64 -accel tcg \
		-cpu Haswell-noTSX -m 2048 -nographic -no-reboot -nic none "$@" \
		-kernel "$xendir/xen" -append "$xen_append" \
		-initrd "$kernel $append,$initramfs"
}

# ------------------------------------------------------------ checks
# Xen up, dom0 up with xenfs, the initrd the first kernel loaded is ours.
check_dom0() {
	local l
	expect "\\(XEN\\) $xen_banner" "Xen's banner (a BIOS dot may precede it)"
	expect '^KXMARK xen dom0 capabilities=control_d' "dom0 with xenfs (control_d)"
	expect "^KXMARK first up $1\$" "dom0's marker"
	l=$(field '^KXMARK initrd-sha256 ')
	[ "$l" = "KXMARK initrd-sha256 $initrd_sha size=$initrd_size" ] ||
		fail_because "dom0's initrd is not the one built (${l:-no initrd-sha256 line})"
}

# The setup page in the next kernel, decoded by kxinspect: the initrd's and
# the kernel's digests are the files'; with MACHINE set, its memory map
# holds every usable range of the machine above 1 MiB exactly as Xen
# printed its e820 at boot (kexec-tools asks Xen for the machine's map;
# dom0's own has 768 MiB).
check_setup_page() {
	local json why
	if [ -z "$(field '^KXMARK setup-begin 0x[0-9a-fA-F]+')" ]; then
		fail_because "no setup page: no kx_setup= on the next kernel's command line"
		return
	fi
	expect '^KXMARK setup-end rc=0' "setup page decoded by kxinspect (rc=0)"
	json=$(clean_log "$T_LOG" | sed -n '/^KXMARK setup-begin/,/^KXMARK setup-end/p' | sed '1d;$d')
	why=$(printf '%s' "$json" | python3 test/qemu/setup_digests.py "$out/initrd2.cpio.gz" "$kernel" 2>&1) ||
		fail_because "$why"
	[ "${1:-}" = machine ] || return 0
	why=$(clean_log "$T_LOG" | sed -n 's/^(XEN)  \[\([0-9a-f]*\), \([0-9a-f]*\)\] (usable)$/\1 \2/p' |
		KX_JSON=$json python3 -c '
import json, os, sys
xen = [(int(a, 16), int(b, 16) + 1) for a, b in (l.split() for l in sys.stdin)]
xen = [r for r in xen if r[0] >= 0x100000]
if not xen:
    sys.exit("no Xen-e820 usable range above 1 MiB in the log")
maps = []
def walk(o):
    if isinstance(o, dict):
        if o.get("type") == "MMAP":
            maps.append(o)
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(json.loads(os.environ["KX_JSON"]))
ram = {(e["addr"], e["addr"] + e["size"]) for m in maps for e in m.get("entries", []) if e.get("type") == "ram"}
for r in xen:
    if r not in ram:
        sys.exit("setup page memory map lacks the machine range %#x-%#x (its RAM: %s)" %
                 (r[0], r[1], sorted("%#x-%#x" % x for x in ram)))
' 2>&1) || fail_because "$why"
}

# ------------------------------------------------------------ scenarios
kexec_scenario() {
	local name=xen-kexec-load-exec n limit=240
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_xen "$T_LOG" $limit "" 0 "$dom0_append kxtest=kexec kxnonce=$n" -monitor none
	expect_exit $limit
	check_dom0 kexec
	expect '^KXMARK p2m [0-9]+ pages: [1-9][0-9]* with pfn != mfn, [1-9][0-9]* machine discontinuities$' "dom0's buffers on scattered machine frames"
	expect '^KXMARK p2m ok: 64 copies checked through Xen.s mappings, [1-9][0-9]* in place, [1-9][0-9]* moved' "kx's page list through dom0's P2M, every source checked through Xen"
	expect_not '^KXMARK p2m FAIL' "kxp2m failed"
	expect '^KXMARK kexec-loaded kexec$' "successful kexec -c -l"
	expect '^\(XEN\) .*Executing kexec image on cpu' "Xen executing the image"
	expect "$purg_re" "purgatory's first line naming Xen"
	expect '^kx: sha256 ok: ' "purgatory's digest check"
	expect '^kx: setup page at 0x' "purgatory's setup page"
	expect "^KXMARK second up nonce=$n\$" "next kernel's marker"
	expect_not '^KXMARK cmdline .*kexec_jump_back_entry=' "Xen's return address taken for a jump-back entry"
	check_setup_page machine
	test_end "Xen executed the image; setup page digests = the files', memory map the machine's" || status=1
}

kdump_scenario() {
	local name=xen-kdump n limit=300 low_addr=0x0 low_len=0x9f000
	local sock snap pid zero want vmcore bytes load seg ext
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	sock=$out/monitor.sock snap=$out/low.bin
	rm -f "$sock" "$snap" "$snap.status"
	python3 test/qemu/snapshot.py "$T_LOG" "$sock" '^KXMARK snapshot-low ' \
		'sysrq: Trigger a crash' "$low_addr" "$low_len" "$snap" &
	pid=$!
	qemu_xen "$T_LOG" $limit "" 0 \
		"$dom0_append kxtest=kdump kxnonce=$n kxlow=$low_addr:$low_len kxsnap=10" \
		-monitor "unix:$sock,server=on,wait=off"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect_exit $limit
	check_dom0 kdump
	expect '^KXMARK xen-crash-status-before 0$' "no crash image in Xen before kexec -p (kexec -S -p)"
	expect '^KXMARK xen-crash-status 1$' "Xen holding the crash image (kexec -S -p)"
	expect '^KXMARK kexec-loaded kdump' "successful kexec -c -p"
	expect '^\(XEN\) Hardware Dom0 crashed: Executing kexec image on cpu' "Xen's crash path"
	expect "$purg_re" "purgatory's first line naming Xen"
	expect "^kx: crash kernel: saved 0x[0-9a-f]+ bytes at 0x0 to 0x" "purgatory's backup copy"
	expect "^KXMARK capture up nonce=$n" "capture kernel's marker"
	expect '^KXMARK vmcore present' "/proc/vmcore"
	expect "^KXMARK vmcore-xen-banner 0x[0-9a-f]+\$" "Xen's banner in /proc/vmcore"
	# The backup region: the vmcore's low PT_LOAD holds machine low memory
	# as QEMU saved it while dom0 waited, just before the crash.
	load=$(field "^KXMARK vmcore-load $low_addr ")
	[ -n "$load" ] && [ $(( ${load##* } >= low_len )) = 1 ] ||
		fail_because "no vmcore PT_LOAD at $low_addr of at least $low_len bytes (${load:-none})"
	zero=$(head -c $((low_len)) /dev/zero | sha256sum | cut -d' ' -f1)
	vmcore=$(field "^KXMARK vmcore-low $low_addr $low_len sha256=" | sed -n 's/.*sha256=\([0-9a-f]\{64\}\)$/\1/p')
	if [ "$(cat "$snap.status" 2>/dev/null)" != ok ]; then
		fail_because "no snapshot of low memory before the crash ($(cat "$snap.status" 2>/dev/null || echo 'snapshot.py said nothing'))"
	else
		want=$(sha256sum <"$snap" | cut -d' ' -f1)
		if [ -z "$vmcore" ]; then
			fail_because "no vmcore-low digest"
		elif [ "$vmcore" = "$zero" ]; then
			fail_because "vmcore's backup region is all zeros"
		elif [ "$vmcore" != "$want" ]; then
			fail_because "vmcore's backup region differs from machine low memory before the crash ($vmcore != $want)"
		fi
	fi
	bytes=$(field '^KXMARK makedumpfile -F -X -d 1 -c rc=0 bytes=' | sed -n 's/.*bytes=\([0-9]*\)$/\1/p')
	[ -n "$bytes" ] && [ "$bytes" -gt 1048576 ] ||
		fail_because "makedumpfile did not complete ($(field '^KXMARK makedumpfile'))"
	check_setup_page
	# The setup page's backup map names the region and kexec-tools' segment.
	seg=$(field '^KXMARK backup-segment 0x[0-9a-f]+' | sed -n 's/.* \(0x[0-9a-f]*\)$/\1/p')
	ext=$(clean_log "$T_LOG" | grep -a -o '"type":"BKEX"[^]]*]' | head -n 1 |
		sed -n 's/.*"orig":\([0-9]*\),"current":\([0-9]*\),"pages":\([0-9]*\).*/\1 \2 \3/p')
	if [ -z "$seg" ] || [ -z "$ext" ]; then
		fail_because "backup segment '${seg}' or setup-page backup extent '${ext}' missing"
	elif [ "$ext" != "$((low_addr)) $((seg)) $(( (${load##* } + 4095) / 4096 ))" ]; then
		fail_because "setup-page backup extent '$ext' is not '$((low_addr)) $((seg)) $(( (${load##* } + 4095) / 4096 ))' (orig current pages)"
	fi
	test_end "capture kernel up, Xen's banner in vmcore, backup region = machine low memory, makedumpfile ${bytes:-?} bytes" ||
		status=1
}

# The expected hang: QEMU is stopped GRACE seconds after the mismatch
# message, at LIMIT seconds at the latest, which then fails.
bad_digest_scenario() {
	local name=xen-kexec-bad-digest n limit=200 grace=8
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_xen "$T_LOG" $limit "$mismatch_re" $grace \
		"$dom0_append kxtest=corrupt kxcorrupt=0 kxnonce=$n" -monitor none
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	check_dom0 corrupt
	expect '^kx-test: flipped byte .* after its digest was taken' "altered segment (kexec-corrupt)"
	expect '^KXMARK kexec-loaded corrupt' "successful kexec -c -l"
	expect "$purg_re" "purgatory's first line naming Xen"
	expect "$mismatch_re" "digest mismatch message"
	expect '^kx: halted: the next kernel is NOT entered' "kx's halt line"
	expect_not "KXMARK second up" "the next kernel ran"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "no mismatch message within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS) instead of hanging in the purgatory" ;;
	esac
	test_end "purgatory refused after Xen, QEMU stopped ${grace}s after its message (expected hang)" || status=1
}

! want xen-kexec-load-exec || kexec_scenario
! want xen-kdump || kdump_scenario
! want xen-kexec-bad-digest || bad_digest_scenario
exit $status

#!/usr/bin/env bash
# aarch64 QEMU system tests: Debian's arm64 kernel boots a busybox
# initramfs that kexecs (kexec_load, -c) the same kernel through kx's
# purgatory (BUILD/aarch64/purgatory.ro) embedded in a static,
# cross-built kexec-tools (build-kexec.sh, with aarch64-stext.patch).
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
#   aarch64-kexec-el2        the same on -M virt,virtualization=on (EL2, VHE:
#                            HCR_EL2.E2H = 1)
#   aarch64-kexec-el2-nvhe   the same with kvm-arm.mode=nvhe: Linux at EL1
#                            enters purgatory at EL2 with E2H = 0
#   aarch64-kexec-mmu-off    the same with kx.mmu=off for the next kernel:
#                            the MMU-off fallback says so and verifies
#   aarch64-kexec-bad-digest a segment altered after its digest was taken
#                            (kexec-corrupt.patch): the mismatch is printed,
#                            the kernel never runs
#   aarch64-kexec-no-checks  kexec --no-checks: "digest checks SKIPPED", the
#                            next kernel boots, no segment marked verified
#   aarch64-kexec-dtb-no-room  a command line padded so that the DTB ends
#                            too close to its page's end for kx's edits: the
#                            page is not announced, the next kernel boots
#   aarch64-kdump            crashkernel=256M, kexec -c -p, sysrq crash: kx's
#                            lines, the capture kernel's marker, /proc/vmcore,
#                            makedumpfile -F -d 31 -c of it (> 1 MiB, rc 0),
#                            a setup page flagged for a crash kernel with the
#                            ELF core header
# Every run has a time-out; a time-out or an empty log is a failure, except
# in the bad-digest test, where the guest must hang after its message.
#
# KX_QEMU_TESTS="WORD..." runs only the scenarios whose names contain a
# WORD.  KX_QEMU_OWN=1 also boots through kexec-tools' own purgatory
# (aarch64-kexec-own-purgatory: no assertion on timing; its log and kx's
# have both purgatories' lines to compare by hand).
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh
out=$B/qemu/aarch64
logs=$B/test-logs/qemu-aarch64
mkdir -p "$out" "$logs"
purgatory=$B/aarch64/purgatory.ro
kxinspect=$B/aarch64-user/kxinspect
own=${KX_QEMU_OWN:-0}

setup_fail() {
	echo "FAIL aarch64-qemu-setup: $*"
	exit 1
}

# ------------------------------------------------------------ inputs
[ -f "$purgatory" ] || setup_fail "no $purgatory (make it first)"
[ -x "$kxinspect" ] || setup_fail "no $kxinspect (make it first)"
scripts/deps.sh qemu kexec >/dev/null || setup_fail "scripts/deps.sh qemu kexec failed"
kernel=$(scripts/fetch.sh kernel arm64) || setup_fail "fetch.sh kernel arm64 failed"
busybox=$(scripts/fetch.sh busybox arm64) || setup_fail "fetch.sh busybox arm64 failed"
# aarch64-stext.patch: kdump needs _stext where Debian's kallsyms has no _text.
stext=(--patch test/qemu/aarch64-stext.patch)
kexec=$(test/qemu/build-kexec.sh --purgatory "$purgatory" "${stext[@]}" aarch64) ||
	setup_fail "building kexec with kx's purgatory failed"
kexec_bad=$(test/qemu/build-kexec.sh --corrupt --purgatory "$purgatory" "${stext[@]}" aarch64) ||
	setup_fail "building kexec with kexec-corrupt.patch failed"
# makedumpfile for the capture kernel: Debian's arm64 package, unpacked
# with its libraries' packages into a sysroot (never committed), carried
# with its ELF interpreter and the libraries its NEEDED entries name,
# recursively, at the sysroot's paths.
sysroot=$(scripts/fetch.sh debs arm64 makedumpfile libc6 libdw1 libelf1 liblzo2-2 \
	zlib1g liblzma5 libbz2-1.0 libzstd1) || setup_fail "fetch.sh debs arm64 failed"
mdf=
for d in usr/sbin usr/bin sbin; do
	[ -f "$sysroot/$d/makedumpfile" ] && { mdf=$d/makedumpfile; break; }
done
[ -n "$mdf" ] || setup_fail "no makedumpfile in $sysroot"
mdf_interp=$(aarch64-linux-gnu-readelf -l "$sysroot/$mdf" |
	sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')
[ -n "$mdf_interp" ] && [ -e "$sysroot$mdf_interp" ] ||
	setup_fail "makedumpfile's interpreter '$mdf_interp' is not in $sysroot"
mdf_libs() {	# the libraries makedumpfile needs, as paths in the sysroot
	local todo=("$sysroot/$mdf") seen=" " f n d
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for n in $(aarch64-linux-gnu-readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			case $seen in *" $n "*) continue ;; esac
			seen="$seen$n "
			[ "$n" = "${mdf_interp##*/}" ] && continue
			for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
				if [ -e "$sysroot/$d/$n" ]; then
					echo "$d/$n"
					todo+=("$sysroot/$d/$n")
					continue 2
				fi
			done
			echo "makedumpfile needs $n, which is not in $sysroot" >&2
			return 1
		done
	done
}
mdf_libs=$(mdf_libs) || setup_fail "resolving makedumpfile's libraries failed"
kexec_own=
if [ "$own" = 1 ]; then
	kexec_own=$(test/qemu/build-kexec.sh "${stext[@]}" aarch64) ||
		setup_fail "building kexec with its own purgatory failed"
fi

# The two initramfs images: the next kernel's (busybox, kxinspect,
# makedumpfile with its libraries, /init)
# and the first kernel's (that, kexec, and what it kexecs into).
pack() {	# pack DIR OUT
	(cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 -n >"$2"
}
base() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/boot"
	cp "$busybox" "$1/bin/busybox"
	install -m 755 test/qemu/aarch64-init "$1/init"
}
key=$(cat "$0" test/qemu/aarch64-init "$kernel" "$busybox" "$kxinspect" "$kexec" \
	"$kexec_bad" ${kexec_own:+"$kexec_own"} "$sysroot/$mdf" "$sysroot$mdf_interp" \
	$(printf "$sysroot/%s\n" $mdf_libs) | sha256sum)
if [ "$(cat "$out/initramfs.key" 2>/dev/null)" != "$key" ]; then
	work=$(mktemp -d "$out/.initramfs.XXXXXX")
	base "$work/second"
	aarch64-linux-gnu-strip -o "$work/second/bin/kxinspect" "$kxinspect"
	for f in "$mdf" "${mdf_interp#/}" $mdf_libs; do
		mkdir -p "$work/second/$(dirname "$f")"
		cp -L "$sysroot/$f" "$work/second/$f"
	done
	pack "$work/second" "$out/initrd2.cpio.gz"
	base "$work/first"
	aarch64-linux-gnu-strip -o "$work/first/bin/kexec" "$kexec"
	aarch64-linux-gnu-strip -o "$work/first/bin/kexec-corrupt" "$kexec_bad"
	[ -z "$kexec_own" ] || aarch64-linux-gnu-strip -o "$work/first/bin/kexec-own" "$kexec_own"
	cp "$kernel" "$work/first/boot/vmlinuz"
	cp "$out/initrd2.cpio.gz" "$work/first/boot/initrd.gz"
	pack "$work/first" "$out/initramfs.cpio.gz"
	rm -rf "$work"
	echo "$key" >"$out/initramfs.key"
fi
initramfs=$out/initramfs.cpio.gz
echo "# kexec $kexec with $purgatory"
echo "# next kernel's initrd: sha256 $(sha256sum <"$out/initrd2.cpio.gz" | cut -d' ' -f1)"

# Purgatory time from its own last line, for the summary.
purg_time() { field '^kx: entering image' | sed -n 's/.*(\([0-9.]* ms\)) in purgatory.*/\1/p'; }

# ------------------------------------------------------------ scenarios
status=0
base_append="console=ttyAMA0 quiet panic=-1"

kexec_scenario() {	# kexec_scenario NAME MACHINE EL-AS-PRINTED [APPEND [MMU]]
	local name=$1 machine=$2 el=$3 more=${4:-} mmu=${5:-on} n limit=150 t=kexec
	[ "$mmu" = on ] || t=mmuoff
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_aarch64 "$T_LOG" $limit "" 0 "$machine" "$kernel" "$initramfs" \
		"$base_append $more kxtest=$t kxnonce=$n"
	expect_exit $limit
	expect "^KXMARK first up $t" "first kernel's marker"
	expect "^KXMARK kexec-loaded $t" "successful kexec -c -l"
	expect "^kx: purgatory \\(aarch64, EL$el, " "kx's first line at EL$el"
	expect '^kx: sha256 ok: [0-9]+ regions, [0-9]+ bytes, armv8-ce, MMU '"$mmu"', [0-9]+ ticks \([0-9.]+ ms\)' \
		"verification with the SHA2 instructions and the MMU $mmu"
	if [ "$mmu" = on ]; then
		expect_not '^kx: MMU stays off' "the MMU stayed off"
	else
		expect '^kx: MMU stays off \(kx.mmu=off on the command line\): hashing with caches off' \
			"the MMU-off fallback, asked for"
	fi
	expect '^kx: entering image at 0x[0-9a-f]+ at EL'"${el%% *}"', dtb 0x[0-9a-f]+' "kx's last line"
	expect "^KXMARK second up nonce=$n" "next kernel's marker"
	check_setup_page
	test_end "next kernel up, setup page checked; purgatory $(purg_time)" || status=1
}

# The setup page kx announced in the DTB reached the next kernel (its
# bootargs and /chosen/kx,setup-page) and holds the right digests.
check_setup_page() {	# check_setup_page [--crash]
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
	why=$(printf '%s' "$json" | python3 test/qemu/aarch64-setup.py "$@" "$addr" "$kernel" \
		"$out/initrd2.cpio.gz" 2>&1) || fail_because "$why"
}

# kexec --no-checks sets skip_checks (and leaves sha256_regions empty):
# purgatory says it skipped, boots, and announces a setup page that marks
# no segment verified.
nochecks_scenario() {
	local name=aarch64-kexec-no-checks n limit=150 json
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_aarch64 "$T_LOG" $limit "" 0 virt "$kernel" "$initramfs" \
		"$base_append kxtest=nochecks kxnonce=$n"
	expect_exit $limit
	expect '^KXMARK kexec-loaded nochecks' "successful kexec -c -l --no-checks"
	expect '^kx: digest checks SKIPPED: the loader set skip_checks' "the skip reported"
	expect_not '^kx: sha256 ok' "a verification that was not asked for"
	expect "^KXMARK second up nonce=$n" "next kernel's marker"
	expect '^kx: setup page at 0x[0-9a-f]+: kx_setup= in bootargs' "the setup page announced"
	expect '^KXMARK setup-end rc=0' "setup page decoded by kxinspect (rc=0)"
	json=$(clean_log "$T_LOG" | sed -n '/^KXMARK setup-begin/,/^KXMARK setup-end/p' | sed '1d;$d')
	printf '%s' "$json" | grep -q '"flags":1,' &&
		fail_because "a segment marked verified in the setup page"
	test_end "skip reported, next kernel up, no segment marked verified" || status=1
}

# A DTB with no room for kx's edits: kexec-tools packs it, and the append
# is padded so that it ends within ~24 bytes of its last page's end.  The
# page is written but not announced, the DTB goes unchanged, the next
# kernel boots.
noroom_scenario() {
	local name=aarch64-kexec-dtb-no-room n limit=150 room
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_aarch64 "$T_LOG" $limit "" 0 virt "$kernel" "$initramfs" \
		"$base_append kxtest=noroom kxnonce=$n"
	expect_exit $limit
	room=$(field '^KXMARK dtb-room [0-9]+ bytes' | sed -n 's/^KXMARK dtb-room \([0-9]*\) bytes$/\1/p')
	[ -n "$room" ] && [ "$room" -lt 64 ] ||
		fail_because "the padded DTB leaves ${room:-?} bytes before its page's end (want < 64)"
	expect '^kx: sha256 ok: .*, MMU on, ' "verification with the MMU on"
	expect '^kx: setup page at 0x[0-9a-f]+ NOT announced \(the DTB has [0-9]+ bytes of room, [0-9]+ needed\)' \
		"the setup page said not announced"
	expect "^KXMARK second up nonce=$n" "next kernel's marker"
	expect '^KXMARK no-setup-page' "no kx_setup= on the next kernel's command line"
	expect_not '^KXMARK dt-setup-page' "/chosen/kx,setup-page in the next kernel"
	test_end "DTB left as it was (${room:-?} bytes of room), next kernel up" || status=1
}

# kdump: crashkernel=256M, kexec -c -p, sysrq crash; purgatory runs in the
# crash path (no relocation: Linux enters it directly), the capture kernel
# has /proc/vmcore, which makedumpfile reads to the end, and a setup page
# flagged for a crash kernel.
kdump_scenario() {
	local name=aarch64-kdump n limit=180 bytes
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_aarch64 "$T_LOG" $limit "" 0 virt "$kernel" "$initramfs" \
		"$base_append crashkernel=256M kxtest=kdump kxnonce=$n"
	expect_exit $limit
	expect '^KXMARK first up kdump' "first kernel's marker"
	expect '^KXMARK kexec-loaded kdump' "successful kexec -c -p"
	expect_not "Can't get the symbol of _text" "kexec-tools without aarch64-stext.patch"
	expect 'sysrq: Trigger a crash' "the crash"
	expect '^kx: purgatory \(aarch64, EL1, ' "kx's first line"
	expect '^kx: sha256 ok: [0-9]+ regions, [0-9]+ bytes, armv8-ce, MMU on, ' \
		"verification with the SHA2 instructions and the MMU on"
	expect "^KXMARK capture up nonce=$n" "capture kernel's marker"
	expect '^KXMARK vmcore present size=[1-9]' "/proc/vmcore"
	bytes=$(field '^KXMARK makedumpfile rc=0 bytes=' | sed -n 's/.*bytes=\([0-9]*\)$/\1/p')
	[ -n "$bytes" ] && [ "$bytes" -gt 1048576 ] ||
		fail_because "makedumpfile -F -d 31 -c did not complete ($(field '^KXMARK makedumpfile'))"
	check_setup_page --crash
	test_end "capture kernel up, /proc/vmcore, makedumpfile ${bytes:-?} bytes, crash setup page checked; purgatory $(purg_time)" ||
		status=1
}

# The one test where a hang is the expected outcome: QEMU is stopped
# GRACE seconds after the mismatch message (the next kernel would print
# its marker well within that), and fails at LIMIT without it.
bad_digest_scenario() {
	local name=aarch64-kexec-bad-digest n limit=90 grace=10
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_aarch64 "$T_LOG" $limit '^kx: halted' $grace virt "$kernel" "$initramfs" \
		"$base_append kxtest=corrupt kxcorrupt=0 kxnonce=$n"
	[ -s "$T_LOG" ] || fail_because "the serial log is empty"
	expect '^kx-test: flipped byte .* after its digest was taken' "altered segment (kexec-corrupt)"
	expect '^KXMARK kexec-loaded corrupt' "successful kexec -c -l"
	expect '^kx: SHA-256 MISMATCH over [0-9]+ regions' "mismatch message"
	expect '^kx:   region 0: 0x[0-9a-f]+ \+0x[0-9a-f]+' "the regions"
	expect '^kx:   expected [0-9a-f]{64}$' "expected digest"
	expect '^kx:   actual   [0-9a-f]{64}$' "actual digest"
	expect '^kx: halted: the next kernel is NOT entered' "halt message"
	expect_not '^kx: entering image' "purgatory entered the image"
	expect_not '^KXMARK second up' "the next kernel ran"
	case $QEMU_END in
	stopped) ;;
	timeout) fail_because "no halt message within ${limit}s" ;;
	exited) fail_because "QEMU exited (status $QEMU_STATUS) instead of hanging in purgatory" ;;
	esac
	test_end "refused and halted (QEMU stopped ${grace}s after the message)" || status=1
}

own_scenario() {
	local name=aarch64-kexec-own-purgatory n limit=200
	n=$(nonce)
	test_begin "$name" "$logs/$name.log"
	qemu_aarch64 "$T_LOG" $limit "" 0 virt "$kernel" "$initramfs" \
		"$base_append kxtest=own kxnonce=$n"
	expect_exit $limit
	expect "^I'm in purgatory" "kexec-tools' purgatory"
	expect "^KXMARK second up nonce=$n" "next kernel's marker"
	test_end "kexec-tools' own purgatory (for timing by hand)" || status=1
}

! want aarch64-kexec-el1 || kexec_scenario aarch64-kexec-el1 virt 1
! want aarch64-kexec-el2 || kexec_scenario aarch64-kexec-el2 virt,virtualization=on "2 with E2H=1"
# Linux in nVHE mode runs at EL1 and enters purgatory at EL2 through its
# hypervisor stub: EL2 with HCR_EL2.E2H = 0, the other descriptor format.
! want aarch64-kexec-el2-nvhe ||
	kexec_scenario aarch64-kexec-el2-nvhe virt,virtualization=on "2 with E2H=0" kvm-arm.mode=nvhe
# The fallback when the MMU cannot be used, forced: hashing with it off.
! want aarch64-kexec-mmu-off || kexec_scenario aarch64-kexec-mmu-off virt 1 "" off
! want aarch64-kexec-bad-digest || bad_digest_scenario
! want aarch64-kexec-no-checks || nochecks_scenario
! want aarch64-kexec-dtb-no-room || noroom_scenario
! want aarch64-kdump || kdump_scenario
[ "$own" != 1 ] || ! want aarch64-kexec-own-purgatory || own_scenario
exit $status

#!/usr/bin/env bash
# kexec jump between two real Linux kernels through kx (x86_64, TCG):
# docs/kexec-jump.md.  The kernels are KEXEC_JUMP builds of Debian's
# kernel sources made by scripts/build-kernel.sh (cached); one kernel
# serves as A and as B.
#
#   test/qemu/kexec-jump.sh [BUILD]   (test/run.sh runs it as qemu-kexec-jump)
#
# Per kernel K (6.12 from bookworm, the newest from sid):
#   kjump-K-control     the kernel's own kexec jump, no kexec-tools, no
#                       purgatory (test/qemu/kjump-control.c): 3 jumps, each
#                       runs the image and returns.  A failure of the tests
#                       below is then never the kernel's.
#   kjump-K-selftest    Linux's own tools/testing/selftests/kexec/
#                       test_kexec_jump (kernels >= 6.14, whose source has
#                       it: scripts/build-kernel.sh keeps it beside the
#                       bzImage), likewise.
#   kjump-K-round-trip  A loads B with kexec-tools -c --load-preserve-context
#                       --mem-max --pass-memmap-cmdline and kx's purgatory;
#                       KX_KJUMP_ROUNDS (10) round trips in one boot: B
#                       checks A's pattern in kxpeer's core of A, runs
#                       makedumpfile -d 31 on it (round 1), loads the way back
#                       with kxpeer and returns; A checks its pattern and image
#                       and jumps again, which resumes B where it stopped.
# KX_KJUMP_KERNELS="6.12 newest" selects kernels; KX_QEMU_TESTS as elsewhere.
# Serial logs: BUILD/test-logs/qemu-kexec-jump/<test>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh

out=$B/qemu/kexec-jump
logs=$B/test-logs/qemu-kexec-jump
mkdir -p "$out" "$logs"
rounds=${KX_KJUMP_ROUNDS:-10}
# B's window: kexec-tools makes every hole below it a segment, so purgatory
# hashes all of it; A needs as much again outside it for the swap, and the
# kernel's kexec_load costs grow with the square of its pages.  B keeps
# A's core (its non-zero pages: A runs with init_on_free=1, so free pages
# are zero) in the window's RAM.
mem_max=0x7ffffff
mem=320
pattern_pages=1024

setup_fail() {
	echo "FAIL kjump-setup: $*"
	exit 1
}
purgatory=$B/x86_64/purgatory.ro
[ -f "$purgatory" ] || setup_fail "no $purgatory (make it first)"
for f in "$B/host/kxpeer"; do [ -x "$f" ] || setup_fail "no $f (make it first)"; done
scripts/deps.sh qemu kexec || setup_fail "scripts/deps.sh qemu kexec failed"
kexec=$(test/qemu/build-kexec.sh --purgatory "$purgatory" x86_64) ||
	setup_fail "building kexec failed"
kexec_bad=$(test/qemu/build-kexec.sh --corrupt --purgatory "$purgatory" x86_64) ||
	setup_fail "building kexec with kexec-corrupt.patch failed"
busybox=$(scripts/fetch.sh busybox amd64) || setup_fail "fetch.sh busybox failed"
for c in kjump-control kjump-pattern; do
	if [ ! "$out/$c" -nt "test/qemu/$c.c" ]; then
		gcc -static -O2 -Wall -Wextra -Werror -o "$out/$c" "test/qemu/$c.c" ||
			setup_fail "building $c failed"
	fi
done

# The initramfs of B (busybox, kexec, kxpeer, kjump-pattern, makedumpfile
# with its libraries) and of A (the same plus B's kernel and initramfs).
. test/qemu/cpio.sh
initramfs() {	# initramfs KERNEL OUTDIR [SELFTEST]: OUTDIR/a.cpio.gz, B's inside
	local kernel=$1 dir=$2 selftest=${3:-} w d
	w=$(mktemp -d "$dir/.cpio.XXXXXX")
	for d in a b; do
		mkdir -p "$w/$d/bin" "$w/$d/proc" "$w/$d/sys" "$w/$d/dev"
		cp "$busybox" "$w/$d/bin/busybox"
		strip -o "$w/$d/bin/kexec" "$kexec"
		strip -o "$w/$d/bin/kjump-pattern" "$out/kjump-pattern"
		install -m 755 test/qemu/kjump-init "$w/$d/init"
	done
	# B reads A: its tools; A as small as it can be, since B keeps A's
	# core (A's non-zero pages) in its RAM.
	strip -o "$w/b/bin/kxpeer" "$B/host/kxpeer"
	with_libs "$w/b" "$(command -v makedumpfile || echo /usr/sbin/makedumpfile)"
	strip -o "$w/a/bin/kjump-control" "$out/kjump-control"
	[ -z "$selftest" ] || strip -o "$w/a/bin/test_kexec_jump" "$selftest"
	strip -o "$w/a/bin/kexec-corrupt" "$kexec_bad"
	mkdir -p "$w/a/boot"
	pack "$w/b" "$w/a/boot/initrd-b.gz"
	cp "$kernel" "$w/a/boot/bzImage"
	pack "$w/a" "$dir/a.cpio.gz"
	rm -rf "$w"
}

run_kernel() {	# run_kernel WHICH
	local which=$1 kernel dir log t n append
	kernel=$(scripts/build-kernel.sh "$which") || {
		echo "FAIL kjump-$which-build: scripts/build-kernel.sh $which failed"
		return 1
	}
	echo "# $which: $kernel ($(cat "$(dirname "$kernel")/built" 2>/dev/null))"
	dir=$out/$which
	mkdir -p "$dir"
	# Linux's own kexec-jump selftest exists from 6.14 on: its int3 needs
	# the exception handler relocate_kernel gained then (on 6.12 there is
	# no IDT at that point: a triple fault).  kjump-control is the same
	# check for every kernel.
	selftest=
	src=$(sed -n 's/^linux-source-\([0-9]*\.[0-9]*\) .*/\1/p' "$(dirname "$kernel")/built")
	if [ "$(printf '%s\n' 6.14 "$src" | sort -V | head -n 1)" = 6.14 ]; then
		selftest=$dir/test_kexec_jump
		gcc -static -O2 -o "$selftest" "$(dirname "$kernel")/test_kexec_jump.c" || {
			echo "FAIL kjump-$which-selftest: Linux's test_kexec_jump of $src: not beside the kernel, or building it failed"
			return 1
		}
	fi
	initramfs "$kernel" "$dir" "$selftest" || { echo "FAIL kjump-$which-initramfs"; return 1; }

	t=kjump-$which-control
	if want "$t"; then
		log=$logs/$t.log
		test_begin "$t" "$log"
		qemu_x86_64 "$log" 120 '' 0 "$mem" "$kernel" "$dir/a.cpio.gz" \
			"console=ttyS0 quiet panic=-1 kjump=control kjump_rounds=3"
		expect_exit 120
		for n in 1 2 3; do
			expect "^kjump-control: jump $n returned" "jump $n returning"
		done
		[ "$(clean_log "$log" | grep -ac '^kjump-image: ran')" = 3 ] ||
			fail_because "the image did not print its line 3 times"
		expect '^kjump-control: PASS: 3 jumps returned' "the control's verdict"
		expect_not 'FAIL' "a failure"
		test_end "the kernel's own kexec jump: 3 of 3"
	fi

	t=kjump-$which-selftest
	if [ -n "$selftest" ] && want "$t"; then
		log=$logs/$t.log
		test_begin "$t" "$log"
		qemu_x86_64 "$log" 120 '' 0 "$mem" "$kernel" "$dir/a.cpio.gz" \
			"console=ttyS0 quiet panic=-1 kjump=selftest"
		expect_exit 120
		expect '^Success$' "the selftest's Success"
		expect '^kjump-selftest: exit status 0$' "the selftest's exit status"
		expect_not 'FAIL|kexec_load|kexec reboot' "a failure"
		test_end "Linux's own test_kexec_jump ($src): two jumps returned"
	fi

	t=kjump-$which-round-trip
	if want "$t"; then
		log=$logs/$t.log
		nonce=$((0x$(nonce | cut -c1-7)))
		# noapic nolapic_timer no_console_suspend are built into the
		# kernel, with the reasons (test/qemu/kexec-jump.config).
		append="console=ttyS0 quiet panic=-1 init_on_free=1 kjump=a kjump_rounds=$rounds kjump_nonce=$nonce"
		append="$append kjump_pages=$pattern_pages kjump_mem_max=$mem_max"
		test_begin "$t-refusal" "$log"
		qemu_x86_64 "$log" $((120 + rounds * 40)) '' 0 "$mem" "$kernel" "$dir/a.cpio.gz" "$append"
		expect_exit $((120 + rounds * 40))
		expect '^kjump-a: B loaded with segment [0-9]+ corrupted' "the corrupted load"
		[ "$(clean_log "$log" | grep -ac '^kx: SHA-256 MISMATCH')" = 2 ] ||
			fail_because "not 2 digest mismatches (one per refused jump)"
		[ "$(clean_log "$log" | grep -ac '^kx: returning KX_ERR_DIGEST to the caller at 0x')" = 2 ] ||
			fail_because "not 2 returns of KX_ERR_DIGEST to A"
		expect '^kjump-a: refused jump 1 returned' "A back after the first refusal"
		expect '^kjump-a: refused jump 2 returned' "A back after the second (purgatory re-entered)"
		expect '^kjump-a: after the refusals: pattern intact' "A's pattern after the refusals"
		[ "$(clean_log "$log" | grep -ac '^kjump-b: kernel B up')" -le 1 ] ||
			fail_because "B ran more than once"
		clean_log "$log" | sed -n '/^kjump-a: B loaded with segment/,/^kjump-a: after the refusals/p' |
			grep -aq '^kjump-b:' && fail_because "the corrupted B ran"
		test_end "a corrupted segment refused twice, A resumed each time"
		test_begin "$t" "$log"
		expect_exit $((120 + rounds * 40))
		expect '^kx: purgatory \(x86_64' "kx's purgatory"
		expect '^kx: sha256 ok' "kx's verification"
		expect '^kx: kexec jump: jump-back entry 0x[0-9a-f]+, A.s page list 0x[0-9a-f]+ \(at 0x[0-9a-f]+\), [0-9]+ entries, [1-9][0-9]* pages displaced' "purgatory finding A's page list"
		expect '^kx: setup page at 0x' "the setup page announced"
		expect '^kxpeer: setup page 0x[0-9a-f]+, flags 0x2 \(swap\), jump-back 0x[1-9a-f][0-9a-f]*, map [1-9][0-9]* extents, [1-9][0-9]* displaced pages, memory map [1-9][0-9]* ranges' "B decoding the setup page (SWAP, JMPB, the map)"
		expect "^kjump-b: kernel B up" "B's marker"
		for n in 1 2 "$rounds"; do
			expect "^kjump-b: round $n: A's pattern intact in the core" "round $n: the pattern in B's core of A"
		done
		for n in $(seq 1 "$rounds"); do
			expect "^kjump-b: round $n: returning to A" "round $n: B returning"
			expect "^kjump-a: round $n: back in [0-9.]+ s, pattern and image intact" "round $n: A back, intact"
		done
		# A puts half its pattern in B's window (displaced) and half above
		# it (read in place); each of B's checks must count that split.
		split=$(field "^kjump-pattern: $pattern_pages pages \([0-9]+ MiB ballast\): [1-9][0-9]* in B's window \(below $(printf 0x%x $((mem_max + 1)))\), [1-9][0-9]* above it")
		checks=$((rounds < 3 ? rounds : 3))	# rounds 1, 2 and the last (kjump-init)
		if [ -z "$split" ]; then
			fail_because "A's pattern not on both sides of B's window"
		else
			in_win=$(echo "$split" | sed 's/.*): \([0-9]*\) in.*/\1/')
			above=$(echo "$split" | sed 's/.*), \([0-9]*\) above.*/\1/')
			n=$(clean_log "$log" | grep -acE "^kjump-pattern: $pattern_pages/$pattern_pages pages found, $in_win displaced \(read through the map\), $above in place, 0 bad, 0 duplicate$")
			[ "$n" = "$checks" ] || fail_because "$n of $checks checks found every pattern page once, intact, $in_win through the map and $above in place"
		fi
		expect "^kxpeer: core -: [1-9][0-9]* loads, [1-9][0-9]* pages \\([1-9][0-9]* displaced, read through the map; [0-9]+ held B's image, left out; [0-9]+ all-zero\\), vmcoreinfo included" \
			"B's core of A: displaced pages through the map, the rest in place, vmcoreinfo"
		expect "^kjump-b: makedumpfile -d 31: [1-9][0-9]* bytes, status 0" "makedumpfile -d 31 on the core"
		expect "^kjump-b: makedumpfile: +Free pages +: 0x0*[1-9a-f][0-9a-f]*$" \
			"makedumpfile excluding A's free pages (A's page structures, found through its vmcoreinfo)"
		expect "^kjump-a: done: $rounds round trips" "A's verdict"
		expect_not 'FAIL|WRONG|CHANGED|DIFFERS' "a failure"
		test_end "$rounds round trips: $(field '^kjump-a: round 1: back' | sed 's/.*back in //; s/ s,.*/ s/') first, $(field "^kjump-a: round $rounds: back" | sed 's/.*back in //; s/ s,.*/ s/') last"
	fi
}

status=0
for k in ${KX_KJUMP_KERNELS:-6.12 newest}; do
	run_kernel "$k" || status=1
done
exit $status

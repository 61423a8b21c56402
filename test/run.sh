#!/usr/bin/env bash
# Runs every test suite, prints each failure with its log tail, and closes
# with the one line "N passed, N failed".  Called by `make check` with the
# build folder in $B.  A suite's output lines "ok ..." and "FAIL ..." are
# its tests; a suite that exits non-zero without a FAIL line counts as one
# failure (a crash, a sanitizer report, a time-out).
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
LOGS=$B/test-logs
mkdir -p "$LOGS"
passed=0 failed=0
# Suites run side by side, KX_TEST_JOBS at a time (default: one per core:
# a TCG guest keeps one core busy); each one's lines are printed in the
# order the suites were started, as soon as it and those before it end.
JOBS=${KX_TEST_JOBS:-$(nproc)}
order=()
shown=0

suite_body() {		# suite_body NAME COMMAND...: runs it, writes NAME.result
	local name=$1 log=$LOGS/$1.log rc p f
	shift
	local start=$SECONDS
	# A suite that hangs fails (timeout's status 124) instead of stopping
	# the run; QEMU suites carry their own, shorter, time-outs inside.
	timeout --kill-after=10 "${KX_SUITE_TIMEOUT:-900}" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	[ "$rc" -eq 124 ] && echo "FAIL $name: timed out after ${KX_SUITE_TIMEOUT:-900}s" >>"$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited with status $rc" >>"$log"
		f=1
	fi
	echo "$p $f $((SECONDS - start))" >"$LOGS/$name.result.tmp"
	mv "$LOGS/$name.result.tmp" "$LOGS/$name.result"
}

show() {		# show NAME: its line, and why it failed
	local name=$1 log=$LOGS/$1.log p f secs
	read -r p f secs <"$LOGS/$name.result"
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-28s %4d ok %3d failed  %4ds\n' "$name" "$p" "$f" "$secs"
	if [ "$f" -ne 0 ]; then
		# Each FAIL line with the indented lines that explain it.
		awk '/^FAIL /{c=1; print "    " $0; next} c && /^    /{print "    " $0; next} {c=0}' "$log"
		echo "    --- last lines of $log:"
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
}

show_done() {		# prints the finished suites that no unfinished one precedes
	while [ "$shown" -lt ${#order[@]} ] && [ -f "$LOGS/${order[$shown]}.result" ]; do
		show "${order[$shown]}"
		shown=$((shown + 1))
	done
}

# Running suites (the kernels' build below is not one).
running() { jobs -rp | grep -cvx "${kernels_pid:-none}"; }

run_suite() {		# run_suite NAME COMMAND...
	rm -f "$LOGS/$1.result"
	while [ "$(running)" -ge "$JOBS" ]; do
		wait -n
		show_done
	done
	order+=("$1")
	suite_body "$@" &
}

# The kexec-jump kernels are built once per machine (cached, see
# scripts/build-kernel.sh): on a fresh machine, in the background at the
# lowest priority from the start, so that the build takes the CPU time the
# other suites leave idle (a TCG guest waiting on its timers); the suites
# that boot these kernels start when it is done.  Not under a suite's
# clock: a fresh machine's build is no time-out.
kernels_pid=
if [ "${KX_QEMU:-1}" != 0 ]; then
	(
		for k in 6.12 newest; do
			nice -n 19 scripts/build-kernel.sh "$k" >"$LOGS/build-kernel-$k.log" 2>&1 ||
				echo "build-kernel.sh $k failed (see $LOGS/build-kernel-$k.log): qemu-kexec-jump will say so"
		done
	) &
	kernels_pid=$!
fi

run_suite unit-host "$B/host/kxtest"
run_suite unit-host-asan-ubsan "$B/host-san/kxtest"
run_suite unit-aarch64-qemu-user qemu-aarch64 "$B/aarch64-user/kxtest"
run_suite freestanding test/freestanding.sh "$B"
run_suite layers scripts/check-layers.sh nm "$B/host/obj" "$B/x86_64-purgatory/obj" \
	"$B/efi-x86_64/obj"
run_suite layers-aarch64 scripts/check-layers.sh aarch64-linux-gnu-nm \
	"$B/aarch64-user/obj" "$B/aarch64-purgatory/obj" "$B/efi-aarch64/obj"
run_suite abi-doc test/abi_doc.sh
run_suite lanes-ref python3 test/lanes_ref.py check docs/abi.md test/unit/lanes_vectors.h
run_suite link-layout test/link_layout.sh "$B"
run_suite efi-pe test/efi_pe.sh "$B"
run_suite install test/install.sh "$B"
run_suite elf-rel test/elf_rel.sh "$B"
run_suite kxinspect-fixtures test/fixtures/check.sh "$B/host-san/kxinspect"
run_suite kxinspect-aarch64 test/fixtures/check.sh "qemu-aarch64 $B/aarch64-user/kxinspect"
run_suite kxinspect-limits test/inspect.sh "$B/host/kxinspect"
run_suite hibimage-fixtures test/fixtures/hib_check.sh "$B/host/kxrestore"
for t in ${FUZZ_TARGETS:-}; do
	run_suite "fuzz-$t" test/fuzz/run.sh "$B" "$t" "${KX_FUZZ_SECONDS:-20}"
done
# QEMU system tests (test/qemu/): KX_QEMU=0 skips them for quick loops;
# KX_PURGATORY=kexec-tools runs them with kexec-tools' own purgatory, the
# positive control, instead of kx's (see test/qemu/x86_64.sh).
if [ "${KX_QEMU:-1}" != 0 ]; then
	run_suite qemu-x86_64 test/qemu/x86_64.sh "$B"
	run_suite qemu-aarch64 test/qemu/aarch64.sh "$B"
	run_suite qemu-efi test/qemu/efi.sh "$B"
	run_suite qemu-efi-aarch64 test/qemu/efi-aarch64.sh "$B"
	run_suite qemu-efi-secureboot test/qemu/efi-secureboot.sh "$B"
	run_suite qemu-xen test/qemu/xen.sh "$B"
	wait "$kernels_pid"
	run_suite qemu-kexec-jump test/qemu/kexec-jump.sh "$B"
	run_suite qemu-hibernate test/qemu/hibernate.sh "$B"
else
	echo "qemu suites skipped (KX_QEMU=0)"
fi

wait
show_done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

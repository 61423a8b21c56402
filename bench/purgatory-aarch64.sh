#!/usr/bin/env bash
# arm64 purgatory time, kx's against kexec-tools' own, side by side on the
# same emulator and images: test/qemu/aarch64.sh boots Debian's arm64
# kernel through each purgatory (kexec -l/-e at EL1) RUNS times with every
# serial line stamped on arrival by the host, and each purgatory's time is
# from its first console line to its last before the kernel:
#   kx:          "kx: purgatory (aarch64, ..." .. "kx: entering image ..."
#   kexec-tools: "I'm in purgatory" .. "purgatory: booting kernel now"
# Prints best and median of each and of their ratio (kexec-tools / kx),
# and a target line: kx at least 5x faster.
# Usage: purgatory-aarch64.sh BUILD   (KX_BENCH_ARM64_RUNS, default 3)
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
runs=${KX_BENCH_ARM64_RUNS:-3}
logs=$B/test-logs/qemu-aarch64

span() {	# span TIMES FIRST_RE LAST_RE: seconds between the two lines
	awk -F '\t' -v a="$2" -v b="$3" '
		$2 ~ a && s == "" { s = $1 }
		$2 ~ b && s != "" { e = $1; exit }
		END { if (s != "" && e != "") printf "%.3f\n", e - s }' "$1"
}

stats() {	# stats VALUES...: "best median" (lowest and middle)
	printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[1], v[int((NR + 1) / 2)]}'
}

kx=() own=()
for i in $(seq "$runs"); do
	KX_QEMU_STAMP=1 KX_QEMU_OWN=1 \
		KX_QEMU_TESTS="aarch64-kexec-el1 aarch64-kexec-own-purgatory" \
		test/qemu/aarch64.sh "$B" >"$B/bench-arm64-$i.log" 2>&1
	k=$(span "$logs/aarch64-kexec-el1.log.times" '^kx: purgatory \\(aarch64' '^kx: entering image')
	o=$(span "$logs/aarch64-kexec-own-purgatory.log.times" "^I'm in purgatory" '^purgatory: booting kernel now')
	if [ -z "$k" ] || [ -z "$o" ]; then
		echo "bench-arm64: run $i did not show both purgatories' first and last lines" >&2
		grep -E '^(ok|FAIL)' "$B/bench-arm64-$i.log" >&2
		exit 1
	fi
	echo "arm64 purgatory run $i: kx $k s, kexec-tools $o s"
	kx+=("$k") own+=("$o")
done
read -r kbest kmed < <(stats "${kx[@]}")
read -r obest omed < <(stats "${own[@]}")
echo "arm64 purgatory, kx: best ${kbest} s, median ${kmed} s; kexec-tools: best ${obest} s, median ${omed} s (QEMU TCG, -cpu max, EL1)"
ratio=$(awk -v o="$obest" -v k="$kbest" 'BEGIN {printf "%.2f", o / k}')
rmed=$(awk -v o="$omed" -v k="$kmed" 'BEGIN {printf "%.2f", o / k}')
echo "arm64 purgatory ratio kexec-tools / kx: best ${ratio}, median ${rmed}"
awk -v r="$ratio" 'BEGIN {exit !(r >= 5)}' && v=ok || v=missed
echo "target arm64-purgatory-vs-kexec-tools $ratio $v"

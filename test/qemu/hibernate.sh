#!/usr/bin/env bash
# Kexec-based hibernation through kx (x86_64, TCG): docs/hibernate.md.
# The kernel is the kexec-jump suite's 6.12 KEXEC_JUMP build
# (scripts/build-kernel.sh, cached); it serves as A, B and R.
#
#   test/qemu/hibernate.sh [BUILD]   (test/run.sh runs it as qemu-hibernate)
#
# The image's disk is a raw file QEMU attaches as a virtio disk (/dev/vda
# in every kernel); it outlives the QEMU process.
#   hib-K-save     A fills a pattern, starts a counter, loads B with
#                  kexec-tools and kx's purgatory (preserve context) and
#                  jumps; B writes A's image to the disk and powers off
#   hib-K-resume   a fresh QEMU, same machine: R reads the image from the
#                  disk into its own memory (which lies on the pages the
#                  image restores: the staging overlaps the destinations),
#                  checks it and loads it through kx and resumes A, which
#                  says it returned, finds its pattern, and counts on
#   hib-K-refuse-* R refuses, before loading anything, a truncated image, a
#                  flipped byte in an extent, another -m, another kernel
#   hib-K-linux    Linux's own hibernation of the same workload (swap on a
#                  second virtio disk), saved and resumed, for
#                  docs/hibernate.md's comparison: the counter goes on
# KX_QEMU_TESTS as elsewhere.  Serial logs: BUILD/test-logs/qemu-hibernate/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
B=${1:-build}
. test/qemu/lib.sh

out=$B/qemu/hibernate
logs=$B/test-logs/qemu-hibernate
mkdir -p "$out" "$logs"
mem=320
mem_max=0x7ffffff
pattern_pages=1024
store_mib=256
swap_mib=192
run_after=6
k=6.12

setup_fail() {
	echo "FAIL hib-setup: $*"
	exit 1
}
purgatory=$B/x86_64/purgatory.ro
[ -f "$purgatory" ] || setup_fail "no $purgatory (make it first)"
for f in "$B/host/kxpeer" "$B/host/kxrestore"; do
	[ -x "$f" ] || setup_fail "no $f (make it first)"
done
scripts/deps.sh qemu kexec || setup_fail "scripts/deps.sh qemu kexec failed"
kexec=$(test/qemu/build-kexec.sh --purgatory "$purgatory" x86_64) ||
	setup_fail "building kexec failed"
busybox=$(scripts/fetch.sh busybox amd64) || setup_fail "fetch.sh busybox failed"
if [ ! "$out/kjump-pattern" -nt test/qemu/kjump-pattern.c ]; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$out/kjump-pattern" test/qemu/kjump-pattern.c ||
		setup_fail "building kjump-pattern failed"
fi
kernel=$(scripts/build-kernel.sh "$k") || setup_fail "scripts/build-kernel.sh $k failed"

. test/qemu/cpio.sh
# A's initramfs (B's kernel and initramfs inside) and R's.
initramfs() {
	local w d
	w=$(mktemp -d "$out/.cpio.XXXXXX")
	for d in a b r; do
		mkdir -p "$w/$d/bin" "$w/$d/proc" "$w/$d/sys" "$w/$d/dev" "$w/$d/boot"
		cp "$busybox" "$w/$d/bin/busybox"
		install -m 755 test/qemu/hib-init "$w/$d/init"
	done
	strip -o "$w/a/bin/kexec" "$kexec"
	strip -o "$w/a/bin/kjump-pattern" "$out/kjump-pattern"
	strip -o "$w/b/bin/kxpeer" "$B/host/kxpeer"
	strip -o "$w/r/bin/kxrestore" "$B/host/kxrestore"
	cp "$purgatory" "$w/r/boot/purgatory.ro"
	pack "$w/b" "$w/a/boot/initrd-b.gz"
	cp "$kernel" "$w/a/boot/bzImage"
	pack "$w/a" "$out/a.cpio.gz"
	pack "$w/r" "$out/r.cpio.gz"
	rm -rf "$w"
}
initramfs || setup_fail "initramfs"

# hib_qemu LOG TIMEOUT MEM KERNEL INITRD DISK APPEND [QEMU-ARGS...]: DISK
# is /dev/vda.  (noapic nolapic_timer no_console_suspend are built into
# the kernel: test/qemu/kexec-jump.config.)
hib_qemu() {
	local log=$1 limit=$2 mem=$3 kernel=$4 initrd=$5 disk=$6 append=$7
	shift 7
	qemu_run "$log" "$limit" '' 0 qemu-system-x86_64 -accel tcg -m "$mem" \
		-drive "file=$disk,if=virtio,format=raw" "$@" \
		-nographic -monitor none -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" -append "$append"
}
# R: the same kernel, all of the machine's RAM (the image's pages too).
r_append="console=ttyS0 quiet panic=-1 hib=r hib_store=/dev/vda"

status=0
nonce=$((0x$(nonce | cut -c1-7)))
store=$out/store.img
t=hib-$k-save
if [ "${KX_HIB_REUSE:-0}" = 1 ] && [ -f "$out/store-saved.img" ]; then
	# Development: the image and log of the last save, resumed again.
	save_ok=0
	last_count=$(clean_log "$logs/$t.log" | sed -n 's/^hib-count: \([0-9]*\)$/\1/p' | tail -n 1)
	echo "# reusing $out/store-saved.img (counter at $last_count)"
elif want "$t" || want "hib-$k-resume"; then
	log=$logs/$t.log
	rm -f "$store"
	truncate -s "${store_mib}M" "$store"
	test_begin "$t" "$log"
	hib_qemu "$log" 600 "${mem}M" "$kernel" "$out/a.cpio.gz" "$store" \
		"console=ttyS0 quiet panic=-1 hib=a hib_nonce=$nonce hib_pages=$pattern_pages hib_mem_max=$mem_max hib_run=$run_after hib_store=/dev/vda"
	expect_exit 600
	expect "^hib-a: pattern $pattern_pages pages, sha256 [0-9a-f]{64}; [0-9]+ KiB free; jumping to B" "A's pattern and jump"
	expect '^kx: kexec jump: jump-back entry 0x[0-9a-f]+' "kx's purgatory finding A's page list"
	expect '^hib-b: kernel B up' "B's marker"
	expect '^kxpeer: hibernate /dev/vda: [1-9][0-9]* extents' "kxpeer's image"
	expect '^kxpeer: image [1-9][0-9]* bytes, [0-9.]+% of A.s [0-9]+ MiB RAM' "the image's size"
	expect '^hib-b: image written in [0-9.]+ s' "B's verdict"
	expect_not 'FAIL|returned from the jump' "a failure (or A running on)"
	last_count=$(clean_log "$log" | sed -n 's/^hib-count: \([0-9]*\)$/\1/p' | tail -n 1)
	[ -n "$last_count" ] || fail_because "no counter line before the jump"
	size=$(field '^kxpeer: image ' | sed 's/^kxpeer: image \([0-9]*\) bytes, \([0-9.]*%\).*/\1 bytes (\2 of RAM)/')
	saved=$(field '^hib-b: image written in' | sed 's/.* in //')
	test_end "image $size, written in $saved, counter at ${last_count:-none}" || status=1
	save_ok=${#T_WHY[@]}
	cp "$store" "$out/store-saved.img"
fi

# have_image: the save test left an image; else the current test fails
# saying so, without a QEMU run.
have_image() {
	[ "${save_ok:-1}" = 0 ] && return 0
	fail_because "no image (hib-$k-save failed)"
	QEMU_SECS=0
	return 1
}

t=hib-$k-resume
if want "$t"; then
	log=$logs/$t.log
	test_begin "$t" "$log"
	if have_image; then
		cp "$out/store-saved.img" "$store"
		hib_qemu "$log" 400 "${mem}M" "$kernel" "$out/r.cpio.gz" "$store" "$r_append"
		expect_exit 400
		expect '^kxrestore: kernel identity: [1-9][0-9]* lines, all this kernel.s' "R checking the kernel"
		expect '^kxrestore: /dev/vda: image v1\.0, [0-9]+ bytes, [0-9]+ extents .*every SHA-256 good' "R checking the image"
		# The image read into R's memory: some of it on pages it restores.
		expect '^kxrestore: staging: [1-9][0-9]* pages of image data in this kernel.s memory, [1-9][0-9]* of them on an extent.s destination' \
			"staging pages on the destinations"
		expect '^kxrestore: loaded: kexec -e resumes A' "R loading the image"
		expect '^kxrestore: resuming A' "R resuming A"
		expect '^kx: purgatory \(x86_64' "kx's purgatory"
		expect '^kx: setup page at 0x[0-9a-f]+ \(the loader.s\)' "purgatory verifying the loader's page"
		expect '^hib-a: returned from the jump' "A returning from the jump"
		expect '^hib-a: pattern intact' "A's pattern"
		expect "^hib-a: ran [0-9.]+ s more" "A running on"
		first=$(clean_log "$log" | sed -n 's/^hib-count: \([0-9]*\)$/\1/p' | head -n 1)
		n=$(clean_log "$log" | grep -ac '^hib-count: ')
		if [ -z "$first" ] || [ "$first" -le "${last_count:-0}" ] || [ "$first" -gt $((${last_count:-0} + 2)) ]; then
			fail_because "the counter did not go on from ${last_count:-?} (first after resume: ${first:-none})"
		fi
		[ "$n" -ge $((run_after - 2)) ] || fail_because "only $n counter lines after the resume"
		expect_not 'FAIL|CHANGED|refused' "a failure"
		overlap=$(field '^kxrestore: staging: ' | sed 's/.*memory, \([0-9]*\) of them.*(\([0-9]*\) read before.*, \([0-9]*\) overwritten earlier.*/\1 on destinations (\2 used in place, \3 copied aside)/')
		loaded=$(field '^kxrestore: read, checked and loaded in' | sed 's/.* in //')
		test_end "A resumed, counter ${last_count:-?} -> $first and $n more lines; staging: $overlap; R read, checked, loaded in $loaded, QEMU ${QEMU_SECS} s" || status=1
	fi
fi

# refuse NAME WHY-RE MEM KERNEL DISK: R must refuse and run on.
refuse() {
	local t=hib-$k-refuse-$1 log
	want "$t" || return 0
	log=$logs/$t.log
	test_begin "$t" "$log"
	if have_image; then
		hib_qemu "$log" 200 "$3" "$4" "$out/r.cpio.gz" "$5" "$r_append"
		expect_exit 200
		expect "^kxrestore: .*refused: $2" "the refusal ($2)"
		expect '^hib-r: refused; still running' "R running on"
		expect_not '^kxrestore: loaded|^kx: purgatory|^hib-a:' "a load or a resume"
	fi
	test_end "$(field '^kxrestore: .*refused' | sed 's/^kxrestore: //' | cut -c1-100)" || status=1
}
if [ "${save_ok:-1}" = 0 ]; then
	size=$(od -An -tu8 -j16 -N8 "$out/store-saved.img" | tr -d ' ')
	data_off=$(od -An -tu8 -j80 -N8 "$out/store-saved.img" | tr -d ' ')
	# Truncated: a disk smaller than the image (whole MiBs below its end).
	cut_mib=$(((size >> 20) - 1))
	head -c $((cut_mib << 20)) "$out/store-saved.img" >"$out/store-cut.img"
	# One byte of the first extent's data flipped.
	cp "$out/store-saved.img" "$out/store-flip.img"
	printf "$(printf '\\%03o' $(( $(od -An -tu1 -j$((data_off + 4321)) -N1 "$out/store-flip.img") ^ 0x20 )))" |
		dd of="$out/store-flip.img" bs=1 seek=$((data_off + 4321)) conv=notrunc status=none
	cp "$out/store-saved.img" "$out/store-other.img"
fi
refuse truncated "input truncated" "${mem}M" "$kernel" "$out/store-cut.img"
refuse flipped "extent 0 .*SHA-256 mismatch" "${mem}M" "$kernel" "$out/store-flip.img"
refuse other-mem "this machine's RAM .* is not in the image's memory map" "$((mem + 64))M" "$kernel" "$out/store-other.img"
if want "hib-$k-refuse-other-kernel"; then
	if newest=$(scripts/build-kernel.sh newest 2>/dev/null); then
		refuse other-kernel "the image's kernel is not this one" "${mem}M" "$newest" "$out/store-other.img"
	else
		echo "FAIL hib-$k-refuse-other-kernel: scripts/build-kernel.sh newest failed"
		status=1
	fi
fi
# Linux's own hibernation: the same machine and workload, the image on a
# swap disk (vdb).  The second boot carries hib=none: if it does not
# resume, its /init only says so.
t=hib-$k-linux
if want "$t"; then
	log=$logs/$t-save.log
	rm -f "$out/blank.img" "$out/swap.img"
	truncate -s "${store_mib}M" "$out/blank.img"
	truncate -s "${swap_mib}M" "$out/swap.img"
	lapp="console=ttyS0 quiet panic=-1 resume=/dev/vdb hib_swap=/dev/vdb"
	first= l_read=
	test_begin "$t" "$log"
	hib_qemu "$log" 400 "${mem}M" "$kernel" "$out/a.cpio.gz" "$out/blank.img" \
		"$lapp hib=l hib_nonce=$nonce hib_pages=$pattern_pages hib_run=$run_after" \
		-drive "file=$out/swap.img,if=virtio,format=raw"
	expect_exit 400
	expect "^hib-l: pattern $pattern_pages pages, sha256 [0-9a-f]{64}; [0-9]+ KiB free; hibernating" "the workload hibernating"
	expect 'PM: hibernation: Wrote [0-9]+ kbytes in [0-9.]+ seconds' "Linux writing its image"
	expect_not 'FAIL|returned from hibernation' "a failure (or the kernel running on)"
	l_last=$(clean_log "$log" | sed -n 's/^hib-count: \([0-9]*\)$/\1/p' | tail -n 1)
	[ -n "$l_last" ] || fail_because "no counter line before hibernating"
	l_wrote=$(field 'PM: hibernation: Wrote' | sed 's/.*Wrote \([0-9]*\) kbytes in \([0-9.]*\) seconds.*/\1 KiB in \2 s/')
	l_comp=$(field 'Image size after compression' | sed 's/.*compression: \([0-9]*\) kbytes.*/\1 KiB compressed/')
	if [ ${#T_WHY[@]} = 0 ]; then
		T_LOG=$logs/$t.log
		hib_qemu "$T_LOG" 400 "${mem}M" "$kernel" "$out/a.cpio.gz" "$out/blank.img" \
			"$lapp loglevel=7 hib=none" -drive "file=$out/swap.img,if=virtio,format=raw"
		expect_exit 400
		expect 'PM: hibernation: Read [0-9]+ kbytes in [0-9.]+ seconds' "Linux reading its image"
		expect '^hib-l: returned from hibernation' "the workload returning"
		expect '^hib-l: pattern intact' "the pattern"
		expect '^hib-l: ran [0-9.]+ s more' "the kernel running on"
		expect_not 'FAIL|CHANGED|no hib= role' "a failure (or a fresh boot)"
		first=$(clean_log "$T_LOG" | sed -n 's/^hib-count: \([0-9]*\)$/\1/p' | head -n 1)
		if [ -z "$first" ] || [ "$first" -le "${l_last:-0}" ] || [ "$first" -gt $((${l_last:-0} + 2)) ]; then
			fail_because "the counter did not go on from ${l_last:-?} (first after resume: ${first:-none})"
		fi
		l_read=$(field 'PM: hibernation: Read' | sed 's/.*Read \([0-9]*\) kbytes in \([0-9.]*\) seconds.*/\1 KiB in \2 s/')
	fi
	test_end "Linux: wrote ${l_wrote:-?} (${l_comp:-?}), read ${l_read:-?}, counter ${l_last:-?} -> ${first:-?}" || status=1
	rm -f "$out/blank.img" "$out/swap.img"
fi

# KX_HIB_KEEP=1 keeps the saved image for KX_HIB_REUSE=1.
[ "${KX_HIB_KEEP:-0}" = 1 ] || rm -f "$out"/store*.img
exit $status

#!/usr/bin/env bash
# Sets IMAGE_DLLCHARACTERISTICS_NX_COMPAT (0x100) in the optional header
# of a PE32+ image, in place, after checking that the image keeps that
# promise: sections aligned to 4 KiB pages (so the firmware can map each
# with its own permissions) and no section both writable and executable.
# Firmware that enforces no-execute may refuse or restrict an image without
# the flag; with it, the firmware maps the image's code read-only and its
# data non-executable.
#
#   pe-nxcompat.sh FILE
#
# The PE checksum is not recomputed: on x86_64 the objcopy that adds .sbat
# afterwards writes it; the aarch64 header carries none (0).
set -euo pipefail
f=${1:?usage: pe-nxcompat.sh FILE}

# u LEN OFFSET: the little-endian unsigned number of LEN bytes at OFFSET.
u() { od -An -tu"$1" -j"$2" -N"$1" --endian=little "$f" | tr -d ' '; }
die() { echo "pe-nxcompat: $f: $*" >&2; exit 1; }

size=$(stat -c %s "$f")
[ "$size" -ge 64 ] && [ "$(u 2 0)" = $((0x5a4d)) ] || die "no MZ header"
pe=$(u 4 60)
[ "$pe" -le $((size - 24 - 240)) ] || die "PE header offset $pe past the file"
[ "$(u 4 "$pe")" = $((0x4550)) ] || die "no PE signature at $pe"
nsec=$(u 2 $((pe + 6)))
optsize=$(u 2 $((pe + 20)))
opt=$((pe + 24))
[ "$(u 2 $opt)" = $((0x20b)) ] || die "not PE32+ (optional header magic $(u 2 $opt))"
[ "$optsize" -ge 112 ] || die "optional header of $optsize bytes has no DllCharacteristics"
align=$(u 4 $((opt + 32)))
[ $((align % 4096)) -eq 0 ] && [ "$align" -ne 0 ] ||
	die "SectionAlignment $(printf 0x%x "$align") is not a multiple of 4 KiB"
sec=$((opt + optsize))
[ $((sec + 40 * nsec)) -le "$size" ] || die "section table past the file"
for ((i = 0; i < nsec; i++)); do
	h=$((sec + 40 * i))
	flags=$(u 4 $((h + 36)))
	# IMAGE_SCN_MEM_EXECUTE 0x20000000, IMAGE_SCN_MEM_WRITE 0x80000000.
	[ $((flags & 0xa0000000)) -ne $((0xa0000000)) ] ||
		die "section $(dd if="$f" bs=1 skip=$h count=8 status=none | tr -d '\0') is writable and executable"
	[ $(($(u 4 $((h + 12))) % 4096)) -eq 0 ] ||
		die "section $i's address $(printf 0x%x "$(u 4 $((h + 12)))") is not page-aligned"
done

dll=$(($(u 2 $((opt + 70))) | 0x100))
printf "$(printf '\\x%02x\\x%02x' $((dll & 0xff)) $((dll >> 8)))" |
	dd of="$f" bs=1 seek=$((opt + 70)) conv=notrunc status=none

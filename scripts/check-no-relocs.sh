#!/usr/bin/env bash
# Fails when a trampoline object in a freestanding archive carries any
# relocation against its code or data: the trampoline is copied to wherever
# the loader puts it and runs there, so nothing may need fixing up.
# Relocations of debugging sections (.debug_*) do not travel with the code
# and are ignored.  Usage: check-no-relocs.sh READELF ARCHIVE
set -euo pipefail
readelf=$1 archive=$2
members=$(ar t "$archive" | grep '^relocate_.*\.S\.o$' || true)
if [ -z "$members" ]; then
	echo "check-no-relocs: $archive has no trampoline object" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for m in $members; do
	(cd "$tmp" && ar x "$OLDPWD/$archive" "$m")
	# Each "Relocation section '.rela.X'" names the section it patches.
	relocs=$("$readelf" -rW "$tmp/$m" |
		awk '/^Relocation section/ { s = $3; gsub(/\x27/, "", s);
			keep = (s !~ /^\.rela?\.debug_/) ; next }
		     keep && /^[0-9a-f]+ / { print s ": " $0 }')
	if [ -n "$relocs" ]; then
		echo "check-no-relocs: $archive($m) needs relocations:" >&2
		echo "$relocs" | sed 's/^/  /' >&2
		bad=1
	fi
	# A blob a loader copies to a control page shares it with a stack:
	# at most 2 KiB from kx_trampoline_<arch>_start to _end.
	nm=${readelf%readelf}nm
	range=$("$nm" "$tmp/$m" | awk '/ kx_trampoline_[a-z0-9_]*_start$/ {s = $1}
		/ kx_trampoline_[a-z0-9_]*_end$/ {e = $1} END {if (s != "" && e != "") print s, e}')
	if [ -n "$range" ]; then
		size=$(( 0x${range#* } - 0x${range% *} ))
		if [ "$size" -gt 2048 ] || [ "$size" -le 0 ]; then
			echo "check-no-relocs: $archive($m): trampoline blob is $size bytes (2 KiB at most)" >&2
			bad=1
		fi
	fi
done
[ $bad -eq 0 ] || exit 1
echo "  OK   $archive: trampoline has no relocations"

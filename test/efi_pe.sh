#!/usr/bin/env bash
# The PE images kx builds (kxboot.efi, kxboot-corrupt.efi, kxboot-forged.efi,
# kxjump.efi for
# x86_64 and aarch64) as binutils' PE dump reads them: NX_COMPAT set in
# DllCharacteristics, SectionAlignment 4 KiB, every section's address
# page-aligned and no section both writable and executable, so that
# firmware enforcing no-execute can map the code read-only and the data
# non-executable (docs/kxboot.md).  Usage: efi_pe.sh BUILD
set -u
B=$1
status=0

check() {	# check ARCH OBJDUMP FILE
	local arch=$1 od=$2 f=$3 name why= p h dll align
	name=$arch/$(basename "$f")
	if [ ! -f "$f" ]; then
		echo "FAIL efi-pe $name: no $f (make it first)"
		status=1
		return
	fi
	p=$("$od" -p "$f" 2>&1) || { echo "FAIL efi-pe $name: $od -p: $p"; status=1; return; }
	h=$("$od" -h "$f" 2>&1) || { echo "FAIL efi-pe $name: $od -h: $h"; status=1; return; }
	dll=$(printf '%s\n' "$p" | awk '/^DllCharacteristics/ {print $2}')
	align=$(printf '%s\n' "$p" | awk '/^SectionAlignment/ {print $2}')
	[ -n "$dll" ] || why="$why; no DllCharacteristics in the PE dump"
	[ -n "$dll" ] && [ $((0x$dll & 0x100)) -eq 0 ] && why="$why; DllCharacteristics 0x$dll lacks NX_COMPAT (0x100)"
	printf '%s\n' "$p" | grep -q '^[[:space:]]*NX_COMPAT$' || why="$why; the dump lists no NX_COMPAT"
	[ "$align" = 00001000 ] || why="$why; SectionAlignment ${align:-missing}, not 00001000"
	# objdump -h: "idx name size vma lma off align" then the flags line;
	# CODE without READONLY is a writable, executable section.
	why=$why$(printf '%s\n' "$h" | awk '
		$1 ~ /^[0-9]+$/ && NF >= 7 { name = $2; vma = $4; next }
		name != "" {
			if ($0 ~ /CODE/ && $0 !~ /READONLY/) printf "; section %s is writable and executable", name
			if ($0 ~ /ALLOC/ && vma !~ /000$/) printf "; section %s at 0x%s is not page-aligned", name, vma
			name = ""
		}')
	if [ -n "$why" ]; then
		echo "FAIL efi-pe $name: ${why#; }"
		status=1
	else
		echo "ok   efi-pe $name: NX_COMPAT, 4 KiB sections, none writable and executable"
	fi
}

for app in kxboot kxboot-corrupt kxboot-forged kxjump; do
	check x86_64 objdump "$B/efi/x86_64/$app.efi"
	check aarch64 aarch64-linux-gnu-objdump "$B/efi/aarch64/$app.efi"
done
exit $status

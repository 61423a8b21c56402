#!/usr/bin/env bash
# Differential test of kx's ET_REL loader: each object is loaded by
# kxreloc at an address, and linked by GNU ld with every section placed at
# the address kxreloc chose; the two images must be byte-identical.
# Usage: elf_rel.sh BUILD
set -u
B=$1
work=$B/elf-rel-test
mkdir -p "$work"
kxreloc=$B/host/kxreloc

compare() {	# compare NAME LD OBJ ADDR
	local name=$1 ld=$2 obj=$3 addr=$4 lds=$work/$1.lds
	if ! "$kxreloc" "$obj" "$addr" "$work/$name.kx.bin" >"$work/$name.txt" 2>&1; then
		echo "FAIL elf-rel $name: kxreloc: $(cat "$work/$name.txt")"
		return
	fi
	{
		echo 'SECTIONS {'
		awk '$1 == "section" {printf "  %s %s : { *(%s) }\n", $2, $3, $2}' "$work/$name.txt"
		echo '  /DISCARD/ : { *(*) }'
		echo '}'
	} >"$lds"
	if ! $ld -T "$lds" -e 0 -o "$work/$name.elf" "$obj" 2>"$work/$name.ld.log"; then
		echo "FAIL elf-rel $name: ld: $(head -c 300 "$work/$name.ld.log")"
		return
	fi
	${ld%ld}objcopy -O binary "$work/$name.elf" "$work/$name.ld.bin"
	# ld's flat binary stops at the last byte with contents; kx's image
	# covers NOBITS too: compare over ld's length, the rest must be zero.
	local n
	n=$(stat -c %s "$work/$name.ld.bin")
	if cmp -s -n "$n" "$work/$name.kx.bin" "$work/$name.ld.bin" &&
	   [ -z "$(tail -c +$((n + 1)) "$work/$name.kx.bin" | tr -d '\0' | head -c 1)" ]; then
		echo "ok   elf-rel $name at $addr ($n bytes identical to GNU ld)"
	else
		echo "FAIL elf-rel $name at $addr: image differs from GNU ld's"
		cmp "$work/$name.kx.bin" "$work/$name.ld.bin" | head -n 3
	fi
}

# x86_64: the real purgatory, low and above 4 GiB, and the sample.
compare purgatory-low ld "$B/x86_64/purgatory.ro" 0x7f000000
compare purgatory-high ld "$B/x86_64/purgatory.ro" 0x12345000000
for model in small large; do
	gcc -O1 -ffreestanding -fno-PIE -fno-pic -mcmodel=$model -c test/elf_rel/sample.c -o "$work/s-x86-$model.o" &&
	ld -r -o "$work/s-x86-$model.ro" "$work/s-x86-$model.o" &&
	compare "x86_64-$model" ld "$work/s-x86-$model.ro" 0x200000
done
# aarch64: small model (ADRP/ADD/LDST*/CALL26), large (MOVW/ABS64), tiny (ADR, LD_PREL).
for model in small large tiny; do
	aarch64-linux-gnu-gcc -O1 -ffreestanding -fno-PIE -fno-pic -mcmodel=$model -c \
		test/elf_rel/sample.c -o "$work/s-a64-$model.o" &&
	aarch64-linux-gnu-ld -r -o "$work/s-a64-$model.ro" "$work/s-a64-$model.o" &&
	compare "aarch64-$model" aarch64-linux-gnu-ld "$work/s-a64-$model.ro" 0x40200000
done
# Hand-written: every relocation type the loader implements.
gcc -c test/elf_rel/sample_x86.S -o "$work/asm-x86.o" && ld -r -o "$work/asm-x86.ro" "$work/asm-x86.o" &&
	compare x86_64-asm ld "$work/asm-x86.ro" 0x7ff00000
aarch64-linux-gnu-gcc -c test/elf_rel/sample_a64.S -o "$work/asm-a64.o" &&
	aarch64-linux-gnu-ld -r -o "$work/asm-a64.ro" "$work/asm-a64.o" &&
	compare aarch64-asm aarch64-linux-gnu-ld "$work/asm-a64.ro" 0x40200000
# The loader refuses what does not fit: the small model's 32-bit absolute
# relocations above 4 GiB.
if "$kxreloc" "$work/s-x86-small.ro" 0x123400000000 /dev/null >"$work/refuse.txt" 2>&1; then
	echo "FAIL elf-rel x86_64-small-above-4G: loaded, but its R_X86_64_32S cannot fit"
elif grep -q KX_ERR_RANGE "$work/refuse.txt"; then
	echo "ok   elf-rel x86_64-small-above-4G refused with KX_ERR_RANGE"
else
	echo "FAIL elf-rel x86_64-small-above-4G: $(cat "$work/refuse.txt")"
fi
# A relocation whose field lies past its section is the ELF loader's
# refusal (KX_ERR_ELF_RELOC), not a setup-page record's.
python3 - "$work/s-x86-small.ro" "$work/reloc-past.ro" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<Q', data, 0x28)
shnum, = struct.unpack_from('<H', data, 0x3c)
sh = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + 64 * i) for i in range(shnum)]
for name, typ, flags, addr, off, size, link, info, align, entsize in sh:
    if typ == 4 and sh[info][2] & 2 and size >= 24:	# SHT_RELA on SHF_ALLOC
        struct.pack_into('<Q', data, off, sh[info][5] + 0x100)
        break
else:
    sys.exit('no RELA section on an allocated one')
open(sys.argv[2], 'wb').write(data)
PY
if "$kxreloc" "$work/reloc-past.ro" 0x200000 /dev/null >"$work/past.txt" 2>&1; then
	echo "FAIL elf-rel relocation-past-section: loaded"
elif grep -q KX_ERR_ELF_RELOC "$work/past.txt"; then
	echo "ok   elf-rel relocation past its section refused with KX_ERR_ELF_RELOC"
else
	echo "FAIL elf-rel relocation-past-section: $(cat "$work/past.txt")"
fi
# Setting a symbol with another size than its own (kexec-tools refuses it
# too) is KX_ERR_ELF_SYMBOL; its own size is accepted.
"$kxreloc" "$B/x86_64/purgatory.ro" 0x7f000000 /dev/null entry64_regs=8 \
	entry64_regs=136 >"$work/set.txt" 2>&1
if grep -qx 'set entry64_regs KX_ERR_ELF_SYMBOL' "$work/set.txt" &&
   grep -qx 'set entry64_regs KX_OK' "$work/set.txt"; then
	echo "ok   elf-rel a symbol set with the wrong size is refused with KX_ERR_ELF_SYMBOL"
else
	echo "FAIL elf-rel symbol size: $(tr '\n' ' ' <"$work/set.txt")"
fi
# kxreloc reads section names only through a checked e_shstrndx: an index
# past the section headers, or one naming a section that is no string
# table, is refused with a message instead of read out of bounds.
for bad in 0xfff0:past-headers 1:not-strtab; do
	ndx=${bad%%:*} what=${bad#*:}
	cp "$work/s-x86-small.ro" "$work/shstrndx-$what.ro"
	printf "$(printf '\\x%02x\\x%02x' $((ndx & 255)) $((ndx >> 8)))" |
		dd of="$work/shstrndx-$what.ro" bs=1 seek=62 conv=notrunc status=none
	"$kxreloc" "$work/shstrndx-$what.ro" 0x200000 /dev/null >"$work/shstrndx-$what.txt" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q "section names\|e_shstrndx" "$work/shstrndx-$what.txt"; then
		echo "ok   elf-rel e_shstrndx $ndx ($what) refused: $(tail -n 1 "$work/shstrndx-$what.txt")"
	else
		echo "FAIL elf-rel e_shstrndx $ndx ($what): exit $rc: $(head -c 300 "$work/shstrndx-$what.txt")"
	fi
done
# Symbols as a loader sets them: entry64_regs at its address with
# kexec-tools' size, and the entry point at purgatory_start.
"$kxreloc" "$B/x86_64/purgatory.ro" 0x7f000000 /dev/null purgatory_start entry64_regs \
	>"$work/symbols.txt" 2>&1
entry=$(awk '$1 == "entry" {print $2}' "$work/symbols.txt")
start=$(awk '$2 == "purgatory_start" {print $3}' "$work/symbols.txt")
regs=$(awk '$2 == "entry64_regs" {print $4}' "$work/symbols.txt")
if [ -n "$entry" ] && [ "$entry" = "$start" ] && [ "$regs" = 136 ]; then
	echo "ok   elf-rel purgatory entry = purgatory_start ($entry), entry64_regs 136 bytes"
else
	echo "FAIL elf-rel purgatory symbols: $(tr '\n' ' ' <"$work/symbols.txt")"
fi

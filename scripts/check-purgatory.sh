#!/usr/bin/env bash
# Proves a purgatory.ro is what kexec-tools 2.0.25 can load: an ELF
# relocatable for the right machine, nothing undefined, only relocation
# types its relocator implements, and every symbol it patches by name
# present with kexec-tools' size in a section with contents (not NOBITS).
# Usage: check-purgatory.sh ARCH FILE
set -euo pipefail
arch=$1 ro=$2
top=$(cd "$(dirname "$0")/.." && pwd)
# Layouts from the one description of the image's symbols.
def() { awk -v n="$1" '$1 == "#define" && $2 == n {print $3}' "$top/include/kx/purgatory.h"; }
regs64=$(def KX_ENTRY64_NREGS) regs32=$(def KX_ENTRY32_NREGS)
[ -n "$regs64" ] && [ -n "$regs32" ] || { echo "check-purgatory: no register counts in include/kx/purgatory.h" >&2; exit 2; }
# What kx's own loaders set (KX_SYM_*), in both images.
kx_symbols="$(def KX_SYM_SETUP_PAGE | tr -d '"'):8 $(def KX_SYM_HANDOFF_TICKS | tr -d '"'):8"
case $arch in
x86_64)
	p= machine='Advanced Micro Devices X86-64'
	# kexec-tools applies NONE 64 32 32S PC32 PLT32; 32 and 32S also fail
	# when it loads the image above 4 GiB, which it may: refused here.
	relocs='R_X86_64_NONE R_X86_64_64 R_X86_64_PC32 R_X86_64_PLT32'
	symbols="sha256_regions:256 sha256_digest:32 skip_checks:4
		entry64_regs:$((8 * regs64)) entry32_regs:$((4 * regs32)) cmdline_end:8 reset_vga:1
		serial_base:2 serial_baud:4 console_vga:1 console_serial:1
		backup_start:8 backup_src_start:8 backup_src_size:8 panic_kernel:1
		stack_end:0 stack_arg32_1:4 stack_arg32_2:4 entry16_regs:48 entry16_debug_regs:48 entry16:
		$kx_symbols purgatory_start:"
	;;
aarch64)
	p=aarch64-linux-gnu- machine='AArch64'
	relocs='R_AARCH64_NONE R_AARCH64_ABS64 R_AARCH64_PREL32
		R_AARCH64_MOVW_UABS_G0_NC R_AARCH64_MOVW_UABS_G1_NC
		R_AARCH64_MOVW_UABS_G2_NC R_AARCH64_MOVW_UABS_G3
		R_AARCH64_LD_PREL_LO19 R_AARCH64_ADR_PREL_LO21
		R_AARCH64_ADR_PREL_PG_HI21 R_AARCH64_ADD_ABS_LO12_NC
		R_AARCH64_JUMP26 R_AARCH64_CALL26 R_AARCH64_LDST64_ABS_LO12_NC
		R_AARCH64_LDST128_ABS_LO12_NC'
	symbols="sha256_regions:256 sha256_digest:32 skip_checks:4
		arm64_sink:8 arm64_kernel_entry:8 arm64_dtb_addr:8 $kx_symbols purgatory_start:"
	;;
*) echo "check-purgatory: unknown arch $arch" >&2; exit 2 ;;
esac
fail() { echo "check-purgatory: $ro: $*" >&2; exit 1; }

hdr=$(${p}readelf -h "$ro")
grep -q 'Type:.*REL (Relocatable file)' <<<"$hdr" || fail "not an ELF relocatable"
grep -q "Machine:.*$machine" <<<"$hdr" || fail "not $machine"
undef=$(${p}nm -u "$ro" | awk '{print $2}')
[ -z "$undef" ] || fail "undefined symbols: $(echo $undef)"
bad=$(${p}readelf -rW "$ro" | awk '/^[0-9a-f]+ +[0-9a-f]+ +R_/ {print $3}' | sort -u |
	grep -vxF -f <(tr -s ' \t\n' '\n' <<<"$relocs" | sed '/^$/d') || true)
[ -z "$bad" ] || fail "relocation types kexec-tools does not apply: $(echo $bad)"
sections=$(${p}readelf -SW "$ro")
syms=$(${p}readelf -sW "$ro")
for want in $symbols; do
	name=${want%%:*} size=${want#*:}
	line=$(awk -v n="$name" '$8 == n && $5 == "GLOBAL" && $7 != "UND"' <<<"$syms")
	[ -n "$line" ] || fail "symbol $name missing (kexec-tools dies without it)"
	if [ -n "$size" ] && [ "$size" != 0 ]; then
		got=$(awk '{print $3}' <<<"$line")
		[ "$got" = "$size" ] || fail "symbol $name has size $got, kexec-tools expects $size"
	fi
	ndx=$(awk '{print $7}' <<<"$line")
	type=$(awk -v i="$ndx" '$0 ~ "^ *\\[ *"i"\\]" {sub(/^ *\[ *[0-9]+\] */, ""); print $2}' <<<"$sections")
	[ "$type" = PROGBITS ] || fail "symbol $name is in a $type section (kexec-tools needs PROGBITS)"
done
echo "  OK   $ro loads in kexec-tools ($(wc -w <<<"$symbols") symbols, relocations: $(${p}readelf -rW "$ro" | awk '/^[0-9a-f]+ +[0-9a-f]+ +R_/ {print $3}' | sort -u | tr '\n' ' '))"

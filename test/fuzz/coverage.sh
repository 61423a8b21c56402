#!/usr/bin/env bash
# Line coverage of the library by each fuzz target over its committed
# corpus: runs the coverage build ($B/fuzz-cov/) on every seed once, then
# reports the lines of the library sources the target exercises (llvm-14's
# llvm-profdata and llvm-cov).  Usage: coverage.sh BUILD TARGET...
set -u
B=$1
shift
out=$B/fuzz-cov
# The library source(s) each target is about; the report names them.
declare -A SRC=(
	[arm64_image]=loader/arm64_image.c [bootconf]=loader/bootconf.c
	[bzimage]=loader/bzimage.c [elf_rel]=loader/elf_rel.c
	[elfcore]=purgatory/backup.c [fdt]=loader/fdt.c
	[page_list]=purgatory/page_list.c [setup_page]=purgatory/setup_page.c
	[setup_writer]=purgatory/setup_page.c [pl_build]=loader/page_list_build.c
	[e820]=loader/efi_mmap.c
	[core_source]=tools/source.c [inspect_json]=tools/kxinspect.c
	[idmap]="loader/idmap.c loader/idmap_x86_64.c loader/idmap_aarch64.c"
)
printf '%-14s %-28s %s\n' target source "lines covered"
for t in "$@"; do
	bin=$out/fuzz_$t
	rm -f "$out/$t".profraw "$out/$t".profdata
	LLVM_PROFILE_FILE="$out/$t.profraw" "$bin" -runs=0 -rss_limit_mb=4096 \
		"test/fuzz/corpus/$t" >"$out/$t.log" 2>&1 ||
		{ echo "FAIL fuzz-cov $t: the corpus does not run cleanly ($out/$t.log)"; continue; }
	llvm-profdata-14 merge -sparse "$out/$t.profraw" -o "$out/$t.profdata"
	for src in ${SRC[$t]:-}; do
		llvm-cov-14 report "$bin" -instr-profile="$out/$t.profdata" "$src" |
			awk -v t="$t" -v s="$src" '$1 ~ /\.c$/ {printf "%-14s %-28s %s of %s lines (%s)\n", t, s, $8 - $9, $8, $10}'
	done
done

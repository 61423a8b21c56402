#!/usr/bin/env bash
# linker/purgatory.lds turns each architecture's objects into one ET_REL
# with no NOBITS section: what kexec-tools' relocator and its symbol
# patching need.  Usage: link_layout.sh BUILD
set -u
B=$1
for arch in x86_64 aarch64; do
	case $arch in
	x86_64) p= ;;
	aarch64) p=aarch64-linux-gnu- ;;
	esac
	out=$B/$arch/link-layout-test.o
	if ! ${p}ld -r -T linker/purgatory.lds -o "$out" --whole-archive "$B/$arch/libkx.a" 2>"$out.log"; then
		echo "FAIL link-layout-$arch: $(head -c 300 "$out.log")"
		continue
	fi
	type=$(${p}readelf -h "$out" | awk '/Type:/ {print $2}')
	nobits=$(${p}readelf -SW "$out" | awk '/NOBITS/ && $0 ~ / WA/ {print $2}')
	[ "$type" = REL ] && echo "ok   link-layout-$arch-relocatable" ||
		echo "FAIL link-layout-$arch-relocatable: type $type"
	[ -z "$nobits" ] && echo "ok   link-layout-$arch-no-nobits" ||
		echo "FAIL link-layout-$arch-no-nobits: $nobits"
	# The assertion must bite: an object with a constructor is refused.
	echo 'static void __attribute__((constructor)) c(void) {}' |
		${p}gcc -x c -c -o "$out.ctor.o" - 2>/dev/null
	if ${p}ld -r -T linker/purgatory.lds -o "$out.bad" "$out.ctor.o" 2>/dev/null; then
		echo "FAIL link-layout-$arch-refuses-constructors"
	else
		echo "ok   link-layout-$arch-refuses-constructors"
	fi
done

#!/usr/bin/env bash
# The freestanding archives, checked again as tests: built for the right
# machine, needing nothing from libc, and a trampoline with no relocation.
B=$1
for arch in x86_64 aarch64; do
	case $arch in
	x86_64) nm=nm; objdump=objdump; want='i386:x86-64' ;;
	aarch64) nm=aarch64-linux-gnu-nm; objdump=aarch64-linux-gnu-objdump; want='aarch64' ;;
	esac
	readelf=${nm%nm}readelf
	a=$B/$arch/libkx.a
	if [ ! -f "$a" ]; then
		echo "FAIL freestanding-$arch: $a missing"
		continue
	fi
	if scripts/check-freestanding.sh "$nm" "$a" >/dev/null; then
		echo "ok   freestanding-$arch-no-libc"
	else
		echo "FAIL freestanding-$arch-no-libc: $(scripts/check-freestanding.sh "$nm" "$a" 2>&1 | tr '\n' ' ')"
	fi
	if $objdump -f "$a" | grep -q "architecture: $want" &&
	   ! $objdump -f "$a" | grep 'architecture:' | grep -vq "$want"; then
		echo "ok   freestanding-$arch-machine"
	else
		echo "FAIL freestanding-$arch-machine: objects are not all $want"
	fi
	if scripts/check-no-relocs.sh "$readelf" "$a" >/dev/null 2>&1; then
		echo "ok   freestanding-$arch-trampoline-no-relocs"
	else
		echo "FAIL freestanding-$arch-trampoline-no-relocs: $(scripts/check-no-relocs.sh "$readelf" "$a" 2>&1 | tr '\n' ' ')"
	fi
done

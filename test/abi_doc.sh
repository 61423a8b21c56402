#!/usr/bin/env bash
# Every constant and structure of include/kexec_abi.h is named in
# docs/abi.md, the normative spec (helper macros aside).
set -u
cd "$(dirname "$0")/.."
names=$( (sed -n 's/^#define \([A-Z_][A-Z0-9_]*\).*/\1/p' include/kexec_abi.h;
	  sed -n 's/^struct \(kx_[a-z0-9_]*\) {.*/\1/p' include/kexec_abi.h) |
	grep -vxE 'KEXEC_ABI_H|KX_ABI_CHECK|KX_ABI_OFF' | sort -u)
for n in $names; do
	if grep -q "\b$n\b" docs/abi.md; then
		echo "ok   abi-doc $n"
	else
		echo "FAIL abi-doc $n: not described in docs/abi.md"
	fi
done

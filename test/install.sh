#!/usr/bin/env bash
# `make install` into a scratch DESTDIR lays out headers, both archives,
# the inspector and pkg-config files, and a program builds against them.
set -u
B=$1
dest=$(realpath -m "$B/install-test")
rm -rf "$dest"
if ! make --no-print-directory -s install DESTDIR="$dest" PREFIX=/usr >"$B/install-test.log" 2>&1; then
	echo "FAIL install: make install failed"; tail -n 5 "$B/install-test.log"; exit 0
fi
for f in usr/include/kexec_abi.h usr/include/kx/setup_page.h usr/include/kx/status.h \
	 usr/lib/kx/x86_64/libkx.a usr/lib/kx/aarch64/libkx.a usr/bin/kxinspect \
	 usr/lib/kx/x86_64/purgatory.ro usr/lib/kx/x86_64/kxboot.efi usr/lib/kx/aarch64/kxboot.efi \
	 usr/lib/pkgconfig/kx-x86_64.pc usr/lib/pkgconfig/kx-aarch64.pc; do
	if [ -e "$dest/$f" ]; then echo "ok   install $f"; else echo "FAIL install: $f missing"; fi
done
# Every installed header stands alone on the installed tree: the API needs
# none of kx's internal headers (lib/include/kx/), which are not installed.
for h in "$dest"/usr/include/kexec_abi.h "$dest"/usr/include/kx/*.h; do
	if printf '#include "%s"\n' "$h" | gcc -std=gnu11 -ffreestanding -Wall -Werror \
		-I"$dest/usr/include" -x c -fsyntax-only - 2>"$B/install-header.log"; then
		echo "ok   install header ${h#"$dest"/} compiles on its own"
	else
		echo "FAIL install: ${h#"$dest"/} does not compile on the installed tree"
		sed 's/^/    /' "$B/install-header.log" | head -n 5
	fi
done
for h in compiler.h a64_asm.h a64_sys.h x86_io.h asm.h; do
	if [ -e "$dest/usr/include/kx/$h" ]; then
		echo "FAIL install: internal header kx/$h is installed"
	else
		echo "ok   install internal kx/$h not installed"
	fi
done
# A freestanding consumer, built with only what pkg-config says.
pc() { PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_LIBDIR="$dest/usr/lib/pkgconfig" pkg-config "$@"; }
cat >"$B/install-consumer.c" <<'C'
#include <kx/setup_page.h>
int consume(void *buf);
int consume(void *buf)
{
	struct kx_setup_writer w;
	if (kx_setup_init(&w, buf, 4096, 0) != KX_OK)
		return -1;
	return kx_setup_finish(&w) == KX_OK ? 0 : -1;
}
C
# Linked into a static image: fails on any symbol the archive lacks.
if gcc $(pc --cflags kx-x86_64) -nostdlib -fPIE -c "$B/install-consumer.c" -o "$B/install-consumer.o" &&
   ld -static -e consume -o "$B/install-consumer" "$B/install-consumer.o" $(pc --libs kx-x86_64); then
	echo "ok   install consumer builds with pkg-config kx-x86_64"
else
	echo "FAIL install: consumer does not build against the installed tree"
fi

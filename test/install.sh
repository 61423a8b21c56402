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

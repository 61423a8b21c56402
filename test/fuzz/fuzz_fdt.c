/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the device tree editor (lib/fdt.c).  Input: one
 * control byte, then a blob.  The blob is opened with exactly its bytes
 * available; when it opens, purgatory's edits are applied (grow into
 * spare bytes the control byte grants, bootargs longer, a new /chosen
 * property, a /memreserve/ entry, a shorter bootargs).  After every edit
 * the blob must still open with the same totalsize, and no byte past
 * totalsize may change (input bytes there, or the canary after them).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <kx/fdt.h>

#define CANARY 0x5a
#define SLACK 1024

static uint8_t *buf, *snap;
static size_t cap;

/* Still valid, same totalsize, nothing past it changed since snap. */
static void check(struct kx_fdt *f, size_t end)
{
	uint32_t size = f->size;

	if (kx_fdt_open(f, buf, size) != KX_OK || f->size != size)
		__builtin_trap();
	if (memcmp(buf + size, snap + size, end - size))
		__builtin_trap();
}

static void walk(const struct kx_fdt *f)
{
	uint32_t root, child = 0, n, len;
	const char *name;
	const void *v;
	uint64_t a, s;

	if (kx_fdt_find_node(f, "/", &root) == KX_OK)
		for (int i = 0; i < 1000 && kx_fdt_next_child(f, root, &child, &name) == KX_OK; i++)
			if (kx_fdt_get_prop(f, child, "reg", &v, &len) == KX_OK && len >= 8)
				(void)kx_fdt64(v);
	if (kx_fdt_find_node(f, "/memory", &n) == KX_OK)
		(void)kx_fdt_get_prop(f, n, "device_type", &v, &len);
	for (uint32_t i = 0; kx_fdt_get_memreserve(f, i, &a, &s) == KX_OK; i++)
		;
	{
		struct kx_mem_range m[4];
		uint32_t ac, sc;
		unsigned count;

		if (kx_fdt_root_cells(f, &ac, &sc) == KX_OK && (ac < 1 || ac > 2 || sc < 1 || sc > 2))
			__builtin_trap();
		if (kx_fdt_memory(f, m, 4, &count) == KX_OK && count > 4)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char tail[] = " kx_setup=0x47fff000";
	struct kx_fdt f;
	uint32_t n, len, grow;
	const void *v;
	char args[512];
	uint8_t val[8];

	if (size < 1)
		return 0;
	grow = (uint32_t)data[0] * 4;
	data++;
	size--;
	if (size + SLACK > cap) {
		free(buf);
		free(snap);
		cap = size + SLACK;
		buf = malloc(cap);
		snap = malloc(cap);
	}
	memcpy(buf, data, size);
	memset(buf + size, CANARY, cap - size);
	if (kx_fdt_open(&f, buf, size) != KX_OK)
		return 0;
	walk(&f);
	if (grow && f.size + (uint64_t)grow <= cap) {
		if (kx_fdt_grow(&f, f.size + grow) != KX_OK)
			__builtin_trap();
		for (uint32_t i = f.size - grow; i < f.size; i++)
			buf[i] = 0;	/* what the caller vouches for */
	}
	memcpy(snap, buf, cap);
	check(&f, cap);

	if (kx_fdt_find_node(&f, "/chosen", &n) == KX_OK) {
		len = 0;
		args[0] = 0;
		if (kx_fdt_get_prop(&f, n, "bootargs", &v, &len) == KX_OK &&
		    len < sizeof(args) - sizeof(tail)) {
			memcpy(args, v, len);
			args[len] = 0;
		}
		len = (uint32_t)strnlen(args, sizeof(args) - sizeof(tail));
		memcpy(args + len, tail, sizeof(tail));
		(void)kx_fdt_set_prop(&f, n, "bootargs", args, len + sizeof(tail));
		check(&f, cap);
		if (kx_fdt_find_node(&f, "/chosen", &n) == KX_OK) {
			kx_fdt_put64(val, 0x47fff000);
			(void)kx_fdt_set_prop(&f, n, "kx,setup-page", val, 8);
			check(&f, cap);
		}
	}
	(void)kx_fdt_add_memreserve(&f, 0x47fff000, 0x3000);
	check(&f, cap);
	if (kx_fdt_find_node(&f, "/chosen", &n) == KX_OK)
		(void)kx_fdt_set_prop(&f, n, "bootargs", "x", 2);
	check(&f, cap);
	walk(&f);
	return 0;
}

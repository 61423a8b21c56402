/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <kx/fdt.h>
#include "kxtest.h"

/*
 * A small device tree written token by token, as dtc would lay it out:
 *   / { #address-cells = <2>; #size-cells = <2>;
 *       chosen { bootargs = "console=ttyAMA0"; };
 *       memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x40000000>; };
 *       cpus { cpu@0 { reg = <0>; }; }; };
 * with `spare` free bytes before totalsize, then canary bytes (0xa5) up to
 * the buffer's end, which no call may touch.
 */
struct blob {
	uint8_t b[2048];
	uint32_t pos;
	uint8_t strings[256];
	uint32_t nstrings;
};

static void put(struct blob *t, uint32_t v)
{
	kx_fdt_put32(t->b + t->pos, v);
	t->pos += 4;
}

static void node(struct blob *t, const char *name)
{
	uint32_t n = (uint32_t)strlen(name) + 1;

	put(t, 1);
	memcpy(t->b + t->pos, name, n);
	t->pos += (n + 3) & ~3u;
}

static void prop(struct blob *t, const char *name, const void *v, uint32_t len)
{
	uint32_t off = t->nstrings;

	memcpy(t->strings + off, name, strlen(name) + 1);
	t->nstrings += (uint32_t)strlen(name) + 1;
	put(t, 3);
	put(t, len);
	put(t, off);
	memcpy(t->b + t->pos, v, len);
	t->pos += (len + 3) & ~3u;
}

static uint32_t make(struct blob *t, uint32_t spare)
{
	uint8_t cells2[4] = { 0, 0, 0, 2 }, reg[16] = { 0 }, zero[4] = { 0 };
	uint32_t off_struct, off_strings, total;

	memset(t, 0, sizeof(*t));
	t->pos = 40;	/* header */
	t->pos += 16;	/* map: one terminator */
	off_struct = t->pos;
	node(t, "");
	prop(t, "#address-cells", cells2, 4);
	prop(t, "#size-cells", cells2, 4);
	node(t, "chosen");
	prop(t, "bootargs", "console=ttyAMA0", 16);
	put(t, 2);
	node(t, "memory@40000000");
	prop(t, "device_type", "memory", 7);
	kx_fdt_put32(reg + 4, 0x40000000);
	kx_fdt_put32(reg + 12, 0x40000000);
	prop(t, "reg", reg, 16);
	put(t, 2);
	node(t, "cpus");
	node(t, "cpu@0");
	prop(t, "reg", zero, 4);
	put(t, 2);
	put(t, 2);
	put(t, 2);
	put(t, 9);
	off_strings = t->pos;
	memcpy(t->b + t->pos, t->strings, t->nstrings);
	total = off_strings + t->nstrings + spare;
	kx_fdt_put32(t->b + 0, KX_FDT_MAGIC);
	kx_fdt_put32(t->b + 4, total);
	kx_fdt_put32(t->b + 8, off_struct);
	kx_fdt_put32(t->b + 12, off_strings);
	kx_fdt_put32(t->b + 16, 40);
	kx_fdt_put32(t->b + 20, 17);
	kx_fdt_put32(t->b + 24, 16);
	kx_fdt_put32(t->b + 32, t->nstrings);
	kx_fdt_put32(t->b + 36, off_strings - off_struct);
	memset(t->b + total, 0xa5, sizeof(t->b) - total);
	return total;
}

static int canary_intact(const struct blob *t, uint32_t from)
{
	for (uint32_t i = from; i < sizeof(t->b); i++)
		if (t->b[i] != 0xa5)
			return 0;
	return 1;
}

static const char *bootargs(struct kx_fdt *f)
{
	uint32_t n;
	const void *v;
	uint32_t len;

	if (kx_fdt_find_node(f, "/chosen", &n) != KX_OK ||
	    kx_fdt_get_prop(f, n, "bootargs", &v, &len) != KX_OK || !len)
		return "";
	return v;
}

KX_TEST(fdt_reads_nodes_and_properties)
{
	static struct blob t;
	struct kx_fdt f;
	uint32_t n, child = 0, len;
	const char *name;
	const void *v;

	make(&t, 0);
	CHECK_ST(kx_fdt_open(&f, t.b, sizeof(t.b)), KX_OK);
	CHECK_EQ(kx_fdt_free(&f), 0);
	CHECK(!strcmp(bootargs(&f), "console=ttyAMA0"));
	/* A component without a unit address finds the node that has one. */
	CHECK_ST(kx_fdt_find_node(&f, "/memory", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "reg", &v, &len), KX_OK);
	CHECK_EQ(len, 16);
	CHECK_EQ(kx_fdt64((const uint8_t *)v + 8), 0x40000000);
	CHECK_ST(kx_fdt_find_node(&f, "/memory@40000000", &n), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/memory@0", &n), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_fdt_find_node(&f, "/cpus/cpu@0", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "bootargs", &v, &len), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_fdt_find_node(&f, "/cpu@0", &n), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_fdt_find_node(&f, "chosen", &n), KX_ERR_INVAL);

	/* The root's children, in order; a grandchild is not one. */
	CHECK_ST(kx_fdt_find_node(&f, "/", &n), KX_OK);
	CHECK_ST(kx_fdt_next_child(&f, n, &child, &name), KX_OK);
	CHECK(!strcmp(name, "chosen"));
	CHECK_ST(kx_fdt_next_child(&f, n, &child, &name), KX_OK);
	CHECK(!strcmp(name, "memory@40000000"));
	CHECK_ST(kx_fdt_next_child(&f, n, &child, &name), KX_OK);
	CHECK(!strcmp(name, "cpus"));
	CHECK_ST(kx_fdt_next_child(&f, n, &child, &name), KX_ERR_NOT_FOUND);
}

KX_TEST(fdt_memory_and_root_cells)
{
	static struct blob t;
	struct kx_fdt f;
	struct kx_mem_range m[2];
	uint32_t ac, sc, n, len;
	unsigned count;
	const void *v;

	make(&t, 0);
	CHECK_ST(kx_fdt_open(&f, t.b, sizeof(t.b)), KX_OK);
	CHECK_ST(kx_fdt_root_cells(&f, &ac, &sc), KX_OK);
	CHECK_EQ(ac, 2);
	CHECK_EQ(sc, 2);
	CHECK_ST(kx_fdt_find_node(&f, "/memory", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "reg", &v, &len), KX_OK);
	CHECK_ST(kx_fdt_memory(&f, m, 2, &count), KX_OK);
	CHECK_EQ(count, 1);
	CHECK_EQ(m[0].addr, kx_fdt64(v));
	CHECK_EQ(m[0].size, kx_fdt64((const uint8_t *)v + 8));
	CHECK_EQ(m[0].type, KX_MEM_RAM);
	/* More ranges than room: the first ones, and the refusal. */
	CHECK_ST(kx_fdt_memory(&f, m, 0, &count), KX_ERR_NO_SPACE);
	CHECK_EQ(count, 0);
	CHECK_EQ(kx_fdt_cells(v, 2), kx_fdt64(v));
	CHECK_EQ(kx_fdt_cells((const uint8_t *)v + 12, 1), kx_fdt32((const uint8_t *)v + 12));
}

KX_TEST(fdt_edits_stay_within_totalsize)
{
	static struct blob t, before;
	static const char longer[] = "console=ttyAMA0 kx_setup=0x47fff000";
	struct kx_fdt f;
	uint32_t total, n, len;
	uint8_t addr[8];
	uint64_t a, s;
	const void *v;

	/* No free space: every growing edit is refused, nothing changes. */
	total = make(&t, 0);
	CHECK_ST(kx_fdt_open(&f, t.b, sizeof(t.b)), KX_OK);
	before = t;
	CHECK_ST(kx_fdt_find_node(&f, "/chosen", &n), KX_OK);
	CHECK_ST(kx_fdt_set_prop(&f, n, "bootargs", longer, sizeof(longer)), KX_ERR_NO_SPACE);
	kx_fdt_put64(addr, 0x47fff000);
	CHECK_ST(kx_fdt_set_prop(&f, n, "kx,setup-page", addr, 8), KX_ERR_NO_SPACE);
	CHECK_ST(kx_fdt_add_memreserve(&f, 0x47fff000, 0x3000), KX_ERR_NO_SPACE);
	CHECK_MEM(t.b, before.b, sizeof(t.b));

	/* Room for all three: they fit, the blob stays valid, the bytes
	 * past totalsize stay untouched, the rest reads as before. */
	total = make(&t, 128);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK_EQ(kx_fdt_free(&f), 128);
	CHECK_ST(kx_fdt_find_node(&f, "/chosen", &n), KX_OK);
	CHECK_ST(kx_fdt_set_prop(&f, n, "bootargs", longer, sizeof(longer)), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/chosen", &n), KX_OK);
	CHECK_ST(kx_fdt_set_prop(&f, n, "kx,setup-page", addr, 8), KX_OK);
	CHECK_ST(kx_fdt_add_memreserve(&f, 0x47fff000, 0x3000), KX_OK);
	CHECK(canary_intact(&t, total));
	CHECK_EQ(kx_fdt32(t.b + 4), total);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK(!strcmp(bootargs(&f), longer));
	CHECK_ST(kx_fdt_find_node(&f, "/chosen", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "kx,setup-page", &v, &len), KX_OK);
	CHECK_EQ(len, 8);
	CHECK_EQ(kx_fdt64(v), 0x47fff000);
	CHECK_ST(kx_fdt_get_memreserve(&f, 0, &a, &s), KX_OK);
	CHECK_EQ(a, 0x47fff000);
	CHECK_EQ(s, 0x3000);
	CHECK_ST(kx_fdt_get_memreserve(&f, 1, &a, &s), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_fdt_find_node(&f, "/cpus/cpu@0", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "reg", &v, &len), KX_OK);
	CHECK_EQ(len, 4);
	CHECK_ST(kx_fdt_find_node(&f, "/memory", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "device_type", &v, &len), KX_OK);
	CHECK(!strcmp(v, "memory"));
	/* "reg" was already in the strings block: a new "reg" reuses it. */
	CHECK_ST(kx_fdt_set_prop(&f, n, "reg", addr, 8), KX_OK);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);

	/* Shrinking gives the room back and zeroes what it freed. */
	len = kx_fdt_free(&f);
	CHECK_ST(kx_fdt_find_node(&f, "/chosen", &n), KX_OK);
	CHECK_ST(kx_fdt_set_prop(&f, n, "bootargs", "x", 2), KX_OK);
	CHECK_EQ(kx_fdt_free(&f), len + ((sizeof(longer) + 3) & ~3u) - 4);
	for (uint32_t i = total - kx_fdt_free(&f); i < total; i++)
		CHECK_EQ(t.b[i], 0);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK(!strcmp(bootargs(&f), "x"));
	CHECK(canary_intact(&t, total));
}

/* A new node: last child of its parent, the tree valid, found by path. */
KX_TEST(fdt_add_node_appends_a_child)
{
	static struct blob t, before;
	struct kx_fdt f;
	uint32_t total, root, n, child = 0, len;
	const char *name;
	const void *v;

	total = make(&t, 0);
	CHECK_ST(kx_fdt_open(&f, t.b, sizeof(t.b)), KX_OK);
	before = t;
	CHECK_ST(kx_fdt_find_node(&f, "/", &root), KX_OK);
	CHECK_ST(kx_fdt_add_node(&f, root, "extra@1000", &n), KX_ERR_NO_SPACE);
	CHECK_MEM(t.b, before.b, sizeof(t.b));
	CHECK_ST(kx_fdt_add_node(&f, root, "a/b", &n), KX_ERR_INVAL);
	CHECK_ST(kx_fdt_add_node(&f, root, "", &n), KX_ERR_INVAL);

	total = make(&t, 64);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/cpus", &root), KX_OK);
	CHECK_ST(kx_fdt_add_node(&f, root, "cpu@1", &n), KX_OK);
	CHECK_ST(kx_fdt_set_prop(&f, n, "reg", "\0\0\0\1", 4), KX_OK);
	CHECK(canary_intact(&t, total));
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/cpus", &root), KX_OK);
	CHECK_ST(kx_fdt_next_child(&f, root, &child, &name), KX_OK);
	CHECK(!strcmp(name, "cpu@0"));
	CHECK_ST(kx_fdt_next_child(&f, root, &child, &name), KX_OK);
	CHECK(!strcmp(name, "cpu@1"));
	CHECK_ST(kx_fdt_next_child(&f, root, &child, &name), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_fdt_find_node(&f, "/cpus/cpu@1", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "reg", &v, &len), KX_OK);
	CHECK_EQ(kx_fdt32(v), 1);
	CHECK_ST(kx_fdt_find_node(&f, "/memory", &n), KX_OK);
}

/* /reserved-memory made with the root's cells, one no-map child listing
 * every range; all of it or nothing. */
KX_TEST(fdt_reserve_nomap)
{
	static struct blob t, before;
	const struct kx_mem_range r[3] = {
		{ 0x40000000, 0x1000, KX_MEM_RESERVED, 0 },
		{ 0x7c000000, 0x230000, KX_MEM_RESERVED, 0 },
		{ 0x1000000000ull, 0x100000000ull, KX_MEM_RESERVED, 0 },
	};
	struct kx_fdt f;
	uint32_t total, n, len;
	const void *v;
	const uint8_t *reg;

	total = make(&t, 200);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	before = t;
	/* Not enough room: refused before any edit. */
	CHECK_ST(kx_fdt_reserve_nomap(&f, "kx-efi", r, 3), KX_ERR_NO_SPACE);
	CHECK_MEM(t.b, before.b, sizeof(t.b));
	CHECK_ST(kx_fdt_reserve_nomap(&f, "kx-efi", r, 0), KX_OK);
	CHECK_MEM(t.b, before.b, sizeof(t.b));

	total = make(&t, 400);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK_ST(kx_fdt_reserve_nomap(&f, "kx-efi", r, 3), KX_OK);
	CHECK(canary_intact(&t, total));
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/reserved-memory", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "#address-cells", &v, &len), KX_OK);
	CHECK_EQ(kx_fdt32(v), 2);
	CHECK_ST(kx_fdt_get_prop(&f, n, "#size-cells", &v, &len), KX_OK);
	CHECK_EQ(kx_fdt32(v), 2);
	CHECK_ST(kx_fdt_get_prop(&f, n, "ranges", &v, &len), KX_OK);
	CHECK_EQ(len, 0);
	CHECK_ST(kx_fdt_find_node(&f, "/reserved-memory/kx-efi@40000000", &n), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, n, "no-map", &v, &len), KX_OK);
	CHECK_EQ(len, 0);
	CHECK_ST(kx_fdt_get_prop(&f, n, "reg", &v, &len), KX_OK);
	CHECK_EQ(len, 48);
	reg = v;
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(kx_fdt64(reg + 16 * i), r[i].addr);
		CHECK_EQ(kx_fdt64(reg + 16 * i + 8), r[i].size);
	}
	/* A second call adds a child to the node now there. */
	CHECK_ST(kx_fdt_reserve_nomap(&f, "more", r + 1, 1), KX_OK);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/reserved-memory/more@7c000000", &n), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/memory", &n), KX_OK);
	/* A /reserved-memory of other cells, which Linux would ignore. */
	CHECK_ST(kx_fdt_find_node(&f, "/reserved-memory", &n), KX_OK);
	CHECK_ST(kx_fdt_set_prop(&f, n, "#size-cells", "\0\0\0\1", 4), KX_OK);
	CHECK_ST(kx_fdt_reserve_nomap(&f, "kx-efi", r, 1), KX_ERR_FDT_FORMAT);
}

KX_TEST(fdt_grow_raises_totalsize_only_when_asked)
{
	static struct blob t;
	struct kx_fdt f;
	uint32_t total, n;

	total = make(&t, 0);
	CHECK_ST(kx_fdt_open(&f, t.b, sizeof(t.b)), KX_OK);
	CHECK_ST(kx_fdt_grow(&f, total - 4), KX_ERR_INVAL);
	CHECK_ST(kx_fdt_grow(&f, total + 64), KX_OK);
	CHECK_EQ(kx_fdt32(t.b + 4), total + 64);
	CHECK_EQ(kx_fdt_free(&f), 64);
	CHECK(canary_intact(&t, total + 64));
	CHECK_ST(kx_fdt_add_memreserve(&f, 0x1000, 0x1000), KX_OK);
	CHECK_ST(kx_fdt_find_node(&f, "/chosen", &n), KX_OK);
	CHECK_ST(kx_fdt_set_prop(&f, n, "bootargs", "0123456789abcdef0123", 21), KX_OK);
	CHECK_ST(kx_fdt_open(&f, t.b, total + 64), KX_OK);
	CHECK(!strcmp(bootargs(&f), "0123456789abcdef0123"));
	CHECK(canary_intact(&t, total + 64));
}

KX_TEST(fdt_refuses_malformed_blobs)
{
	static struct blob t;
	struct kx_fdt f;
	uint32_t total, off_struct;

	total = make(&t, 0);
	CHECK_ST(kx_fdt_open(&f, t.b, 39), KX_ERR_TRUNCATED);
	CHECK_ST(kx_fdt_open(&f, t.b, total - 1), KX_ERR_TRUNCATED);
	t.b[0] ^= 1;
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_MAGIC);
	t.b[0] ^= 1;
	kx_fdt_put32(t.b + 20, 16);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_VERSION);
	kx_fdt_put32(t.b + 20, 17);
	/* Blocks starting past totalsize (offsets that would wrap). */
	kx_fdt_put32(t.b + 8, 0xfffffff0);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	kx_fdt_put32(t.b + 12, 0xfffffff0);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* Struct block running past totalsize. */
	kx_fdt_put32(t.b + 36, total);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* Strings before the struct block. */
	kx_fdt_put32(t.b + 12, 40);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* An unknown token. */
	off_struct = kx_fdt32(t.b + 8);
	kx_fdt_put32(t.b + off_struct, 7);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* A property whose value runs past the struct block. */
	kx_fdt_put32(t.b + off_struct + 8 + 4, 0x10000);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* A property name outside the strings block. */
	kx_fdt_put32(t.b + off_struct + 8 + 8, 0x1000);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* No FDT_END: the last END_NODE made a NOP. */
	kx_fdt_put32(t.b + kx_fdt32(t.b + 12) - 4, 4);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* Unbalanced: the root's END_NODE made a NOP. */
	kx_fdt_put32(t.b + kx_fdt32(t.b + 12) - 8, 4);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
	make(&t, 0);
	/* A memory reservation map with no terminator before the struct. */
	kx_fdt_put64(t.b + 40, 0x1000);
	CHECK_ST(kx_fdt_open(&f, t.b, total), KX_ERR_FDT_FORMAT);
}

/*
 * The largest tree Linux's arm64 boot protocol allows (2 MiB), built to
 * make a per-property scan of the names quadratic: about 87,000 properties
 * all named by one 1 MiB string.  Opening it must not read any name: the
 * strings block is checked once, from its end back to its last NUL.  The
 * names' pages are made unreadable, so a scan per property faults (and is
 * reported as a failure) instead of taking minutes.
 */
static sigjmp_buf fdt_fault_jmp;

static void fdt_fault(int sig)
{
	(void)sig;
	siglongjmp(fdt_fault_jmp, 1);
}

KX_TEST(fdt_open_reads_the_names_once_in_a_maximum_size_tree)
{
	const uint32_t total = 2u << 20, page = 4096, props = (1u << 20) / 12;
	const uint32_t off_struct = 56, size_struct = 8 + 12 * props + 8;
	const uint32_t off_strings = off_struct + size_struct;
	const uint32_t lead = (page - off_strings % page) % page;
	const uint32_t nstrings = total - off_strings;
	uint8_t *map, *b, *names;
	struct sigaction sa = { .sa_handler = fdt_fault }, old_segv, old_bus;
	struct kx_fdt f;
	uint32_t pos = off_struct, root, len, hidden;
	const void *val;
	volatile enum kx_status st = KX_ERR_INVAL;
	volatile int faulted = 0;

	map = mmap(0, total + 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED);
	b = map + lead;		/* the strings block starts on a page */
	memset(b, 0, off_struct);
	kx_fdt_put32(b + 0, KX_FDT_MAGIC);
	kx_fdt_put32(b + 4, total);
	kx_fdt_put32(b + 8, off_struct);
	kx_fdt_put32(b + 12, off_strings);
	kx_fdt_put32(b + 16, 40);
	kx_fdt_put32(b + 20, 17);
	kx_fdt_put32(b + 24, 16);
	kx_fdt_put32(b + 32, nstrings);
	kx_fdt_put32(b + 36, size_struct);
	kx_fdt_put32(b + pos, 1);		/* the root, named "" */
	kx_fdt_put32(b + pos + 4, 0);
	pos += 8;
	for (uint32_t i = 0; i < props; i++, pos += 12) {
		kx_fdt_put32(b + pos, 3);	/* empty value, name at 0 */
		kx_fdt_put32(b + pos + 4, 0);
		kx_fdt_put32(b + pos + 8, 0);
	}
	kx_fdt_put32(b + pos, 2);
	kx_fdt_put32(b + pos + 4, 9);
	names = b + off_strings;
	CHECK(((uintptr_t)names % page) == 0);
	memset(names, 'n', nstrings - 1);
	names[nstrings - 1] = 0;

	/* Every page of the name but the one holding its NUL unreadable. */
	hidden = (nstrings - 1) / page * page;
	CHECK(hidden >= (1u << 20) - page);
	CHECK(mprotect(names, hidden, PROT_NONE) == 0);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(fdt_fault_jmp, 1) == 0)
		st = kx_fdt_open(&f, b, total);
	else
		faulted = 1;
	sigaction(SIGSEGV, &old_segv, 0);
	sigaction(SIGBUS, &old_bus, 0);
	CHECK(mprotect(names, hidden, PROT_READ | PROT_WRITE) == 0);
	if (faulted)
		kx_test_fail(__FILE__, __LINE__,
			     "kx_fdt_open read a property name: one scan per property");
	CHECK_ST(st, KX_OK);

	/* Finding a property compares at most the query's length per name. */
	CHECK_ST(kx_fdt_find_node(&f, "/", &root), KX_OK);
	CHECK_ST(kx_fdt_get_prop(&f, root, "nnnx", &val, &len), KX_ERR_NOT_FOUND);

	/* The same tree whose last byte is not a NUL has no good name. */
	names[nstrings - 1] = 'n';
	CHECK_ST(kx_fdt_open(&f, b, total), KX_ERR_FDT_FORMAT);
	munmap(map, total + 2 * page);
}

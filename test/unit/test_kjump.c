/* SPDX-License-Identifier: MIT */
/*
 * The x86_64 purgatory's search for A's page list after a Linux kexec jump
 * (image/arch/x86_64/kjump.c), on lists built here in host memory whose
 * addresses stand for physical ones, as purgatory's identity map has them.
 */
#include <kx/setup_page.h>
#include "kxtest.h"
#include "../../image/arch/x86_64/kjump.c"

#define NPAGES 64
#define PG(i) (base + (uint64_t)(i) * KX_PAGE_SIZE)

static uint8_t kj_mem[NPAGES * KX_PAGE_SIZE] __attribute__((aligned(KX_PAGE_SIZE)));
#define base ((uint64_t)(uintptr_t)kj_mem)
static struct kx_mem_range ram[1];
static struct kx_sha256_region reg[KX_VERIFY_MAX_REGIONS];

/*
 * Pages: 1 A's control page (the jump-back entry, the head at +0x830), 2
 * and 3 list pages, 8-15 and 16-19 the two regions kexec-tools verified,
 * 20-21 purgatory's own segment; sources 30-37, 50-53 and 42-43.
 */
static void build(unsigned head_word)
{
	uint64_t *l = (uint64_t *)(uintptr_t)PG(2), *l2 = (uint64_t *)(uintptr_t)PG(3);
	unsigned n = 0;

	memset(kj_mem, 0, sizeof(kj_mem));
	ram[0] = (struct kx_mem_range){ base, NPAGES * KX_PAGE_SIZE, KX_MEM_RAM, 0 };
	memset(reg, 0, sizeof(reg));
	reg[0] = (struct kx_sha256_region){ PG(8), 8 * KX_PAGE_SIZE };
	reg[3] = (struct kx_sha256_region){ PG(16), 4 * KX_PAGE_SIZE };
	((uint64_t *)(uintptr_t)PG(1))[head_word] = PG(2) | IND_INDIRECTION;
	l[n++] = PG(8) | IND_DESTINATION;
	for (unsigned i = 0; i < 8; i++)
		l[n++] = PG(30 + i) | IND_SOURCE;
	l[n++] = PG(16) | IND_DESTINATION;
	for (unsigned i = 0; i < 4; i++)
		l[n++] = PG(50 + i) | IND_SOURCE;
	l[n++] = PG(3) | IND_INDIRECTION;	/* continued on another page */
	l2[0] = PG(20) | IND_DESTINATION;
	l2[1] = PG(42) | IND_SOURCE;
	l2[2] = PG(43) | IND_SOURCE;
	l2[3] = IND_DONE;
}

static enum kx_status kx_identity_test_map(void *ctx, uint64_t phys, uint32_t len,
					   const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)phys;
	return KX_OK;
}

static enum kx_status find(struct kx_kjump *k)
{
	return kx_kjump_find(PG(1) + 0x123, ram, 1, reg, KX_VERIFY_MAX_REGIONS,
			     PG(20) + 0x40, k);
}

KX_TEST(kjump_finds_the_list_and_writes_its_map)
{
	struct kx_kjump k;
	static uint8_t page[2][KX_PAGE_SIZE];
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_fault f;
	struct kx_setup_table_view t;
	struct kx_backup_extent x[3];
	unsigned nx = 0;

	build(0x830 / 8);
	CHECK_ST(find(&k), KX_OK);
	CHECK_EQ(k.jump_back, PG(1) + 0x123);
	CHECK_EQ(k.head, PG(2) | IND_INDIRECTION);
	CHECK_EQ(k.head_at, PG(1) + 0x830);
	CHECK_EQ(k.displaced, 14);
	CHECK_EQ(k.extents, 3);

	CHECK_ST(kx_setup_init(&w, page[0], KX_PAGE_SIZE, KX_SETUP_F_SWAP), KX_OK);
	CHECK_ST(kx_kjump_add_map(&k, &w), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(kx_setup_open(&r, (uintptr_t)page[0], kx_identity_test_map, NULL, &f), KX_OK);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		CHECK_EQ(rec.type, KX_REC_BACKUP);
		CHECK_ST(kx_setup_table(&rec, &t), KX_OK);
		for (uint32_t i = 0; i < t.count && nx < 3; i++)
			memcpy(&x[nx++], t.entries + i * t.entry_size, sizeof(x[0]));
	}
	CHECK_EQ(nx, 3);
	CHECK_EQ(x[0].orig, PG(8));
	CHECK_EQ(x[0].current, PG(30));
	CHECK_EQ(x[0].pages, 8);
	CHECK_EQ(x[1].orig, PG(16));
	CHECK_EQ(x[1].current, PG(50));
	CHECK_EQ(x[1].pages, 4);
	CHECK_EQ(x[2].orig, PG(20));
	CHECK_EQ(x[2].current, PG(42));
	CHECK_EQ(x[2].pages, 2);
}

KX_TEST(kjump_head_at_any_offset)
{
	struct kx_kjump k;

	/* >= 6.14 keeps it in a variable after the code: no fixed offset. */
	build(7);
	CHECK_ST(find(&k), KX_OK);
	CHECK_EQ(k.head_at, PG(1) + 7 * 8);
}

KX_TEST(kjump_refuses_what_is_not_a_jump)
{
	struct kx_kjump k;

	build(0x830 / 8);
	/* A plain kexec pushes 0; an address outside RAM is never read. */
	CHECK_ST(kx_kjump_find(0, ram, 1, reg, KX_VERIFY_MAX_REGIONS, PG(20), &k),
		 KX_ERR_NOT_FOUND);
	CHECK_ST(kx_kjump_find(base + NPAGES * KX_PAGE_SIZE + 8, ram, 1, reg,
			       KX_VERIFY_MAX_REGIONS, PG(20), &k), KX_ERR_NOT_FOUND);
	CHECK_EQ(k.jump_back, 0);

	/* A region the list does not cover exactly. */
	reg[3].len += KX_PAGE_SIZE;
	CHECK_ST(find(&k), KX_ERR_NOT_FOUND);
	build(0x830 / 8);
	reg[0].start += KX_PAGE_SIZE;
	reg[0].len -= KX_PAGE_SIZE;
	CHECK_ST(find(&k), KX_ERR_NOT_FOUND);

	/* A source inside a region, a list page inside one. */
	build(0x830 / 8);
	((uint64_t *)(uintptr_t)PG(2))[1] = PG(17) | IND_SOURCE;
	CHECK_ST(find(&k), KX_ERR_NOT_FOUND);
	build(0x830 / 8);
	((uint64_t *)(uintptr_t)PG(1))[0x830 / 8] = PG(9) | IND_INDIRECTION;
	CHECK_ST(find(&k), KX_ERR_NOT_FOUND);

	/* The run outside the regions must hold purgatory itself. */
	build(0x830 / 8);
	CHECK_ST(kx_kjump_find(PG(1), ram, 1, reg, KX_VERIFY_MAX_REGIONS, PG(40), &k),
		 KX_ERR_NOT_FOUND);

	/* A list that loops on itself ends at its bound. */
	build(0x830 / 8);
	((uint64_t *)(uintptr_t)PG(3))[3] = PG(3) | IND_INDIRECTION;
	CHECK_ST(find(&k), KX_ERR_NOT_FOUND);

	/* Descending destinations. */
	build(0x830 / 8);
	((uint64_t *)(uintptr_t)PG(3))[0] = PG(4) | IND_DESTINATION;
	CHECK_ST(find(&k), KX_ERR_NOT_FOUND);
}

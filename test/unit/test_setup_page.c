/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <kx/compiler.h>
#include <kx/setup_page.h>
#include "kxtest.h"

/* A fake physical memory: pages at chosen addresses, for chained pages. */
#define MEM_PAGES 80
struct fake_mem {
	struct {
		uint64_t phys;
		uint32_t size;
		uint8_t *buf;
	} page[MEM_PAGES];
	unsigned count, handed_out, limit;
	uint32_t next_size;	/* 0: random sizes */
};

static uint8_t *mem_add(struct fake_mem *m, uint64_t phys, uint32_t size)
{
	uint8_t *buf = aligned_alloc(64, KX_ALIGN_UP(size, 64));

	CHECK(m->count < MEM_PAGES && buf);
	memset(buf, 0xa5, size);
	m->page[m->count].phys = phys;
	m->page[m->count].size = size;
	m->page[m->count].buf = buf;
	m->count++;
	return buf;
}

static void mem_free(struct fake_mem *m)
{
	for (unsigned i = 0; i < m->count; i++)
		free(m->page[i].buf);
	m->count = 0;
}

static enum kx_status mem_map(void *ctx, uint64_t phys, uint32_t len,
			      const void **out)
{
	struct fake_mem *m = ctx;

	for (unsigned i = 0; i < m->count; i++) {
		if (phys >= m->page[i].phys &&
		    phys - m->page[i].phys <= m->page[i].size &&
		    len <= m->page[i].size - (phys - m->page[i].phys)) {
			*out = m->page[i].buf + (phys - m->page[i].phys);
			return KX_OK;
		}
	}
	return KX_ERR_RANGE;
}

static enum kx_status mem_more(void *ctx, void **buf, uint32_t *size,
			       uint64_t *phys)
{
	struct fake_mem *m = ctx;
	uint32_t sz = m->next_size ? m->next_size :
		KX_SETUP_MIN_PAGE + 8 * (uint32_t)kx_rand_below(480);

	if (m->limit && m->handed_out >= m->limit)
		return KX_ERR_NO_MEMORY;
	m->handed_out++;
	*phys = 0x100000 + 0x10000ULL * m->count;
	*size = sz;
	*buf = mem_add(m, *phys, sz);
	return KX_OK;
}

#define HEAD 0x80000ULL

static struct kx_setup_header *hdr(uint8_t *p)
{
	return (struct kx_setup_header *)p;
}

/* Recomputes a page's checksum after a test altered it on purpose. */
static void reseal(uint8_t *page)
{
	hdr(page)->checksum = 0;
	hdr(page)->checksum = kx_crc32(0, page, hdr(page)->total_size);
}

static enum kx_status check1(const uint8_t *page, size_t avail,
			     struct kx_setup_fault *f)
{
	return kx_setup_check_page(page, avail, 0, f);
}

KX_TEST(abi_constants_read_in_a_hex_dump)
{
	uint32_t magic = KX_SETUP_MAGIC, seg = KX_REC_SEGMENTS;

	CHECK_MEM(&magic, "KXSP", 4);
	CHECK_MEM(&seg, "SEGM", 4);
	CHECK_EQ(sizeof(struct kx_setup_header), 64);
	CHECK_EQ(IND_DESTINATION | IND_INDIRECTION | IND_DONE | IND_SOURCE, 0xf);
}

KX_TEST(crc32_matches_the_ieee_check_value)
{
	CHECK_EQ(kx_crc32(0, "123456789", 9), 0xcbf43926);
	CHECK_EQ(kx_crc32(0, "", 0), 0);
	/* Streaming equals one shot. */
	CHECK_EQ(kx_crc32(kx_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
}

KX_TEST(status_names_and_texts_cover_every_code)
{
	for (int i = 0; i < KX_STATUS_COUNT; i++) {
		CHECK(strncmp(kx_status_name(i), "KX_", 3) == 0);
		CHECK(strcmp(kx_strerror(i), "unknown error") != 0);
	}
	CHECK(strcmp(kx_strerror(KX_STATUS_COUNT), "unknown error") == 0);
	CHECK(strcmp(kx_strerror(-1), "unknown error") == 0);
}

KX_TEST(single_page_with_every_record_type_reads_back)
{
	struct fake_mem m = { 0 };
	uint8_t *page = mem_add(&m, HEAD, 4096);
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_setup_table_view v;
	struct kx_segment seg[2] = {
		{ .dest = 0x1000000, .size = 0x800000, .kind = KX_SEG_KERNEL },
		{ .dest = 0x4000000, .size = 12345, .kind = KX_SEG_INITRD },
	};
	struct kx_backup_extent bk = { 0x1000, 0x7f000000, 0x9f };
	struct kx_mem_range mm = { 0, 0x9fc00, KX_MEM_RAM, 0 };
	uint64_t jb[2] = { 0x12345000, 42 }, elf[2] = { 0x7fff0000, 0x1000 };
	uint64_t bits[2] = { 0x5, 0x1 };
	int n = 0;

	seg[0].sha256[0] = 0xab;
	seg[1].sha256[31] = 0xcd;
	CHECK_ST(kx_setup_init(&w, page, 4096, KX_SETUP_F_CRASH), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, 2, sizeof(seg[0])), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_BACKUP, &bk, 1, sizeof(bk)), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_MEMMAP, &mm, 1, sizeof(mm)), KX_OK);
	CHECK_ST(kx_setup_add(&w, KX_REC_JUMP_BACK, jb, sizeof(jb)), KX_OK);
	CHECK_ST(kx_setup_add(&w, KX_REC_ELFCORE, elf, sizeof(elf)), KX_OK);
	CHECK_ST(kx_setup_add_cmdline(&w, "console=ttyS0 quiet"), KX_OK);
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0x100000, 0x200000, bits, 65), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);

	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	CHECK_EQ(kx_setup_flags(&r), KX_SETUP_F_CRASH);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		switch (n++) {
		case 0:
			CHECK_EQ(rec.type, KX_REC_SEGMENTS);
			CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
			CHECK_EQ(v.count, 2);
			CHECK_MEM(v.entries, seg, sizeof(seg));
			break;
		case 1:
			CHECK_EQ(rec.type, KX_REC_BACKUP);
			CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
			CHECK_MEM(v.entries, &bk, sizeof(bk));
			break;
		case 2:
			CHECK_EQ(rec.type, KX_REC_MEMMAP);
			break;
		case 3:
			CHECK_EQ(rec.type, KX_REC_JUMP_BACK);
			CHECK_MEM(rec.payload, jb, sizeof(jb));
			break;
		case 4:
			CHECK_EQ(rec.type, KX_REC_ELFCORE);
			CHECK_EQ(rec.phys, HEAD + rec.offset);
			break;
		case 5:
			CHECK_EQ(rec.type, KX_REC_CMDLINE);
			CHECK(strcmp((const char *)rec.payload, "console=ttyS0 quiet") == 0);
			break;
		case 6:
			CHECK_EQ(rec.type, KX_REC_BACKUP_BITMAP);
			CHECK_EQ(rec.payload_size, 24 + 16);
			CHECK_EQ(kx_get_le64(rec.payload + 16), 65);
			break;
		}
	}
	CHECK_EQ(n, 7);
	mem_free(&m);
}

/* Random record stream written through a random chain, read back equal. */
struct expect {
	uint32_t type;
	uint32_t len;
	uint8_t data[600];
};

static void round_trip_once(unsigned nrec)
{
	static struct expect want[200];
	static uint8_t got[200 * 600];
	struct fake_mem m = { 0 };
	uint32_t head_size = KX_SETUP_MIN_PAGE + 8 * (uint32_t)kx_rand_below(480);
	uint8_t *page = mem_add(&m, HEAD, head_size);
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	unsigned i, k = 0;
	size_t got_len = 0;

	CHECK_ST(kx_setup_init(&w, page, head_size, 0), KX_OK);
	kx_setup_set_more(&w, mem_more, &m);
	for (i = 0; i < nrec; i++) {
		struct expect *e = &want[i];

		/* Unknown types (and tables) are carried through unchanged. */
		e->type = kx_rand_below(4) == 0 ? KX_REC_SEGMENTS :
			  KX_FOURCC('T', 'S', 'T', '0' + (int)kx_rand_below(10));
		if (e->type == KX_REC_SEGMENTS) {
			uint32_t cnt = 1 + (uint32_t)kx_rand_below(10);
			e->len = cnt * sizeof(struct kx_segment);
			kx_rand_fill(e->data, e->len);
			CHECK_ST(kx_setup_add_table(&w, e->type, e->data, cnt,
						    sizeof(struct kx_segment)), KX_OK);
		} else {
			e->len = (uint32_t)kx_rand_below(180);
			kx_rand_fill(e->data, e->len);
			CHECK_ST(kx_setup_add(&w, e->type, e->data, e->len), KX_OK);
		}
	}
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);

	/* A table may arrive split over pages: concatenate same-type runs. */
	for (i = 0; i < nrec; i++) {
		const struct expect *e = &want[i];

		got_len = 0;
		do {
			CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
			CHECK_EQ(rec.type, e->type);
			if (e->type == KX_REC_SEGMENTS) {
				struct kx_setup_table_view v;
				CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
				CHECK_EQ(v.entry_size, sizeof(struct kx_segment));
				memcpy(got + got_len, v.entries, v.count * v.entry_size);
				got_len += v.count * v.entry_size;
			} else {
				memcpy(got + got_len, rec.payload, rec.payload_size);
				got_len += rec.payload_size;
			}
		} while (got_len < e->len);
		CHECK_EQ(got_len, e->len);
		CHECK_MEM(got, e->data, e->len);
		k++;
	}
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_ERR_NOT_FOUND);
	CHECK_EQ(k, nrec);
	mem_free(&m);
}

KX_TEST(round_trip_random_records_over_random_chains)
{
	for (int iter = 0; iter < 300; iter++)
		round_trip_once(1 + (unsigned)kx_rand_below(60));
}

KX_TEST(writer_without_room_refuses_and_keeps_what_it_has)
{
	struct fake_mem m = { 0 };
	uint8_t *page = mem_add(&m, HEAD, KX_SETUP_MIN_PAGE);
	uint8_t big[300] = { 0 };
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_segment segs[8];

	memset(segs, 0x11, sizeof(segs));
	CHECK_ST(kx_setup_init(&w, page, KX_SETUP_MIN_PAGE, 0), KX_OK);
	CHECK_ST(kx_setup_add_cmdline(&w, "root=/dev/vda"), KX_OK);
	/* Bigger than a whole page: refused in every case. */
	CHECK_ST(kx_setup_add(&w, KX_REC_ELFCORE, big, sizeof(big)), KX_ERR_NO_SPACE);
	/* Would need a second page, and there is no more(). */
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, segs, 8, sizeof(segs[0])),
		 KX_ERR_NO_SPACE);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_EQ(rec.type, KX_REC_CMDLINE);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_ERR_NOT_FOUND);
	mem_free(&m);
}

KX_TEST(table_is_all_or_nothing_when_continuation_fails)
{
	struct fake_mem m = { .next_size = KX_SETUP_MIN_PAGE, .limit = 2 };
	uint8_t *page = mem_add(&m, HEAD, KX_SETUP_MIN_PAGE);
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_backup_extent ext[40];
	unsigned recs = 0;

	for (unsigned i = 0; i < 40; i++)
		ext[i] = (struct kx_backup_extent){ i << 12, (i + 100) << 12, 1 };
	CHECK_ST(kx_setup_init(&w, page, KX_SETUP_MIN_PAGE, 0), KX_OK);
	kx_setup_set_more(&w, mem_more, &m);
	CHECK_ST(kx_setup_add_cmdline(&w, "a"), KX_OK);
	/* 40 extents need 5 pages of 256 bytes; the pool gives two. */
	CHECK_ST(kx_setup_add_table(&w, KX_REC_BACKUP, ext, 40, sizeof(ext[0])),
		 KX_ERR_NO_MEMORY);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_BACKUP, ext, 3, sizeof(ext[0])), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		struct kx_setup_table_view v;

		recs++;
		if (rec.type == KX_REC_BACKUP) {
			CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
			CHECK_EQ(v.count, 3);	/* only the second table */
		}
	}
	CHECK_EQ(recs, 2);
	mem_free(&m);
}

KX_TEST(bitmap_split_over_pages_keeps_store_addresses)
{
	struct fake_mem m = { .next_size = KX_SETUP_MIN_PAGE };
	uint8_t *page = mem_add(&m, HEAD, KX_SETUP_MIN_PAGE);
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	uint64_t bits[100], pages = 100 * 64 - 7, seen = 0, stored = 0;
	uint64_t expect_orig = 0x40000000, expect_store = 0x80000000;
	unsigned word = 0, nrec = 0;

	kx_rand_fill(bits, sizeof(bits));
	bits[99] &= (1ULL << 57) - 1;	/* only bits for real pages */
	CHECK_ST(kx_setup_init(&w, page, KX_SETUP_MIN_PAGE, 0), KX_OK);
	kx_setup_set_more(&w, mem_more, &m);
	CHECK_ST(kx_setup_add_backup_bitmap(&w, expect_orig, expect_store, bits, pages),
		 KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		uint64_t n = kx_get_le64(rec.payload + 16);

		CHECK_EQ(rec.type, KX_REC_BACKUP_BITMAP);
		CHECK_EQ(kx_get_le64(rec.payload), expect_orig);
		CHECK_EQ(kx_get_le64(rec.payload + 8), expect_store);
		for (uint64_t i = 0; i < (n + 63) / 64; i++, word++) {
			uint64_t b = kx_get_le64(rec.payload + 24 + 8 * i);
			CHECK_EQ(b, bits[word]);
			stored += (uint64_t)__builtin_popcountll(b);
		}
		seen += n;
		expect_orig += n * 4096;
		expect_store = 0x80000000 + stored * 4096;
		nrec++;
	}
	CHECK_EQ(seen, pages);
	CHECK(nrec > 1);
	mem_free(&m);
}

/* A fresh single page with one cmdline record, for the fault tests. */
static uint8_t *good_page(struct fake_mem *m)
{
	uint8_t *page = mem_add(m, HEAD, 512);
	struct kx_setup_writer w;

	CHECK_ST(kx_setup_init(&w, page, 512, 0), KX_OK);
	CHECK_ST(kx_setup_add_cmdline(&w, "quiet"), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	return page;
}

KX_TEST(reader_names_each_header_fault_and_its_offset)
{
	struct {
		uint32_t off, val, width;
		enum kx_status want;
		int reseal;
	} cases[] = {
		{ 0x00, 0x12345678, 4, KX_ERR_MAGIC, 1 },
		{ 0x04, 2, 2, KX_ERR_VERSION, 1 },
		{ 0x08, 56, 4, KX_ERR_HEADER_SIZE, 1 },
		{ 0x08, 72, 4, KX_ERR_HEADER_SIZE, 1 },	/* v1.0 says 64 */
		{ 0x10, 128, 4, KX_ERR_PAGE_SIZE, 1 },
		{ 0x10, 72, 4, KX_ERR_PAGE_SIZE, 1 },
		{ 0x0c, 520, 4, KX_ERR_TOTAL_SIZE, 0 },
		{ 0x0c, 60, 4, KX_ERR_TOTAL_SIZE, 0 },
		{ 0x18, 0xdeadbeef, 4, KX_ERR_CHECKSUM, 0 },
		{ 0x18, 0, 4, KX_ERR_CHECKSUM, 0 },
		{ 0x30, 1, 4, KX_ERR_RESERVED, 1 },
		{ 0x20, 0x1004, 4, KX_ERR_ALIGN, 1 },
	};

	for (unsigned i = 0; i < KX_ARRAY_SIZE(cases); i++) {
		struct fake_mem m = { 0 };
		uint8_t *page = good_page(&m);
		struct kx_setup_fault f = { 0 };

		memcpy(page + cases[i].off, &cases[i].val, cases[i].width);
		if (cases[i].reseal)
			reseal(page);
		CHECK_ST(check1(page, 512, &f), cases[i].want);
		CHECK_EQ(f.status, cases[i].want);
		CHECK_EQ(f.offset, cases[i].off);
		mem_free(&m);
	}
}

KX_TEST(reader_refuses_bad_records_with_their_offset)
{
	struct fake_mem m = { 0 };
	uint8_t *page;
	struct kx_setup_fault f;
	uint32_t total;

	/* Record size below its header. */
	page = good_page(&m);
	kx_put_le32(page + 64 + 4, 4);
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_RECORD_SIZE);
	CHECK_EQ(f.offset, 68);
	mem_free(&m);

	/* Record running past total_size. */
	page = good_page(&m);
	kx_put_le32(page + 64 + 4, 400);
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_RECORD_BOUNDS);
	CHECK_EQ(f.offset, 68);
	mem_free(&m);

	/* END replaced by an unknown record: the page has no end. */
	page = good_page(&m);
	total = hdr(page)->total_size;
	kx_put_le32(page + total - 8, KX_FOURCC('X', 'X', 'X', 'X'));
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_NO_END);
	CHECK_EQ(f.offset, total);
	mem_free(&m);

	/* END before total_size. */
	page = good_page(&m);
	kx_put_le32(page + 64, KX_REC_END);
	kx_put_le32(page + 68, 8);
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_NO_END);
	CHECK_EQ(f.offset, 64);
	mem_free(&m);

	/* Command line without its NUL. */
	page = good_page(&m);
	page[64 + 8 + 5] = 'x';
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_STRING);
	CHECK_EQ(f.offset, 64 + 8 + 5);
	mem_free(&m);

	/* Fewer bytes readable than total_size says. */
	page = good_page(&m);
	CHECK_ST(check1(page, hdr(page)->total_size - 1, &f), KX_ERR_TRUNCATED);
	CHECK_ST(check1(page, 63, &f), KX_ERR_TRUNCATED);
	mem_free(&m);
}

KX_TEST(reader_checks_tables)
{
	struct fake_mem m = { 0 };
	uint8_t *page = mem_add(&m, HEAD, 512);
	struct kx_setup_writer w;
	struct kx_setup_fault f;
	struct kx_mem_range mm[2] = { { 0, 4096, KX_MEM_RAM, 0 }, { 4096, 4096, 2, 0 } };

	CHECK_ST(kx_setup_init(&w, page, 512, 0), KX_OK);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_MEMMAP, mm, 2, sizeof(mm[0])), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(check1(page, 512, 0), KX_OK);

	kx_put_le32(page + 64 + 8, 3);		/* count */
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_TABLE);
	CHECK_EQ(f.offset, 64 + 8);
	kx_put_le32(page + 64 + 8, 2);
	kx_put_le32(page + 64 + 12, 12);	/* entry_size */
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_TABLE);
	CHECK_EQ(f.offset, 64 + 12);
	kx_put_le32(page + 64 + 12, 24);
	kx_put_le32(page + 64 + 16 + 24 + 20, 1);	/* attr of entry 1 */
	reseal(page);
	CHECK_ST(check1(page, 512, &f), KX_ERR_RESERVED);
	CHECK_EQ(f.offset, 64 + 16 + 24 + 20);
	mem_free(&m);
}

/* A page holding one bitmap record written by hand (the writer refuses
 * these): orig_base, store_base, pages and `words` words of bits. */
static uint8_t *bitmap_page(struct fake_mem *m, uint64_t orig, uint64_t store,
			    uint64_t pages, const uint64_t *bits, uint32_t words)
{
	uint8_t *page = good_page(m);
	uint32_t rec = 64, size = 32 + 8 * words;

	kx_put_le32(page + rec, KX_REC_BACKUP_BITMAP);
	kx_put_le32(page + rec + 4, size);
	kx_put_le64(page + rec + 8, orig);
	kx_put_le64(page + rec + 16, store);
	kx_put_le64(page + rec + 24, pages);
	for (uint32_t i = 0; i < words; i++)
		kx_put_le64(page + rec + 32 + 8 * i, bits[i]);
	kx_put_le32(page + rec + size, KX_REC_END);
	kx_put_le32(page + rec + size + 4, 8);
	hdr(page)->total_size = rec + size + 8;
	reseal(page);
	return page;
}

KX_TEST(bitmap_word_count_cannot_wrap_and_spare_bits_are_zero)
{
	struct fake_mem m = { 0 };
	struct kx_setup_fault f;
	uint64_t bits[2] = { 0x5, 0x1 };
	uint8_t *page;

	/* The hand-made record is valid as such. */
	page = bitmap_page(&m, 0x100000, 0x200000, 65, bits, 2);
	CHECK_ST(check1(page, 512, &f), KX_OK);
	mem_free(&m);

	/* No words and 2^64 - 63 pages: (pages + 63) / 64 wraps to 0. */
	page = bitmap_page(&m, 0x100000, 0x200000, UINT64_MAX - 62, bits, 0);
	CHECK_ST(check1(page, 512, &f), KX_ERR_TABLE);
	CHECK_EQ(f.offset, 64 + 24);
	mem_free(&m);
	page = bitmap_page(&m, 0x100000, 0x200000, UINT64_MAX, bits, 0);
	CHECK_ST(check1(page, 512, &f), KX_ERR_TABLE);
	mem_free(&m);

	/* 1 page, but bit 6 of the only word set ("64 of 1 displaced"). */
	bits[0] = 0x40;
	page = bitmap_page(&m, 0x100000, 0x200000, 1, bits, 1);
	CHECK_ST(check1(page, 512, &f), KX_ERR_TABLE);
	CHECK_EQ(f.offset, 64 + 32);
	mem_free(&m);
	bits[0] = 0x5;
	bits[1] = 0x2;		/* page 65 of 65 */
	page = bitmap_page(&m, 0x100000, 0x200000, 65, bits, 2);
	CHECK_ST(check1(page, 512, &f), KX_ERR_TABLE);
	CHECK_EQ(f.offset, 64 + 40);
	mem_free(&m);

	/* Original range or store running past 2^64 (ending at it is fine). */
	bits[1] = 0x1;
	page = bitmap_page(&m, 0ULL - 65 * 4096, 0x200000, 65, bits, 2);
	CHECK_ST(check1(page, 512, &f), KX_OK);
	mem_free(&m);
	page = bitmap_page(&m, 0ULL - 64 * 4096, 0x200000, 65, bits, 2);
	CHECK_ST(check1(page, 512, &f), KX_ERR_RANGE);
	CHECK_EQ(f.offset, 64 + 8);
	mem_free(&m);
	page = bitmap_page(&m, 0x100000, 0ULL - 2 * 4096, 65, bits, 2);
	CHECK_ST(check1(page, 512, &f), KX_ERR_RANGE);
	CHECK_EQ(f.offset, 64 + 16);
	mem_free(&m);
}

KX_TEST(bitmap_writer_refuses_what_the_reader_would)
{
	struct fake_mem m = { 0 };
	uint8_t *page = mem_add(&m, HEAD, 512);
	struct kx_setup_writer w;
	struct kx_setup_fault f;
	uint64_t bits[2] = { 0x5, 0x1 };
	uint32_t used;

	CHECK_ST(kx_setup_init(&w, page, 512, 0), KX_OK);
	used = w.used;
	/* Counts no chain can hold, with or without the wrap. */
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0x100000, 0x200000, bits,
					    UINT64_MAX - 62), KX_ERR_RANGE);
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0x100000, 0x200000, bits,
					    UINT64_MAX), KX_ERR_RANGE);
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0x100000, 0x200000, bits,
					    64ULL * 65536 * 8), KX_ERR_RANGE);
	/* Bits past `pages`. */
	bits[1] = 0x2;
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0x100000, 0x200000, bits, 65),
		 KX_ERR_INVAL);
	bits[1] = 0x1;
	/* Ranges past 2^64. */
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0ULL - 64 * 4096, 0x200000, bits, 65),
		 KX_ERR_RANGE);
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0x100000, 0ULL - 2 * 4096, bits, 65),
		 KX_ERR_RANGE);
	CHECK_EQ(w.used, used);
	/* Ending exactly at 2^64 is allowed. */
	CHECK_ST(kx_setup_add_backup_bitmap(&w, 0ULL - 65 * 4096, 0ULL - 3 * 4096,
					    bits, 65), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(check1(page, 512, &f), KX_OK);
	mem_free(&m);
}

/* The writer never writes what its reader refuses. */
KX_TEST(writer_refuses_records_the_reader_would)
{
	struct fake_mem m = { 0 };
	uint8_t *page = mem_add(&m, HEAD, 512);
	struct kx_setup_writer w;
	struct kx_setup_fault f;
	struct kx_mem_range mm = { 0, 4096, KX_MEM_RAM, 1 };
	uint64_t seg[2] = { 0x1000, 0x1000 }, elf[3] = { 1, 2, 3 };
	uint32_t used;

	CHECK_ST(kx_setup_init(&w, page, 512, 0), KX_OK);
	CHECK_ST(kx_setup_add_cmdline(&w, "quiet"), KX_OK);
	used = w.used;
	CHECK_ST(kx_setup_add(&w, KX_REC_CMDLINE, "ab", 2), KX_ERR_STRING);
	CHECK_ST(kx_setup_add(&w, KX_REC_CMDLINE, "a\0b", 4), KX_ERR_STRING);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, 1, sizeof(seg)),
		 KX_ERR_TABLE);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_MEMMAP, &mm, 1, sizeof(mm)),
		 KX_ERR_RESERVED);
	CHECK_ST(kx_setup_add(&w, KX_REC_ELFCORE, elf, sizeof(elf)),
		 KX_ERR_RECORD_SIZE);
	CHECK_EQ(w.used, used);
	mm.attr = 0;
	CHECK_ST(kx_setup_add_table(&w, KX_REC_MEMMAP, &mm, 1, sizeof(mm)), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_ST(check1(page, 512, &f), KX_OK);
	mem_free(&m);
}

KX_TEST(newer_minor_with_bigger_header_and_entries_is_read)
{
	/* A page as minor 7 might write it: 80-byte header, 64-byte segment
	 * entries, an unknown record; hand-made, not by our writer. */
	uint8_t page[512] = { 0 };
	struct kx_setup_header *h = (void *)page;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_setup_table_view v;
	struct fake_mem m = { 0 };
	uint8_t *copy;
	uint32_t off = 80;

	h->magic = KX_SETUP_MAGIC;
	h->version_major = 1;
	h->version_minor = 7;
	h->header_size = 80;
	h->page_size = 512;
	h->reserved[0] = 0x77;	/* used by minor 7 */
	kx_put_le32(page + off, KX_FOURCC('N', 'E', 'W', '!'));
	kx_put_le32(page + off + 4, 13);
	off += 16;
	kx_put_le32(page + off, KX_REC_SEGMENTS);
	kx_put_le32(page + off + 4, 16 + 64);
	kx_put_le32(page + off + 8, 1);
	kx_put_le32(page + off + 12, 64);
	kx_put_le64(page + off + 16, 0x2000000);
	off += 80;
	kx_put_le32(page + off, KX_REC_END);
	kx_put_le32(page + off + 4, 8);
	h->total_size = off + 8;
	reseal(page);

	copy = mem_add(&m, HEAD, 512);
	memcpy(copy, page, 512);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	CHECK_EQ(kx_setup_minor(&r), 7);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_EQ(rec.type, KX_FOURCC('N', 'E', 'W', '!'));
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
	CHECK_EQ(v.entry_size, 64);
	CHECK_EQ(kx_get_le64(v.entries), 0x2000000);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_ERR_NOT_FOUND);

	/* The same page claiming minor 0 must be exact and is refused. */
	hdr(copy)->version_minor = 0;
	reseal(copy);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_ERR_HEADER_SIZE);
	mem_free(&m);
}

/* Builds a chain of n pages of 256 bytes, each with a cmdline record. */
static void make_chain(struct fake_mem *m, unsigned n)
{
	uint8_t *page = mem_add(m, HEAD, KX_SETUP_MIN_PAGE);
	struct kx_setup_writer w;
	char text[150];

	m->next_size = KX_SETUP_MIN_PAGE;
	memset(text, 'c', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	CHECK_ST(kx_setup_init(&w, page, KX_SETUP_MIN_PAGE, KX_SETUP_F_SWAP), KX_OK);
	kx_setup_set_more(&w, mem_more, m);
	for (unsigned i = 0; i < n; i++)
		CHECK_ST(kx_setup_add_cmdline(&w, text), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK_EQ(m->count, n);
}

KX_TEST(chain_faults_are_named)
{
	struct fake_mem m = { 0 };
	struct kx_setup_reader r;
	struct kx_setup_fault f;

	/* Loop: the last page points back at the head. */
	make_chain(&m, 4);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	hdr(m.page[3].buf)->next_page = HEAD;
	reseal(m.page[3].buf);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_ERR_CHAIN_LOOP);
	CHECK_EQ(f.page, 3);
	CHECK_EQ(f.offset, 0x20);
	/* Sequence out of order (a stale page spliced in). */
	hdr(m.page[3].buf)->next_page = 0;
	hdr(m.page[2].buf)->sequence = 5;
	reseal(m.page[3].buf);
	reseal(m.page[2].buf);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_ERR_CHAIN_LOOP);
	CHECK_EQ(f.page, 2);
	hdr(m.page[2].buf)->sequence = 2;
	hdr(m.page[2].buf)->flags = 0;
	reseal(m.page[2].buf);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_ERR_CHAIN_FLAGS);
	hdr(m.page[2].buf)->flags = KX_SETUP_F_SWAP;
	hdr(m.page[2].buf)->next_page = 0x7770000;	/* nothing there */
	reseal(m.page[2].buf);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_ERR_CHAIN_MAP);
	CHECK_EQ(f.phys, 0x7770000);
	CHECK_ST(f.cause, KX_ERR_RANGE);	/* what mem_map said */
	/* The head itself unreadable. */
	CHECK_ST(kx_setup_open(&r, 0x5550000, mem_map, &m, &f), KX_ERR_CHAIN_MAP);
	mem_free(&m);
}

KX_TEST(chain_longer_than_the_bound_is_refused)
{
	struct fake_mem m = { 0 };
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_writer w;

	make_chain(&m, KX_SETUP_MAX_CHAIN);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	/* The writer will not go past the bound either. */
	w.page = m.page[m.count - 1].buf;
	mem_free(&m);
	{
		uint8_t *page = mem_add(&m, HEAD, KX_SETUP_MIN_PAGE);
		enum kx_status st = KX_OK;
		char text[150];

		m.next_size = KX_SETUP_MIN_PAGE;
		memset(text, 'c', sizeof(text) - 1);
		text[sizeof(text) - 1] = 0;
		CHECK_ST(kx_setup_init(&w, page, KX_SETUP_MIN_PAGE, 0), KX_OK);
		kx_setup_set_more(&w, mem_more, &m);
		for (unsigned i = 0; i <= KX_SETUP_MAX_CHAIN && st == KX_OK; i++)
			st = kx_setup_add_cmdline(&w, text);
		CHECK_ST(st, KX_ERR_CHAIN_LENGTH);
		CHECK_ST(kx_setup_finish(&w), KX_OK);
		CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	}
	/* Splice an extra, valid-looking page after the 64th: refused. */
	{
		uint8_t *last = m.page[KX_SETUP_MAX_CHAIN - 1].buf;
		uint8_t *extra = mem_add(&m, 0x9990000, KX_SETUP_MIN_PAGE);

		memcpy(extra, last, KX_SETUP_MIN_PAGE);
		hdr(extra)->sequence = KX_SETUP_MAX_CHAIN;
		reseal(extra);
		hdr(last)->next_page = 0x9990000;
		reseal(last);
		CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_ERR_CHAIN_LENGTH);
		CHECK_EQ(f.page, KX_SETUP_MAX_CHAIN - 1);
	}
	mem_free(&m);
}

KX_TEST(next_stops_if_memory_changes_after_open)
{
	struct fake_mem m = { 0 };
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;

	make_chain(&m, 3);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	m.page[1].buf[100] ^= 1;
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_OK);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_ERR_CHECKSUM);
	CHECK_EQ(f.page, 1);
	CHECK_ST(kx_setup_next(&r, &rec, &f), KX_ERR_NOT_FOUND);
	mem_free(&m);
}

KX_TEST(cmdline_token_last_one_wins_and_bad_ones_are_refused)
{
	uint64_t v = 0;
	const char *s = "console=ttyS0 kx_setup=0x1000 quiet kx_setup=0xABCdef000";

	CHECK_ST(kx_setup_find_token(s, strlen(s), &v), KX_OK);
	CHECK_EQ(v, 0xabcdef000ULL);
	CHECK_ST(kx_setup_find_token("kx_setup=0x7f000\n", 17, &v), KX_OK);
	CHECK_EQ(v, 0x7f000);
	CHECK_ST(kx_setup_find_token("xkx_setup=0x1000", 16, &v), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_setup_find_token("kx_setup=0x", 11, &v), KX_ERR_FORMAT);
	CHECK_ST(kx_setup_find_token("kx_setup=0x12g4", 15, &v), KX_ERR_FORMAT);
	CHECK_ST(kx_setup_find_token("kx_setup=4096", 13, &v), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_setup_find_token("kx_setup=0x11112222333344445", 28, &v),
		 KX_ERR_RANGE);
	/* Bounded by len, not by the NUL. */
	CHECK_ST(kx_setup_find_token("kx_setup=0x1000", 8, &v), KX_ERR_NOT_FOUND);
	CHECK_ST(kx_setup_find_token("kx_setup=0x1000", 12, &v), KX_OK);
	CHECK_EQ(v, 1);
}

KX_TEST(cmdline_token_malformed_ones_do_not_hide_the_last_good_one)
{
	uint64_t v = 0;
	const char *s = "kx_setup=0x1000 kx_setup=0xzz kx_setup=0x2000 kx_setup=0x";
	const char *t = "quiet\tkx_setup=0x3000\tkx_setup=0x11112222333344445";

	/* The loader's own token after a bad one still counts. */
	CHECK_ST(kx_setup_find_token(s, strlen(s), &v), KX_OK);
	CHECK_EQ(v, 0x2000);
	/* Tabs separate words, both before and after a token. */
	CHECK_ST(kx_setup_find_token(t, strlen(t), &v), KX_OK);
	CHECK_EQ(v, 0x3000);
	CHECK_ST(kx_setup_find_token("a\tkx_setup=0x5000\tb", 19, &v), KX_OK);
	CHECK_EQ(v, 0x5000);
	/* Only malformed ones: the first one's error. */
	CHECK_ST(kx_setup_find_token("kx_setup=0x1x kx_setup=0x11112222333344445",
				     42, &v), KX_ERR_FORMAT);
	/* A bad token's tail is not a token of its own. */
	CHECK_ST(kx_setup_find_token("kx_setup=0xkx_setup=0x1000", 26, &v),
		 KX_ERR_FORMAT);
}

KX_TEST(reseal_after_marking_segments_verified)
{
	struct fake_mem m = { 0 };
	uint8_t *page = mem_add(&m, HEAD, KX_SETUP_MIN_PAGE);
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_segment seg[4] = { { .dest = 0x1000, .size = 1 } };

	m.next_size = KX_SETUP_MIN_PAGE;
	CHECK_ST(kx_setup_init(&w, page, KX_SETUP_MIN_PAGE, 0), KX_OK);
	kx_setup_set_more(&w, mem_more, &m);
	CHECK_ST(kx_setup_add_table(&w, KX_REC_SEGMENTS, seg, 4, sizeof(seg[0])), KX_OK);
	CHECK_ST(kx_setup_finish(&w), KX_OK);
	CHECK(m.count > 1);	/* the table spans a chain */
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		struct kx_setup_table_view v;
		CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
		for (uint32_t i = 0; i < v.count; i++)
			((uint8_t *)(uintptr_t)v.entries)[i * v.entry_size + 0x34] |= KX_SEG_F_VERIFIED;
	}
	/* Changed but not resealed: refused; resealed: valid again. */
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_ERR_CHECKSUM);
	r.map = mem_map;
	r.ctx = &m;
	r.head_phys = HEAD;
	CHECK_ST(kx_setup_reseal(&r), KX_OK);
	CHECK_ST(kx_setup_open(&r, HEAD, mem_map, &m, &f), KX_OK);
	while (kx_setup_next(&r, &rec, &f) == KX_OK)
		CHECK_EQ(kx_get_le32(rec.payload + 8 + 0x34) & KX_SEG_F_VERIFIED, 1);
	mem_free(&m);
}

KX_TEST(newer_minor_header_size_cannot_wrap_the_bounds)
{
	/* header_size + 8 wrapping to 0 once let total_size 0 through. */
	uint8_t page[KX_SETUP_MIN_PAGE] = { 0 };
	struct kx_setup_header *h = (void *)page;
	struct kx_setup_fault f;

	h->magic = KX_SETUP_MAGIC;
	h->version_major = 1;
	h->version_minor = 4;
	h->header_size = 0xfffffff8;
	h->page_size = KX_SETUP_MIN_PAGE;
	h->total_size = 0;
	CHECK_ST(check1(page, sizeof(page), &f), KX_ERR_HEADER_SIZE);
	h->header_size = 128;
	CHECK_ST(check1(page, sizeof(page), &f), KX_ERR_TOTAL_SIZE);
}

/* The identity map of this process: physical addresses are pointers. */
static enum kx_status ident_map(void *ctx, uint64_t phys, uint32_t len,
				const void **out)
{
	(void)ctx;
	(void)len;
	*out = (const void *)(uintptr_t)phys;
	return KX_OK;
}

#define MANY_SEGS 150	/* > kxboot's former silent cap of 8, > 2 pages */

KX_TEST(setup_write_describes_every_segment_over_several_pages)
{
	static uint8_t area[4][KX_POOL_PAGE_SIZE] __attribute__((aligned(4096)));
	static struct kx_segment segs[MANY_SEGS];
	struct kx_page_pool pool = { area, (uintptr_t)area, 4, 0 };
	struct kx_mem_range mm[3] = {
		{ 0, 0x9f000, KX_MEM_RAM, 0 }, { 0x100000, 0x7ff00000, KX_MEM_RAM, 0 },
		{ 0xfec00000, 0x1000, KX_MEM_RESERVED, 0 },
	};
	struct kx_setup_content c = {
		.flags = KX_SETUP_F_CRASH, .segs = segs, .nsegs = MANY_SEGS,
		.memmap = mm, .nmemmap = 3, .elfcore = 0x7000000,
		.elfcore_size = 0x2000, .cmdline = "console=ttyS0",
	};
	static const uint32_t order[] = { KX_REC_SEGMENTS, KX_REC_ELFCORE,
					  KX_REC_MEMMAP, KX_REC_CMDLINE };
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_table_view v;
	struct kx_setup_fault f;
	uint64_t head = 0;
	unsigned seen = 0, step = 0, pages = 0;

	for (unsigned i = 0; i < MANY_SEGS; i++) {
		segs[i].dest = 0x1000000 + (uint64_t)i * 0x10000;
		segs[i].size = 0x1000 * (i + 1);
		segs[i].kind = i % 8;
		memset(segs[i].sha256, i, sizeof(segs[i].sha256));
	}
	CHECK_ST(kx_setup_write(&c, kx_page_pool_alloc, &pool, &head), KX_OK);
	CHECK_EQ(head, (uintptr_t)area[0]);
	CHECK_ST(kx_setup_open(&r, head, ident_map, 0, &f), KX_OK);
	CHECK_EQ(kx_setup_flags(&r), KX_SETUP_F_CRASH);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		/* The records in the documented order, SEGM split as needed. */
		while (step < KX_ARRAY_SIZE(order) && order[step] != rec.type)
			step++;
		CHECK(step < KX_ARRAY_SIZE(order));
		pages = rec.page + 1;
		if (rec.type != KX_REC_SEGMENTS)
			continue;
		CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
		for (uint32_t i = 0; i < v.count; i++, seen++)
			CHECK_MEM(v.entries + (size_t)i * v.entry_size, &segs[seen],
				  sizeof(segs[0]));
	}
	CHECK_EQ(seen, MANY_SEGS);
	CHECK_EQ(step, KX_ARRAY_SIZE(order) - 1);
	CHECK_EQ(pages, 3);
	CHECK_EQ(pool.used, 3);

	/* A pool too small: refused, and the head no longer reads as a
	 * setup page; head_phys untouched. */
	pool = (struct kx_page_pool){ area, (uintptr_t)area, 2, 0 };
	head = 1;
	CHECK_ST(kx_setup_write(&c, kx_page_pool_alloc, &pool, &head), KX_ERR_NO_MEMORY);
	CHECK_EQ(head, 1);
	CHECK_ST(kx_setup_open(&r, (uintptr_t)area[0], ident_map, 0, &f), KX_ERR_MAGIC);
	/* A count without its array. */
	c.segs = 0;
	pool.used = 0;
	CHECK_ST(kx_setup_write(&c, kx_page_pool_alloc, &pool, &head), KX_ERR_INVAL);
	CHECK_EQ(pool.used, 0);
}

KX_TEST(setup_write_swap_content_always_has_a_backup_table)
{
	static uint8_t area[1][KX_POOL_PAGE_SIZE] __attribute__((aligned(4096)));
	struct kx_page_pool pool = { area, (uintptr_t)area, 1, 0 };
	struct kx_segment s = { 0x100000, 0x1000, { 0 }, KX_SEG_KERNEL, 0 };
	struct kx_setup_content c = {
		.flags = KX_SETUP_F_SWAP, .segs = &s, .nsegs = 1,
		.jump_back = 0x5000,
	};
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	struct kx_setup_table_view v;
	struct kx_setup_fault f;
	uint64_t head;
	unsigned bkex = 0;

	CHECK_ST(kx_setup_write(&c, kx_page_pool_alloc, &pool, &head), KX_OK);
	CHECK_ST(kx_setup_open(&r, head, ident_map, 0, &f), KX_OK);
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		if (rec.type != KX_REC_BACKUP)
			continue;
		CHECK_ST(kx_setup_table(&rec, &v), KX_OK);
		CHECK_EQ(v.count, 0);
		bkex++;
	}
	CHECK_EQ(bkex, 1);
	/* Swap mode without a segment to verify is refused. */
	c.nsegs = 0;
	pool.used = 0;
	CHECK_ST(kx_setup_write(&c, kx_page_pool_alloc, &pool, &head), KX_ERR_INVAL);
}

KX_TEST(segment_kind_names_come_from_one_table)
{
	CHECK(!strcmp(kx_segment_kind(KX_SEG_OTHER), "other"));
	CHECK(!strcmp(kx_segment_kind(KX_SEG_KERNEL), "kernel"));
	CHECK(!strcmp(kx_segment_kind(KX_SEG_BOOT_PARAMS), "boot_params"));
	CHECK(!strcmp(kx_segment_kind(KX_SEG_ELFCORE), "elfcore"));
	/* A kind this reader does not know is not "other". */
	CHECK(!strcmp(kx_segment_kind(KX_SEG_ELFCORE + 1), "unknown"));
	CHECK(!strcmp(kx_segment_kind(0xffffffffu), "unknown"));
}

KX_TEST(page_pool_hands_out_consecutive_pages_and_runs_out)
{
	static uint8_t area[2][KX_POOL_PAGE_SIZE] __attribute__((aligned(4096)));
	struct kx_page_pool pool = { area, 0x40000000, 2, 0 };
	void *page;
	uint64_t phys;

	CHECK_ST(kx_page_pool_alloc(&pool, &page, &phys), KX_OK);
	CHECK(page == area[0] && phys == 0x40000000);
	CHECK_ST(kx_page_pool_alloc(&pool, &page, &phys), KX_OK);
	CHECK(page == area[1] && phys == 0x40001000);
	CHECK_ST(kx_page_pool_alloc(&pool, &page, &phys), KX_ERR_NO_MEMORY);
	CHECK_ST(kx_page_pool_alloc(0, &page, &phys), KX_ERR_NO_MEMORY);
}

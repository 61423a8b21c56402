/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the setup-page writer: the input is a script of
 * adds (records, tables, command lines, backup bitmaps) written through a
 * chain of pages whose sizes the input chooses.  Oracle: every add either
 * succeeds or leaves nothing; the refusals the arguments alone decide are
 * recomputed in 128-bit arithmetic (bitmap words, ranges past 2^64); the
 * finished chain opens, and reading it back gives exactly the successful
 * adds, tables and bitmaps reassembled from their split records (each
 * chunk's orig_base and store_base recomputed).
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <kx/compiler.h>
#include <kx/setup_page.h>
#include "fuzz_script.h"

#define MAX_OPS 48
#define PAGE_MAX KX_SETUP_MAX_PAGE
#define BITS_MAX 4096		/* words the script may hand the writer */
/* Most bitmap words a chain of the largest pages holds (the writer's bound). */
#define CHAIN_WORDS ((unsigned __int128)KX_SETUP_MAX_CHAIN * \
	((PAGE_MAX - KX_SETUP_HEADER_SIZE - 8 - 32) / 8))

/* Copies len bytes of input (repeated; zeros once it runs out). */
static void fill(struct src *s, void *dst, size_t len)
{
	uint8_t *d = dst;

	for (size_t i = 0; i < len; i++)
		d[i] = s->n ? s->p[i % s->n] : 0;
	s->p += len < s->n ? len : s->n;
	s->n -= len < s->n ? len : s->n;
}

/* The chain: the head and the continuation pages the writer asked for. */
static uint8_t mem[KX_SETUP_MAX_CHAIN][PAGE_MAX] __attribute__((aligned(64)));
struct chain {
	uint32_t size[KX_SETUP_MAX_CHAIN];
	unsigned pages;
	struct src *s;
};

static uint32_t page_size_of(uint8_t b)
{
	return b >= 250 ? PAGE_MAX : KX_SETUP_MIN_PAGE + 8 * (uint32_t)b;
}

static enum kx_status more(void *ctx, void **buf, uint32_t *size, uint64_t *phys)
{
	struct chain *c = ctx;

	if (c->pages >= KX_SETUP_MAX_CHAIN)
		return KX_ERR_NO_MEMORY;
	c->size[c->pages] = page_size_of((uint8_t)get(c->s, 1));
	*buf = mem[c->pages];
	*size = c->size[c->pages];
	*phys = (uintptr_t)mem[c->pages];
	c->pages++;
	return KX_OK;
}

static enum kx_status map(void *ctx, uint64_t phys, uint32_t len, const void **out)
{
	struct chain *c = ctx;

	for (unsigned i = 0; i < c->pages; i++) {
		uint64_t base = (uintptr_t)mem[i];

		if (phys >= base && phys - base <= c->size[i] &&
		    len <= c->size[i] - (phys - base)) {
			*out = mem[i] + (phys - base);
			return KX_OK;
		}
	}
	return KX_ERR_RANGE;
}

/* What the script wrote, for the read-back. */
struct op {
	uint32_t kind, type, count, esize;
	uint64_t orig, store, pages;
	const uint8_t *data;	/* into `store_bytes` */
	uint32_t len;
};
static uint8_t store_bytes[MAX_OPS][8192];
static uint64_t bits[BITS_MAX];

static uint32_t popcount(uint64_t v)
{
	return (uint32_t)__builtin_popcountll(v);
}

/*
 * The bitmap refusal the arguments alone decide, KX_OK when they allow it,
 * or KX_ERR_UNSUPPORTED when it depends on more bits than the script has
 * (a count no refusal catches first: not tried).
 */
static enum kx_status bitmap_verdict(const struct op *o, const uint64_t *b)
{
	u128 words = ((u128)o->pages + 63) / 64, stored = 0;

	if ((o->orig | o->store) & (KX_PAGE_SIZE - 1))
		return KX_ERR_INVAL;
	if (words > CHAIN_WORDS || (u128)o->orig + (u128)o->pages * KX_PAGE_SIZE > ((u128)1 << 64))
		return KX_ERR_RANGE;
	if (words > BITS_MAX)
		return KX_ERR_UNSUPPORTED;
	if (o->pages % 64 && b[words - 1] >> (o->pages % 64))
		return KX_ERR_INVAL;
	for (u128 i = 0; i < words; i++)
		stored += popcount(b[i]);
	if ((u128)o->store + stored * KX_PAGE_SIZE > ((u128)1 << 64))
		return KX_ERR_RANGE;
	return KX_OK;
}

static enum kx_status run_op(struct kx_setup_writer *w, struct op *o,
			     struct src *s, unsigned i)
{
	static const uint32_t table_types[] = { KX_REC_SEGMENTS, KX_REC_BACKUP,
		KX_REC_MEMMAP, KX_FOURCC('X', 'T', 'B', 'L') };
	enum kx_status st, want;

	switch (o->kind) {
	case 0:	/* a record of any type but END */
		o->type = (uint32_t)get(s, 4);
		if (o->type == KX_REC_END)
			o->type = KX_FOURCC('X', 'R', 'E', 'C');
		o->len = (uint32_t)get(s, 2) % sizeof(store_bytes[0]);
		fill(s, store_bytes[i], o->len);
		o->data = store_bytes[i];
		return kx_setup_add(w, o->type, o->data, o->len);
	case 1:	/* a table, split over pages as needed */
		o->type = table_types[get(s, 1) % 4];
		o->esize = 8 * (1 + (uint32_t)get(s, 1) % 16);
		o->count = (uint32_t)get(s, 2) % (sizeof(store_bytes[0]) / o->esize + 1);
		fill(s, store_bytes[i], (size_t)o->count * o->esize);
		o->data = store_bytes[i];
		return kx_setup_add_table(w, o->type, o->data, o->count, o->esize);
	case 2:	/* a command line */
		o->type = KX_REC_CMDLINE;
		o->len = (uint32_t)get(s, 2) % 600;
		fill(s, store_bytes[i], o->len);
		for (uint32_t k = 0; k < o->len; k++)
			store_bytes[i][k] |= store_bytes[i][k] ? 0 : 'a';
		store_bytes[i][o->len] = 0;
		o->data = store_bytes[i];
		return kx_setup_add_cmdline(w, (const char *)o->data);
	default: /* a backup bitmap: small, or any 64-bit count */
		o->type = KX_REC_BACKUP_BITMAP;
		o->orig = get(s, 8);
		o->store = get(s, 8);
		if (get(s, 1) & 1) {	/* mostly aligned */
			o->orig &= ~(uint64_t)(KX_PAGE_SIZE - 1);
			o->store &= ~(uint64_t)(KX_PAGE_SIZE - 1);
		}
		o->pages = get(s, 8);
		if (!(get(s, 1) & 1))
			o->pages %= (uint64_t)BITS_MAX * 64 + 1;
		if (((u128)o->pages + 63) / 64 <= BITS_MAX) {
			size_t words = (size_t)((o->pages + 63) / 64);

			fill(s, bits, words * 8);
			/* Mostly no bits past `pages`. */
			if (words && o->pages % 64 && (get(s, 1) & 1))
				bits[words - 1] &= (1ULL << (o->pages % 64)) - 1;
		}
		want = bitmap_verdict(o, bits);
		if (want == KX_ERR_UNSUPPORTED)
			return want;
		st = kx_setup_add_backup_bitmap(w, o->orig, o->store, bits, o->pages);
		if (want != KX_OK)
			check(st == want);
		o->len = (uint32_t)((o->pages + 63) / 64 * 8);
		o->data = (const uint8_t *)bits;
		return st;
	}
}

/* Reads the next record, which must exist. */
static void next(struct kx_setup_reader *r, struct kx_setup_rec *rec)
{
	check(kx_setup_next(r, rec, 0) == KX_OK);
}

static void read_table(struct kx_setup_reader *r, const struct op *o)
{
	struct kx_setup_rec rec;
	struct kx_setup_table_view v;
	uint32_t seen = 0;

	do {
		next(r, &rec);
		check(rec.type == o->type && rec.payload_size >= 8);
		/* Unknown types are tables only to the script: read by hand. */
		v.count = kx_get_le32(rec.payload);
		v.entry_size = kx_get_le32(rec.payload + 4);
		v.entries = rec.payload + 8;
		check(rec.payload_size == 8 + (uint64_t)v.count * v.entry_size);
		check(v.entry_size == o->esize && v.count <= o->count - seen);
		check(!memcmp(v.entries, o->data + (size_t)seen * o->esize,
			      (size_t)v.count * o->esize));
		seen += v.count;
		check(v.count || o->count == 0);
	} while (seen < o->count);
}

static void read_bitmap(struct kx_setup_reader *r, const struct op *o,
			const uint64_t *b)
{
	struct kx_setup_rec rec;
	u128 orig = o->orig, store = o->store;
	uint64_t seen = 0, word = 0;

	do {
		uint64_t pages, words;

		next(r, &rec);
		check(rec.type == KX_REC_BACKUP_BITMAP && rec.payload_size >= 24);
		pages = kx_get_le64(rec.payload + 16);
		words = (rec.payload_size - 24) / 8;
		check(kx_get_le64(rec.payload) == (uint64_t)orig);
		check(kx_get_le64(rec.payload + 8) == (uint64_t)store);
		check(pages <= o->pages - seen && words == (pages + 63) / 64);
		for (uint64_t k = 0; k < words; k++, word++) {
			check(kx_get_le64(rec.payload + 24 + 8 * k) == b[word]);
			store += (u128)popcount(b[word]) * KX_PAGE_SIZE;
		}
		orig += (u128)pages * KX_PAGE_SIZE;
		seen += pages;
		check(orig <= ((u128)1 << 64) && store <= ((u128)1 << 64));
	} while (seen < o->pages);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct op ops[MAX_OPS];
	static uint64_t saved_bits[MAX_OPS][BITS_MAX];
	struct src s = { data, size };
	struct chain c = { .pages = 1, .s = &s };
	struct kx_setup_writer w;
	struct kx_setup_reader r;
	struct kx_setup_rec rec;
	unsigned nops = 0, kept = 0;

	c.size[0] = page_size_of((uint8_t)get(&s, 1));
	check(kx_setup_init(&w, mem[0], c.size[0], (uint32_t)get(&s, 1) & 3) == KX_OK);
	kx_setup_set_more(&w, more, &c);
	while (s.n && nops < MAX_OPS) {
		struct op *o = &ops[kept];
		uint32_t used = w.used, seq = w.sequence;
		uint8_t *page = w.page;
		enum kx_status st;

		memset(o, 0, sizeof(*o));
		o->kind = (uint32_t)get(&s, 1) % 4;
		st = run_op(&w, o, &s, kept);
		nops++;
		if (st == KX_OK) {
			if (o->kind == 3) {
				memcpy(saved_bits[kept], bits, o->len);
				o->data = (const uint8_t *)saved_bits[kept];
			}
			kept++;
		} else {
			/* All or nothing: the writer is where it was. */
			check(w.used == used && w.sequence == seq && w.page == page);
		}
	}
	check(kx_setup_finish(&w) == KX_OK);
	check(kx_setup_open(&r, (uintptr_t)mem[0], map, &c, 0) == KX_OK);
	for (unsigned i = 0; i < kept; i++) {
		const struct op *o = &ops[i];

		switch (o->kind) {
		case 1:
			read_table(&r, o);
			break;
		case 3:
			read_bitmap(&r, o, (const uint64_t *)o->data);
			break;
		default:
			next(&r, &rec);
			check(rec.type == o->type);
			check(rec.payload_size == o->len + (o->kind == 2));
			check(!memcmp(rec.payload, o->data, rec.payload_size));
		}
	}
	check(kx_setup_next(&r, &rec, 0) == KX_ERR_NOT_FOUND);
	return 0;
}

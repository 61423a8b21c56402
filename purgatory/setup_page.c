/* SPDX-License-Identifier: MIT */
/*
 * Setup page writer and reader/validator.  The format and its rules are in
 * include/kexec_abi.h and docs/abi.md.  Every read is bounded by a size that
 * has already been checked against the bytes the caller made readable.
 */
#include <stdbool.h>
#include <kx/compiler.h>
#include <kx/setup_page.h>

#define HDR_OFF(f) ((uint32_t)__builtin_offsetof(struct kx_setup_header, f))
#define END_SIZE ((uint32_t)sizeof(struct kx_record))

static inline struct kx_setup_header *hdr_of(uint8_t *page)
{
	return (struct kx_setup_header *)page;
}

/* ------------------------------------------------------------- writer */

static void start_page(struct kx_setup_writer *w, void *buf, uint32_t size,
		       uint32_t sequence)
{
	struct kx_setup_header *h = buf;

	kx_memset(h, 0, sizeof(*h));
	h->magic = KX_SETUP_MAGIC;
	h->version_major = KX_ABI_MAJOR;
	h->version_minor = KX_ABI_MINOR;
	h->header_size = KX_SETUP_HEADER_SIZE;
	h->page_size = size;
	h->flags = w->flags;
	h->sequence = sequence;
	w->page = buf;
	w->page_size = size;
	w->used = KX_SETUP_HEADER_SIZE;
	w->sequence = sequence;
}

static enum kx_status check_buffer(const void *buf, uint32_t size)
{
	if (!buf || !KX_IS_ALIGNED((uintptr_t)buf, KX_SETUP_ALIGN))
		return KX_ERR_ALIGN;
	if (size < KX_SETUP_MIN_PAGE || size > KX_SETUP_MAX_PAGE ||
	    !KX_IS_ALIGNED(size, KX_SETUP_ALIGN))
		return KX_ERR_PAGE_SIZE;
	return KX_OK;
}

enum kx_status kx_setup_init(struct kx_setup_writer *w, void *buf,
			     uint32_t size, uint32_t flags)
{
	enum kx_status st;

	if (!w)
		return KX_ERR_INVAL;
	st = check_buffer(buf, size);
	if (st != KX_OK)
		return st;
	kx_memset(w, 0, sizeof(*w));
	w->flags = flags;
	start_page(w, buf, size, 0);
	return KX_OK;
}

void kx_setup_set_more(struct kx_setup_writer *w, kx_setup_more_fn more,
		       void *ctx)
{
	w->more = more;
	w->more_ctx = ctx;
}

/* Room for a record's bytes in the current page, keeping END's 8 bytes. */
static uint32_t room(const struct kx_setup_writer *w)
{
	uint32_t limit = w->page_size - END_SIZE;

	return w->used < limit ? limit - w->used : 0;
}

/* Writes END, total size and checksum of the current page. */
static void close_page(struct kx_setup_writer *w)
{
	struct kx_setup_header *h = hdr_of(w->page);
	struct kx_record end = { KX_REC_END, END_SIZE };

	kx_memcpy(w->page + w->used, &end, sizeof(end));
	h->total_size = w->used + END_SIZE;
	h->checksum = 0;
	h->checksum = kx_crc32(0, w->page, h->total_size);
}

/* Closes the current page and continues in a new one from w->more. */
static enum kx_status chain_page(struct kx_setup_writer *w)
{
	void *buf = 0;
	uint32_t size = 0;
	uint64_t phys = 0;
	enum kx_status st;

	if (!w->more)
		return KX_ERR_NO_SPACE;
	if (w->sequence + 1 >= KX_SETUP_MAX_CHAIN)
		return KX_ERR_CHAIN_LENGTH;
	st = w->more(w->more_ctx, &buf, &size, &phys);
	if (st != KX_OK)
		return st;
	st = check_buffer(buf, size);
	if (st != KX_OK)
		return st;
	if (phys == 0 || !KX_IS_ALIGNED(phys, KX_SETUP_ALIGN))
		return KX_ERR_ALIGN;
	hdr_of(w->page)->next_page = phys;
	close_page(w);
	start_page(w, buf, size, w->sequence + 1);
	return KX_OK;
}

/* Saved writer state, for the all-or-nothing adds. */
struct snapshot {
	uint8_t *page;
	uint32_t page_size, used, sequence;
};

static struct snapshot take(const struct kx_setup_writer *w)
{
	struct snapshot s = { w->page, w->page_size, w->used, w->sequence };
	return s;
}

static void roll_back(struct kx_setup_writer *w, const struct snapshot *s)
{
	w->page = s->page;
	w->page_size = s->page_size;
	w->used = s->used;
	w->sequence = s->sequence;
	/* Re-open the page: it is closed again by the next chain or finish. */
	hdr_of(w->page)->next_page = 0;
}

/* Appends header and payload pieces at w->used; the caller checked room. */
static void put_record(struct kx_setup_writer *w, uint32_t type,
		       const void *a, uint32_t alen,
		       const void *b, uint32_t blen)
{
	struct kx_record rec = { type, END_SIZE + alen + blen };
	uint8_t *p = w->page + w->used;
	uint32_t padded = KX_ALIGN_UP(rec.size, KX_SETUP_ALIGN);

	kx_memcpy(p, &rec, sizeof(rec));
	if (alen)
		kx_memcpy(p + sizeof(rec), a, alen);
	if (blen)
		kx_memcpy(p + sizeof(rec) + alen, b, blen);
	kx_memset(p + rec.size, 0, padded - rec.size);
	w->used += padded;
}

static enum kx_status check_record(const uint8_t *rec, uint32_t type,
				   uint32_t size, uint32_t minor,
				   uint32_t *bad);

/*
 * put_record, then the reader's check of the record written: the writer
 * never writes a page its reader refuses (a known type with a wrong size
 * or entry size, a command line with a NUL inside, a non-zero reserved
 * field).  On a refusal the bytes are taken back.
 */
static enum kx_status put_checked(struct kx_setup_writer *w, uint32_t type,
				  const void *a, uint32_t alen,
				  const void *b, uint32_t blen)
{
	uint32_t at = w->used, bad;
	enum kx_status st;

	put_record(w, type, a, alen, b, blen);
	st = check_record(w->page + at, type, END_SIZE + alen + blen, KX_ABI_MINOR, &bad);
	if (st != KX_OK)
		w->used = at;
	return st;
}

/* Makes room for need bytes, chaining once if the current page is short. */
static enum kx_status reserve(struct kx_setup_writer *w, uint32_t need)
{
	enum kx_status st;

	if (room(w) >= need)
		return KX_OK;
	if (w->used == KX_SETUP_HEADER_SIZE)
		return KX_ERR_NO_SPACE;	/* would not fit in any page this size */
	st = chain_page(w);
	if (st != KX_OK)
		return st;
	return room(w) >= need ? KX_OK : KX_ERR_NO_SPACE;
}

static enum kx_status add_two(struct kx_setup_writer *w, uint32_t type,
			      const void *a, uint32_t alen,
			      const void *b, uint32_t blen)
{
	struct snapshot s;
	uint64_t size = (uint64_t)END_SIZE + alen + blen;
	enum kx_status st;

	if (!w || !w->page || (alen && !a) || (blen && !b))
		return KX_ERR_INVAL;
	if (type == KX_REC_END)
		return KX_ERR_INVAL;	/* END is the writer's own */
	if (size > KX_SETUP_MAX_PAGE)
		return KX_ERR_NO_SPACE;
	s = take(w);
	st = reserve(w, KX_ALIGN_UP((uint32_t)size, KX_SETUP_ALIGN));
	if (st != KX_OK) {
		roll_back(w, &s);
		return st;
	}
	st = put_checked(w, type, a, alen, b, blen);
	if (st != KX_OK)
		roll_back(w, &s);
	return st;
}

enum kx_status kx_setup_add(struct kx_setup_writer *w, uint32_t type,
			    const void *payload, uint32_t len)
{
	return add_two(w, type, payload, len, 0, 0);
}

enum kx_status kx_setup_add_cmdline(struct kx_setup_writer *w, const char *s)
{
	uint32_t len = 0;

	if (!s)
		return KX_ERR_INVAL;
	while (s[len]) {
		if (++len >= KX_SETUP_MAX_PAGE)
			return KX_ERR_NO_SPACE;
	}
	return add_two(w, KX_REC_CMDLINE, s, len + 1, 0, 0);
}

enum kx_status kx_setup_add_table(struct kx_setup_writer *w, uint32_t type,
				  const void *entries, uint32_t count,
				  uint32_t entry_size)
{
	const uint32_t head = sizeof(struct kx_table) - sizeof(struct kx_record);
	const uint8_t *src = entries;
	struct snapshot s;
	enum kx_status st = KX_OK;

	if (!w || !w->page || (count && !entries) || type == KX_REC_END)
		return KX_ERR_INVAL;
	if (entry_size == 0 || !KX_IS_ALIGNED(entry_size, KX_SETUP_ALIGN) ||
	    entry_size > KX_SETUP_MAX_PAGE)
		return KX_ERR_INVAL;
	s = take(w);
	do {
		/* As many entries as fit here; at least one, else chain. */
		uint32_t fit, n, words[2];

		st = reserve(w, sizeof(struct kx_table) + entry_size);
		if (st != KX_OK)
			break;
		fit = (room(w) - (uint32_t)sizeof(struct kx_table)) / entry_size;
		n = KX_MIN(fit, count);
		words[0] = n;
		words[1] = entry_size;
		st = put_checked(w, type, words, head, src, n * entry_size);
		if (st != KX_OK)
			break;
		src += (size_t)n * entry_size;
		count -= n;
		/* A full page with entries left: the next reserve chains. */
	} while (count > 0);
	if (st != KX_OK)
		roll_back(w, &s);
	return st;
}

static uint32_t popcount64(uint64_t v)
{
	uint32_t n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* ceil(pages / 64) without the wrap of (pages + 63) / 64 near 2^64. */
static uint64_t bitmap_words(uint64_t pages)
{
	return pages / 64 + (pages % 64 != 0);
}

/* Bits of the last word past `pages`: the ABI says they are zero. */
static uint64_t bitmap_spare_bits(uint64_t last_word, uint64_t pages)
{
	return pages % 64 ? last_word >> (pages % 64) : 0;
}

/* base + n pages ends at or below 2^64 (2^64 - base is 0 - base here). */
static bool pages_fit_above(uint64_t base, uint64_t n)
{
	return base == 0 ? n <= (UINT64_MAX >> 12) + 1 :
			   n <= (0 - base) / KX_PAGE_SIZE;
}

/* Most bitmap words a full chain of the largest pages can hold. */
#define BITMAP_MAX_WORDS							\
	((uint64_t)KX_SETUP_MAX_CHAIN *						\
	 ((KX_SETUP_MAX_PAGE - KX_SETUP_HEADER_SIZE - END_SIZE -		\
	   sizeof(struct kx_backup_bitmap)) / 8))

/* The writer's checks of a whole bitmap before it writes any of it. */
static enum kx_status check_bitmap_args(uint64_t orig_base, uint64_t store_base,
					const uint64_t *bits, uint64_t pages)
{
	uint64_t words = bitmap_words(pages), i, stored = 0;

	if ((pages && !bits) || !KX_IS_ALIGNED(orig_base, KX_PAGE_SIZE) ||
	    !KX_IS_ALIGNED(store_base, KX_PAGE_SIZE))
		return KX_ERR_INVAL;
	if (words > BITMAP_MAX_WORDS || !pages_fit_above(orig_base, pages))
		return KX_ERR_RANGE;
	if (words && bitmap_spare_bits(bits[words - 1], pages))
		return KX_ERR_INVAL;
	for (i = 0; i < words; i++)
		stored += popcount64(bits[i]);
	return pages_fit_above(store_base, stored) ? KX_OK : KX_ERR_RANGE;
}

enum kx_status kx_setup_add_backup_bitmap(struct kx_setup_writer *w,
					  uint64_t orig_base,
					  uint64_t store_base,
					  const uint64_t *bits, uint64_t pages)
{
	const uint32_t fixed = sizeof(struct kx_backup_bitmap);
	const uint32_t head = fixed - sizeof(struct kx_record);
	uint64_t words = bitmap_words(pages);
	struct snapshot s;
	enum kx_status st;

	if (!w || !w->page)
		return KX_ERR_INVAL;
	st = check_bitmap_args(orig_base, store_base, bits, pages);
	if (st != KX_OK)
		return st;
	s = take(w);
	do {
		/* Whole 64-page words only, so each record starts on a word. */
		uint64_t fixed_part[3], n, i, chunk_pages, stored = 0;

		st = reserve(w, fixed + (words ? 8 : 0));
		if (st != KX_OK)
			break;
		n = KX_MIN((uint64_t)(room(w) - fixed) / 8, words);
		chunk_pages = n == words ? pages : n * 64;
		fixed_part[0] = orig_base;
		fixed_part[1] = store_base;
		fixed_part[2] = chunk_pages;
		st = put_checked(w, KX_REC_BACKUP_BITMAP, fixed_part, head,
				 bits, (uint32_t)(n * 8));
		if (st != KX_OK)
			break;
		for (i = 0; i < n; i++)
			stored += popcount64(bits[i]);
		bits += n;
		words -= n;
		pages -= chunk_pages;
		/* Checked above: neither sum passes 2^64 (it may reach it). */
		orig_base += chunk_pages * KX_PAGE_SIZE;
		store_base += stored * KX_PAGE_SIZE;
	} while (words > 0);
	if (st != KX_OK)
		roll_back(w, &s);
	return st;
}

enum kx_status kx_setup_finish(struct kx_setup_writer *w)
{
	if (!w || !w->page)
		return KX_ERR_INVAL;
	close_page(w);
	return KX_OK;
}

/* ----------------------------------------------------- content writer */

/* The record writer's continuation source over a page allocator. */
struct pool_more {
	kx_page_alloc_fn alloc;
	void *ctx;
};

static enum kx_status more_from_pool(void *ctx, void **buf, uint32_t *size,
				     uint64_t *phys)
{
	struct pool_more *m = ctx;

	*size = KX_POOL_PAGE_SIZE;
	return m->alloc(m->ctx, buf, phys);
}

static enum kx_status check_content(const struct kx_setup_content *c)
{
	if ((c->nsegs && !c->segs) || (c->nbackup && !c->backup) ||
	    (c->nmemmap && !c->memmap) || (c->nmeasured && !c->measured) ||
	    (c->nlanes && !c->lanes))
		return KX_ERR_INVAL;
	/* A round trip verifies something and has a way back. */
	if ((c->flags & KX_SETUP_F_SWAP) && (!(c->nsegs + c->nlanes) || !c->jump_back))
		return KX_ERR_INVAL;
	return KX_OK;
}

/* The records of c, in the order docs/abi.md lists them. */
static enum kx_status add_content(struct kx_setup_writer *w,
				  const struct kx_setup_content *c)
{
	enum kx_status st;

	st = kx_setup_add_table(w, KX_REC_SEGMENTS, c->segs, c->nsegs,
				sizeof(c->segs[0]));
	if (st == KX_OK && c->nlanes)
		st = kx_setup_add_table(w, KX_REC_LANES, c->lanes, c->nlanes,
					sizeof(c->lanes[0]));
	if (st == KX_OK && (c->nbackup || ((c->flags & KX_SETUP_F_SWAP) && !c->more)))
		st = kx_setup_add_table(w, KX_REC_BACKUP, c->backup, c->nbackup,
					sizeof(struct kx_backup_extent));
	if (st == KX_OK && c->jump_back) {
		uint64_t jb[2] = { c->jump_back, c->jump_context };

		st = kx_setup_add(w, KX_REC_JUMP_BACK, jb, sizeof(jb));
	}
	if (st == KX_OK && c->elfcore) {
		uint64_t loc[2] = { c->elfcore, c->elfcore_size };

		st = kx_setup_add(w, KX_REC_ELFCORE, loc, sizeof(loc));
	}
	if (st == KX_OK && c->nmemmap)
		st = kx_setup_add_table(w, KX_REC_MEMMAP, c->memmap, c->nmemmap,
					sizeof(c->memmap[0]));
	if (st == KX_OK && c->cmdline)
		st = kx_setup_add_cmdline(w, c->cmdline);
	if (st == KX_OK && c->nmeasured)
		st = kx_setup_add_table(w, KX_REC_MEASURED, c->measured, c->nmeasured,
					sizeof(c->measured[0]));
	if (st == KX_OK && c->more)
		st = c->more(c->more_ctx, w);
	return st;
}

enum kx_status kx_setup_write(const struct kx_setup_content *c,
			      kx_page_alloc_fn alloc, void *ctx,
			      uint64_t *head_phys)
{
	struct pool_more more = { alloc, ctx };
	struct kx_setup_writer w;
	void *head;
	uint64_t phys;
	enum kx_status st;

	if (!c || !alloc || !head_phys)
		return KX_ERR_INVAL;
	st = check_content(c);
	if (st != KX_OK)
		return st;
	st = alloc(ctx, &head, &phys);
	if (st != KX_OK)
		return st;
	st = kx_setup_init(&w, head, KX_POOL_PAGE_SIZE, c->flags);
	if (st != KX_OK)
		return st;
	kx_setup_set_more(&w, more_from_pool, &more);
	st = add_content(&w, c);
	if (st == KX_OK)
		st = kx_setup_finish(&w);
	if (st != KX_OK) {
		/* Nothing half-written may pass for a setup page. */
		kx_memset(head, 0, KX_SETUP_HEADER_SIZE);
		return st;
	}
	*head_phys = phys;
	return KX_OK;
}

/* --------------------------------------------------------- kind names */

const char *kx_segment_kind(uint32_t kind)
{
	static const char *const names[] = {
		[KX_SEG_OTHER] = "other", [KX_SEG_KERNEL] = "kernel",
		[KX_SEG_INITRD] = "initrd", [KX_SEG_CMDLINE] = "cmdline",
		[KX_SEG_DTB] = "dtb", [KX_SEG_PURGATORY] = "purgatory",
		[KX_SEG_BOOT_PARAMS] = "boot_params", [KX_SEG_ELFCORE] = "elfcore",
	};

	return kind < KX_ARRAY_SIZE(names) && names[kind] ? names[kind]
							   : "unknown";
}

/* ------------------------------------------------------------- reader */

static enum kx_status fault_at(struct kx_setup_fault *f, enum kx_status st,
			       uint32_t offset)
{
	if (f) {
		f->status = st;
		f->cause = KX_OK;
		f->offset = offset;
	}
	return st;
}

/* KX_ERR_CHAIN_MAP, keeping what the caller's map said beside it. */
static enum kx_status map_fault(struct kx_setup_fault *f, enum kx_status said)
{
	fault_at(f, KX_ERR_CHAIN_MAP, 0);
	if (f)
		f->cause = said != KX_OK ? said : KX_ERR_INVAL;
	return KX_ERR_CHAIN_MAP;
}

/* Smallest payload (after the 8-byte record header) of each known type. */
static uint32_t fixed_size(uint32_t type)
{
	switch (type) {
	case KX_REC_END:
		return sizeof(struct kx_record);
	case KX_REC_SEGMENTS:
	case KX_REC_BACKUP:
	case KX_REC_MEMMAP:
	case KX_REC_MEASURED:
	case KX_REC_LANES:
		return sizeof(struct kx_table);
	case KX_REC_BACKUP_BITMAP:
		return sizeof(struct kx_backup_bitmap);
	case KX_REC_JUMP_BACK:
		return sizeof(struct kx_jump_back);
	case KX_REC_ELFCORE:
		return sizeof(struct kx_elfcore);
	case KX_REC_CMDLINE:
		return sizeof(struct kx_record) + 1;
	default:
		return sizeof(struct kx_record);
	}
}

static uint32_t table_entry_min(uint32_t type)
{
	switch (type) {
	case KX_REC_SEGMENTS:
		return sizeof(struct kx_segment);
	case KX_REC_BACKUP:
		return sizeof(struct kx_backup_extent);
	case KX_REC_MEMMAP:
		return sizeof(struct kx_mem_range);
	case KX_REC_MEASURED:
		return sizeof(struct kx_measurement);
	case KX_REC_LANES:
		return sizeof(struct kx_segment_lanes);
	default:
		return 0;
	}
}

/*
 * A bitmap record: exactly ceil(pages / 64) words (so `pages` is bounded
 * by the page), zero bits past `pages`, and neither the original range nor
 * the store of its set bits running past 2^64.
 */
static enum kx_status check_bitmap(const uint8_t *rec, uint32_t size,
				   uint32_t min, uint32_t *bad)
{
	uint64_t pages = kx_get_le64(rec + 24), words = (size - min) / 8;
	uint64_t stored = 0, i;

	*bad = 24;
	if (!KX_IS_ALIGNED(size - min, 8) || bitmap_words(pages) != words)
		return KX_ERR_TABLE;
	if (words && bitmap_spare_bits(kx_get_le64(rec + size - 8), pages)) {
		*bad = size - 8;
		return KX_ERR_TABLE;
	}
	*bad = 8;
	if (!pages_fit_above(kx_get_le64(rec + 8), pages))
		return KX_ERR_RANGE;
	for (i = 0; i < words; i++)
		stored += popcount64(kx_get_le64(rec + min + 8 * i));
	*bad = 16;
	if (!pages_fit_above(kx_get_le64(rec + 16), stored))
		return KX_ERR_RANGE;
	return KX_OK;
}

/*
 * KX_REC_LANES entries: N within KX_LANES_MIN..KX_LANES_MAX in every
 * page (a later minor cannot change what N means), the reserved word
 * zero in a page of a minor this reader knows.  *bad: the field's offset
 * in the record (entries start at base).
 */
static enum kx_status check_lanes(const uint8_t *e, uint32_t count,
				  uint32_t esz, int known_minor, uint32_t *bad,
				  uint32_t base)
{
	const uint32_t lanes_at = __builtin_offsetof(struct kx_segment_lanes, lanes);
	const uint32_t res_at = __builtin_offsetof(struct kx_segment_lanes, reserved);

	for (uint32_t i = 0; i < count; i++, e += esz) {
		uint32_t lanes = kx_get_le32(e + lanes_at);

		if (lanes < KX_LANES_MIN || lanes > KX_LANES_MAX) {
			*bad = base + i * esz + lanes_at;
			return KX_ERR_RANGE;
		}
		if (known_minor && kx_get_le32(e + res_at)) {
			*bad = base + i * esz + res_at;
			return KX_ERR_RESERVED;
		}
	}
	return KX_OK;
}

/*
 * A memory-map entry's attr in a page of a minor this reader knows: zero
 * in 1.0; from 1.1 the KX_MEM_A_* bits, none of them without KX_MEM_A_EFI.
 */
static int mem_attr_ok(uint32_t attr, uint32_t minor)
{
	if (minor == 0 || !(attr & KX_MEM_A_EFI))
		return attr == 0;
	return !(attr & ~KX_MEM_A_DEFINED);
}

/*
 * Checks one record whose size is already known to lie within the page.
 * minor: the page's.  One this reader fully knows (known_minor) has
 * exact sizes and zero reserved fields.
 */
static enum kx_status check_record(const uint8_t *rec, uint32_t type,
				   uint32_t size, uint32_t minor,
				   uint32_t *bad)
{
	uint32_t min = fixed_size(type);
	int known_minor = minor <= KX_ABI_MINOR;

	*bad = 4;	/* most faults are in the size field */
	if (size < min)
		return KX_ERR_RECORD_SIZE;
	switch (type) {
	case KX_REC_SEGMENTS:
	case KX_REC_BACKUP:
	case KX_REC_MEMMAP:
	case KX_REC_MEASURED:
	case KX_REC_LANES: {
		uint32_t count = kx_get_le32(rec + 8);
		uint32_t esz = kx_get_le32(rec + 12);
		uint32_t i;

		*bad = 12;
		if (esz < table_entry_min(type) ||
		    !KX_IS_ALIGNED(esz, KX_SETUP_ALIGN) ||
		    (known_minor && esz != table_entry_min(type)))
			return KX_ERR_TABLE;
		*bad = 8;
		if ((uint64_t)count * esz != size - min)
			return KX_ERR_TABLE;
		if (type == KX_REC_LANES)
			return check_lanes(rec + min, count, esz, known_minor, bad, min);
		if (type == KX_REC_MEMMAP && known_minor) {
			for (i = 0; i < count; i++) {
				uint32_t at = min + i * esz +
				    (uint32_t)__builtin_offsetof(struct kx_mem_range, attr);
				if (!mem_attr_ok(kx_get_le32(rec + at), minor)) {
					*bad = at;
					return KX_ERR_RESERVED;
				}
			}
		}
		return KX_OK;
	}
	case KX_REC_BACKUP_BITMAP:
		return check_bitmap(rec, size, min, bad);
	case KX_REC_CMDLINE:
		/* The string's NUL is its last byte, none before it. */
		*bad = size - 1;
		if (rec[size - 1] != 0)
			return KX_ERR_STRING;
		for (uint32_t i = 8; i < size - 1; i++) {
			if (rec[i] == 0) {
				*bad = i;
				return KX_ERR_STRING;
			}
		}
		return KX_OK;
	case KX_REC_END:
		return size == END_SIZE ? KX_OK : KX_ERR_RECORD_SIZE;
	case KX_REC_JUMP_BACK:
	case KX_REC_ELFCORE:
		if (known_minor && size != min)
			return KX_ERR_RECORD_SIZE;
		return KX_OK;
	default:
		return KX_OK;	/* unknown types are skipped */
	}
}

/* Header checks that need only the first header_size bytes. */
static enum kx_status check_header(const struct kx_setup_header *h,
				   size_t avail, struct kx_setup_fault *f)
{
	int known_minor = h->version_minor <= KX_ABI_MINOR;

	if (h->magic != KX_SETUP_MAGIC)
		return fault_at(f, KX_ERR_MAGIC, HDR_OFF(magic));
	if (h->version_major != KX_ABI_MAJOR)
		return fault_at(f, KX_ERR_VERSION, HDR_OFF(version_major));
	if (h->header_size < KX_SETUP_HEADER_SIZE ||
	    h->header_size > KX_SETUP_MAX_PAGE ||
	    !KX_IS_ALIGNED(h->header_size, KX_SETUP_ALIGN) ||
	    (known_minor && h->header_size != KX_SETUP_HEADER_SIZE))
		return fault_at(f, KX_ERR_HEADER_SIZE, HDR_OFF(header_size));
	if (h->page_size < KX_SETUP_MIN_PAGE || h->page_size > KX_SETUP_MAX_PAGE ||
	    !KX_IS_ALIGNED(h->page_size, KX_SETUP_ALIGN))
		return fault_at(f, KX_ERR_PAGE_SIZE, HDR_OFF(page_size));
	if (h->total_size > h->page_size ||
	    h->total_size < (uint64_t)h->header_size + END_SIZE ||
	    !KX_IS_ALIGNED(h->total_size, KX_SETUP_ALIGN))
		return fault_at(f, KX_ERR_TOTAL_SIZE, HDR_OFF(total_size));
	if (h->total_size > avail)
		return fault_at(f, KX_ERR_TRUNCATED, HDR_OFF(total_size));
	if (known_minor) {
		for (uint32_t i = 0; i < KX_ARRAY_SIZE(h->reserved); i++)
			if (h->reserved[i])
				return fault_at(f, KX_ERR_RESERVED,
						HDR_OFF(reserved) + 8 * i);
	}
	if (!KX_IS_ALIGNED(h->next_page, KX_SETUP_ALIGN))
		return fault_at(f, KX_ERR_ALIGN, HDR_OFF(next_page));
	return KX_OK;
}

static uint32_t page_crc(const uint8_t *page, uint32_t total)
{
	static const uint8_t zero[4];
	uint32_t crc = kx_crc32(0, page, HDR_OFF(checksum));

	crc = kx_crc32(crc, zero, sizeof(zero));
	return kx_crc32(crc, page + HDR_OFF(checksum) + 4,
			total - HDR_OFF(checksum) - 4);
}

enum kx_status kx_setup_check_page(const void *buf, size_t avail,
				   struct kx_setup_page_info *info,
				   struct kx_setup_fault *f)
{
	const uint8_t *page = buf;
	const struct kx_setup_header *h = buf;
	struct kx_setup_header copy;
	uint32_t off, records = 0;
	enum kx_status st;

	if (!buf)
		return fault_at(f, KX_ERR_INVAL, 0);
	if (avail < sizeof(struct kx_setup_header))
		return fault_at(f, KX_ERR_TRUNCATED, 0);
	/* Read the header through a copy: buf need not be aligned. */
	kx_memcpy(&copy, buf, sizeof(copy));
	h = &copy;
	st = check_header(h, avail, f);
	if (st != KX_OK)
		return st;
	if (page_crc(page, h->total_size) != h->checksum)
		return fault_at(f, KX_ERR_CHECKSUM, HDR_OFF(checksum));

	off = h->header_size;
	for (;;) {
		uint32_t type, size, bad;

		/* check_header guaranteed total_size >= header_size + 8. */
		if (h->total_size - off < END_SIZE)
			return fault_at(f, KX_ERR_NO_END, off);
		type = kx_get_le32(page + off);
		size = kx_get_le32(page + off + 4);
		if (size < END_SIZE)
			return fault_at(f, KX_ERR_RECORD_SIZE, off + 4);
		if (size > h->total_size - off)
			return fault_at(f, KX_ERR_RECORD_BOUNDS, off + 4);
		st = check_record(page + off, type, size, h->version_minor, &bad);
		if (st != KX_OK)
			return fault_at(f, st, off + bad);
		if (type == KX_REC_END) {
			if (off + END_SIZE != h->total_size)
				return fault_at(f, KX_ERR_NO_END, off);
			break;
		}
		/* Padding to the next record counts as part of the page. */
		if (KX_ALIGN_UP((uint64_t)size, KX_SETUP_ALIGN) >
		    h->total_size - off)
			return fault_at(f, KX_ERR_RECORD_BOUNDS, off + 4);
		off += KX_ALIGN_UP(size, KX_SETUP_ALIGN);
		records++;
	}
	if (info) {
		info->hdr = buf;
		info->records = records;
	}
	return KX_OK;
}

/* Maps and validates the page at phys as chain member r->page_index. */
static enum kx_status enter_page(struct kx_setup_reader *r, uint64_t phys,
				 struct kx_setup_fault *f)
{
	const void *p = 0;
	struct kx_setup_header h;
	enum kx_status st;

	if (f) {
		f->page = r->page_index;
		f->phys = phys;
	}
	if (!KX_IS_ALIGNED(phys, KX_SETUP_ALIGN))
		return fault_at(f, KX_ERR_ALIGN, 0);
	st = r->map(r->ctx, phys, sizeof(h), &p);
	if (st != KX_OK || !p)
		return map_fault(f, st);
	kx_memcpy(&h, p, sizeof(h));
	st = check_header(&h, KX_SETUP_MAX_PAGE, f);
	if (st != KX_OK)
		return st;
	/* The header was readable but not all that it announces. */
	st = r->map(r->ctx, phys, h.total_size, &p);
	if (st != KX_OK || !p) {
		fault_at(f, KX_ERR_TRUNCATED, HDR_OFF(total_size));
		if (f)
			f->cause = st != KX_OK ? st : KX_ERR_INVAL;
		return KX_ERR_TRUNCATED;
	}
	st = kx_setup_check_page(p, h.total_size, 0, f);
	if (st != KX_OK)
		return st;
	/* Re-read: the mapping may differ from the first peek. */
	kx_memcpy(&h, p, sizeof(h));
	if (h.sequence != r->page_index)
		return fault_at(f, KX_ERR_CHAIN_LOOP, HDR_OFF(sequence));
	if (r->page_index == 0) {
		r->flags = h.flags;
		r->minor = h.version_minor;
	} else if (h.flags != r->flags || h.version_minor != r->minor) {
		return fault_at(f, KX_ERR_CHAIN_FLAGS, HDR_OFF(flags));
	}
	r->page = p;
	r->page_phys = phys;
	r->offset = h.header_size;
	r->total_size = h.total_size;
	r->visited[r->page_index] = phys;
	return KX_OK;
}

/* Follows next_page from the current page; KX_ERR_NOT_FOUND at the end. */
static enum kx_status next_page(struct kx_setup_reader *r,
				struct kx_setup_fault *f)
{
	uint64_t next = kx_get_le64(r->page + HDR_OFF(next_page));

	if (next == 0)
		return KX_ERR_NOT_FOUND;
	for (uint32_t i = 0; i <= r->page_index; i++) {
		if (r->visited[i] == next) {
			if (f) {
				f->page = r->page_index;
				f->phys = r->page_phys;
			}
			return fault_at(f, KX_ERR_CHAIN_LOOP, HDR_OFF(next_page));
		}
	}
	if (r->page_index + 1 >= KX_SETUP_MAX_CHAIN) {
		if (f) {
			f->page = r->page_index;
			f->phys = r->page_phys;
		}
		return fault_at(f, KX_ERR_CHAIN_LENGTH, HDR_OFF(next_page));
	}
	r->page_index++;
	return enter_page(r, next, f);
}

void kx_setup_rewind(struct kx_setup_reader *r)
{
	r->page = 0;
	r->page_index = 0;
	r->done = 0;
}

enum kx_status kx_setup_next(struct kx_setup_reader *r,
			     struct kx_setup_rec *rec,
			     struct kx_setup_fault *f)
{
	enum kx_status st;

	if (!r || !rec || !r->map)
		return KX_ERR_INVAL;
	if (r->done)
		return KX_ERR_NOT_FOUND;
	if (!r->page) {
		st = enter_page(r, r->head_phys, f);
		if (st != KX_OK) {
			r->done = 1;
			return st;
		}
	}
	for (;;) {
		uint32_t type = kx_get_le32(r->page + r->offset);
		uint32_t size = kx_get_le32(r->page + r->offset + 4);

		if (type != KX_REC_END) {
			rec->type = type;
			rec->size = size;
			rec->payload = r->page + r->offset + END_SIZE;
			rec->payload_size = size - END_SIZE;
			rec->page = r->page_index;
			rec->offset = r->offset;
			rec->phys = r->page_phys + r->offset;
			r->offset += KX_ALIGN_UP(size, KX_SETUP_ALIGN);
			return KX_OK;
		}
		st = next_page(r, f);
		if (st != KX_OK) {
			r->done = 1;
			return st;
		}
	}
}

enum kx_status kx_setup_open(struct kx_setup_reader *r, uint64_t head_phys,
			     kx_setup_map_fn map, void *ctx,
			     struct kx_setup_fault *f)
{
	struct kx_setup_rec rec;
	enum kx_status st;

	if (f) {
		f->status = KX_OK;
		f->page = 0;
		f->phys = head_phys;
		f->offset = 0;
	}
	if (!r || !map)
		return fault_at(f, KX_ERR_INVAL, 0);
	kx_memset(r, 0, sizeof(*r));
	r->map = map;
	r->ctx = ctx;
	r->head_phys = head_phys;
	while ((st = kx_setup_next(r, &rec, f)) == KX_OK)
		;
	if (st != KX_ERR_NOT_FOUND)
		return st;
	kx_setup_rewind(r);
	return KX_OK;
}

enum kx_status kx_setup_reseal(struct kx_setup_reader *r)
{
	uint64_t phys;
	unsigned n = 0;

	if (!r || !r->map)
		return KX_ERR_INVAL;
	for (phys = r->head_phys; n < KX_SETUP_MAX_CHAIN; n++) {
		const void *p;
		uint8_t *page;
		struct kx_setup_header h;

		if (r->map(r->ctx, phys, sizeof(h), &p) != KX_OK || !p)
			return KX_ERR_CHAIN_MAP;
		kx_memcpy(&h, p, sizeof(h));
		if (h.total_size > KX_SETUP_MAX_PAGE || h.total_size < sizeof(h))
			return KX_ERR_TOTAL_SIZE;
		if (r->map(r->ctx, phys, h.total_size, &p) != KX_OK || !p)
			return KX_ERR_CHAIN_MAP;
		/* The map hands out the page itself where it can be written. */
		page = (uint8_t *)(uintptr_t)p;
		kx_put_le32(page + HDR_OFF(checksum), 0);
		kx_put_le32(page + HDR_OFF(checksum), kx_crc32(0, page, h.total_size));
		if (!h.next_page)
			return KX_OK;
		phys = h.next_page;
	}
	return KX_ERR_CHAIN_LENGTH;
}

uint32_t kx_setup_flags(const struct kx_setup_reader *r)
{
	return r->flags;
}

uint16_t kx_setup_minor(const struct kx_setup_reader *r)
{
	return r->minor;
}

enum kx_status kx_setup_table(const struct kx_setup_rec *rec,
			      struct kx_setup_table_view *view)
{
	/* Only types that check_record validated as tables. */
	if (!rec || !view || !table_entry_min(rec->type))
		return KX_ERR_INVAL;
	view->count = kx_get_le32(rec->payload);
	view->entry_size = kx_get_le32(rec->payload + 4);
	view->entries = rec->payload + 8;
	return KX_OK;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The last "kx_setup=0x<hex>" word wins, as for most kernel parameters: a
 * loader appends its token after whatever an earlier kernel left there.
 */
/* Words of a command line are separated by blanks, as the kernel's are. */
static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * The value of one "kx_setup=0x<hex>" at s (len bytes, the prefix already
 * matched): KX_ERR_RANGE past 16 digits, KX_ERR_FORMAT without digits or
 * with anything but a blank or the end after them.  *end: where the word
 * ends, whatever it holds.
 */
static enum kx_status token_value(const char *s, size_t len, size_t *end,
				  uint64_t *v)
{
	enum kx_status st = KX_OK;
	size_t j, digits = 0;
	int d;

	*v = 0;
	for (j = 0; j < len && (d = hex_digit(s[j])) >= 0; j++) {
		if (++digits > 16)
			st = KX_ERR_RANGE;
		*v = *v << 4 | (uint64_t)d;
	}
	if (st == KX_OK && (digits == 0 || (j < len && s[j] && !is_blank(s[j]))))
		st = KX_ERR_FORMAT;
	while (j < len && s[j] && !is_blank(s[j]))
		j++;
	*end = j;
	return st;
}

enum kx_status kx_setup_find_token(const char *s, size_t len, uint64_t *phys)
{
	static const char token[] = KX_SETUP_CMDLINE_TOKEN "0x";
	const size_t tlen = sizeof(token) - 1;
	enum kx_status st = KX_ERR_NOT_FOUND, one;
	size_t i, end;
	uint64_t v;
	int found = 0;

	if (!s || !phys)
		return KX_ERR_INVAL;
	for (i = 0; i < len && s[i]; i++) {
		/* A token starts a word: at the beginning or after a blank. */
		if ((i > 0 && !is_blank(s[i - 1])) || len - i < tlen ||
		    kx_memcmp(s + i, token, tlen) != 0)
			continue;
		one = token_value(s + i + tlen, len - i - tlen, &end, &v);
		i += tlen + end - 1;
		/* The last well-formed token counts (a loader appends its
		 * own); a malformed one is reported only when none is. */
		if (one == KX_OK) {
			*phys = v;
			found = 1;
			st = KX_OK;
		} else if (!found && st == KX_ERR_NOT_FOUND) {
			st = one;
		}
	}
	return st;
}

/* SPDX-License-Identifier: MIT */
/*
 * Reading a hibernation image's header and tables (include/kx/hibimage.h,
 * docs/abi.md section 6).  Every size and offset is bounded before it is
 * used and every sum is checked for wrap, so a truncated or forged image
 * is refused with the field it got wrong (v->fault_off).
 */
#include <kx/compiler.h>
#include <kx/hibimage.h>
#include <kx/sha256.h>

#define PAGE KX_PAGE_SIZE
#define META_FIELD 0x60

uint64_t kx_hib_mmap_off(const struct kx_hib_header *h)
{
	return h->header_size;
}

uint64_t kx_hib_extents_off(const struct kx_hib_header *h)
{
	return kx_hib_mmap_off(h) + (uint64_t)h->nmmap * sizeof(struct kx_mem_range);
}

uint64_t kx_hib_kernel_id_off(const struct kx_hib_header *h)
{
	return kx_hib_extents_off(h) + (uint64_t)h->nextents * KX_HIB_EXTENT_SIZE;
}

uint64_t kx_hib_layout_data_off(const struct kx_hib_header *h)
{
	return (kx_hib_kernel_id_off(h) + h->kernel_id_size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

void kx_hib_meta_digest(const void *meta, uint64_t len, uint8_t out[32])
{
	static const uint8_t zeros[32];
	struct kx_sha256 c;
	const uint8_t *m = meta;

	kx_sha256_init(&c);
	if (len <= META_FIELD) {
		kx_sha256_update(&c, m, len);
	} else {
		kx_sha256_update(&c, m, META_FIELD);
		kx_sha256_update(&c, zeros, len - META_FIELD < 32 ? len - META_FIELD : 32);
		if (len > META_FIELD + 32)
			kx_sha256_update(&c, m + META_FIELD + 32, len - META_FIELD - 32);
	}
	kx_sha256_final(&c, out);
}

void kx_hib_extent_at(const struct kx_hib_view *v, uint32_t i, struct kx_hib_extent *x)
{
	kx_memcpy(x, v->extents + (uint64_t)i * KX_HIB_EXTENT_SIZE, sizeof(*x));
}

static enum kx_status fault(struct kx_hib_view *v, uint64_t off, enum kx_status st)
{
	v->fault_off = off;
	return st;
}

static int all_zero(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Whether [a, a + len) lies in one RAM range of the memory map (len > 0,
 * a + len not wrapping: the caller checked). */
static int in_ram(const struct kx_hib_view *v, uint64_t a, uint64_t len)
{
	for (uint32_t i = 0; i < v->h.nmmap; i++) {
		struct kx_mem_range m;

		kx_memcpy(&m, (const uint8_t *)v->mmap + (uint64_t)i * sizeof(m), sizeof(m));
		if (m.type == KX_MEM_RAM && a >= m.addr && a - m.addr < m.size &&
		    len <= m.size - (a - m.addr))
			return 1;
	}
	return 0;
}

static enum kx_status check_header(const uint8_t *m, uint64_t meta_len,
				   uint64_t image_size, struct kx_hib_view *v)
{
	struct kx_hib_header *h = &v->h;

	if (meta_len < KX_HIB_HEADER_SIZE || image_size < KX_HIB_HEADER_SIZE)
		return fault(v, 0, KX_ERR_TRUNCATED);
	kx_memcpy(h, m, sizeof(*h));
	if (kx_memcmp(h->magic, KX_HIB_MAGIC, 8))
		return fault(v, 0x00, KX_ERR_MAGIC);
	if (h->major != KX_HIB_MAJOR)
		return fault(v, 0x08, KX_ERR_VERSION);
	if (h->header_size < KX_HIB_HEADER_SIZE || h->header_size % 8 || h->header_size > PAGE)
		return fault(v, 0x0c, KX_ERR_HEADER_SIZE);
	if (h->total_size != image_size)
		return fault(v, 0x10, image_size < h->total_size ? KX_ERR_TRUNCATED : KX_ERR_TOTAL_SIZE);
	if (h->flags & ~KX_HIB_F_KNOWN || !(h->flags & KX_HIB_F_PHYSICAL))
		return fault(v, 0x18, KX_ERR_UNSUPPORTED);
	if (h->page_size != PAGE)
		return fault(v, 0x1c, KX_ERR_PAGE_SIZE);
	if (h->control_page % PAGE || h->jump_back - h->control_page >= PAGE)
		return fault(v, 0x30, KX_ERR_RANGE);
	if (!h->nmmap || h->nmmap > KX_HIB_MAX_MMAP)
		return fault(v, 0x40, KX_ERR_TABLE);
	if (!h->nextents || h->nextents > KX_HIB_MAX_EXTENTS)
		return fault(v, 0x44, KX_ERR_TABLE);
	if (h->kernel_id_size > KX_HIB_MAX_KERNEL_ID)
		return fault(v, 0x48, KX_ERR_TABLE);
	if (h->reserved0)
		return fault(v, 0x4c, KX_ERR_RESERVED);
	/* The counts are bounded above: no sum here can wrap. */
	if (h->data_off != kx_hib_layout_data_off(h))
		return fault(v, 0x50, KX_ERR_FORMAT);
	if (h->data_off > image_size)
		return fault(v, 0x50, KX_ERR_TRUNCATED);
	if (!all_zero(m + 0x80, 32) || !all_zero(m + KX_HIB_HEADER_SIZE, h->header_size - KX_HIB_HEADER_SIZE))
		return fault(v, 0x80, KX_ERR_RESERVED);
	if (meta_len < h->data_off)
		return fault(v, 0x50, KX_ERR_TRUNCATED);
	return KX_OK;
}

static enum kx_status check_extents(struct kx_hib_view *v, uint64_t image_size)
{
	const struct kx_hib_header *h = &v->h;
	uint64_t next = h->data_off, end = 0, data_pages = 0;

	v->zero_pages = 0;
	for (uint32_t i = 0; i < h->nextents; i++) {
		struct kx_hib_extent x;
		uint64_t off = kx_hib_extents_off(h) + (uint64_t)i * KX_HIB_EXTENT_SIZE;

		kx_hib_extent_at(v, i, &x);
		if (x.phys % PAGE || !x.pages || x.pages > (UINT64_MAX - x.phys) / PAGE + 1 ||
		    x.pages >= (1ull << 40))
			return fault(v, off, KX_ERR_RANGE);
		if (i && x.phys < end)
			return fault(v, off, KX_ERR_OVERLAP);
		if (!in_ram(v, x.phys, x.pages * PAGE))
			return fault(v, off, KX_ERR_RANGE);
		if (x.flags & ~KX_HIB_X_KNOWN || x.reserved)
			return fault(v, off + 0x18, KX_ERR_RESERVED);
		end = x.phys + x.pages * PAGE;
		if (x.flags & KX_HIB_X_ZERO) {
			if (x.data_off)
				return fault(v, off + 0x10, KX_ERR_FORMAT);
			v->zero_pages += x.pages;
			continue;
		}
		if (x.data_off != next)
			return fault(v, off + 0x10, KX_ERR_FORMAT);
		if (x.pages > (image_size - next) / PAGE)
			return fault(v, off + 0x10, KX_ERR_TRUNCATED);
		next += x.pages * PAGE;
		data_pages += x.pages;
	}
	if (data_pages != h->data_pages)
		return fault(v, 0x58, KX_ERR_FORMAT);
	if (next != image_size)
		return fault(v, 0x10, KX_ERR_TOTAL_SIZE);
	return KX_OK;
}

enum kx_status kx_hib_parse(const void *meta, uint64_t meta_len,
			    uint64_t image_size, struct kx_hib_view *v)
{
	const uint8_t *m = meta;
	uint8_t d[32];
	enum kx_status st;

	kx_memset(v, 0, sizeof(*v));
	st = check_header(m, meta_len, image_size, v);
	if (st != KX_OK)
		return st;
	kx_hib_meta_digest(m, v->h.data_off, d);
	if (kx_memcmp(d, v->h.meta_sha256, 32))
		return fault(v, 0x60, KX_ERR_DIGEST);
	v->mmap = (const struct kx_mem_range *)(const void *)(m + kx_hib_mmap_off(&v->h));
	v->extents = m + kx_hib_extents_off(&v->h);
	v->kernel_id = (const char *)m + kx_hib_kernel_id_off(&v->h);
	/* The control page must come back: the jump-back entry runs there. */
	st = check_extents(v, image_size);
	if (st != KX_OK)
		return st;
	for (uint32_t i = 0; i < v->h.nextents; i++) {
		struct kx_hib_extent x;

		kx_hib_extent_at(v, i, &x);
		if (v->h.control_page >= x.phys && v->h.control_page - x.phys < x.pages * PAGE)
			return (x.flags & KX_HIB_X_ZERO) ? fault(v, 0x30, KX_ERR_RANGE) : KX_OK;
	}
	return fault(v, 0x30, KX_ERR_NOT_FOUND);
}

enum kx_status kx_hib_check_extent(const struct kx_hib_extent *x, const void *bytes)
{
	uint8_t d[32];

	kx_sha256(bytes, x->pages * PAGE, d);
	return kx_memcmp(d, x->sha256, 32) ? KX_ERR_DIGEST : KX_OK;
}

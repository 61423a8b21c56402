/* SPDX-License-Identifier: MIT */
/*
 * ELF core header fix-up for displaced pages (see include/kx/elfcore.h).
 * Offsets and constants are the ELF64 specification's; the header is read
 * and written field by field, so the buffer needs no alignment.
 */
#include <kx/compiler.h>
#include <kx/elfcore.h>

#define EH_SIZE 64
#define PH_SIZE 56
/* Elf64_Ehdr fields */
#define EH_TYPE 16
#define EH_PHOFF 32
#define EH_PHENTSIZE 54
#define EH_PHNUM 56
#define ET_CORE 4
/* Elf64_Phdr fields */
#define PH_TYPE 0
#define PH_OFFSET 8
#define PH_VADDR 16
#define PH_PADDR 24
#define PH_FILESZ 32
#define PH_MEMSZ 40
#define PT_LOAD 1
#define PN_XNUM 0xffff

enum kx_status kx_elfcore_check(const uint8_t *h, size_t len)
{
	static const uint8_t ident[7] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	uint64_t phoff;
	unsigned phnum;

	if (!h || len < EH_SIZE)
		return KX_ERR_TRUNCATED;
	if (kx_memcmp(h, ident, sizeof(ident)) || kx_get_le16(h + EH_TYPE) != ET_CORE)
		return KX_ERR_FORMAT;
	if (kx_get_le16(h + EH_PHENTSIZE) != PH_SIZE)
		return KX_ERR_FORMAT;
	phoff = kx_get_le64(h + EH_PHOFF);
	phnum = kx_get_le16(h + EH_PHNUM);
	if (phnum == PN_XNUM)
		return KX_ERR_UNSUPPORTED;	/* count deferred to a section */
	if (phoff < EH_SIZE || phoff > len || (uint64_t)phnum * PH_SIZE > len - phoff)
		return KX_ERR_TRUNCATED;
	return KX_OK;
}

/* Walks one PT_LOAD in address order, cut where displaced ranges begin
 * and end: each piece is read from one place. */
struct pieces {
	const struct kx_backup_extent *ext;
	unsigned n;
	uint64_t start, end, offset, vaddr, at;
	int emitted;
};

struct piece {
	uint64_t paddr, offset, vaddr, size;
};

static int pieces_init(struct pieces *it, const uint8_t *ph,
		       const struct kx_backup_extent *ext, unsigned n)
{
	uint64_t size = kx_get_le64(ph + PH_MEMSZ);

	it->ext = ext;
	it->n = n;
	it->start = it->at = kx_get_le64(ph + PH_PADDR);
	it->end = it->start + size;
	it->offset = kx_get_le64(ph + PH_OFFSET);
	it->vaddr = kx_get_le64(ph + PH_VADDR);
	it->emitted = 0;
	/* p_filesz < p_memsz means a zero-filled tail that is not read from
	 * p_offset: such a header cannot be split by where its data lives. */
	return kx_get_le64(ph + PH_FILESZ) == size && it->end >= it->start;
}

/* The next piece; 0 when the PT_LOAD is done. An empty PT_LOAD gives one
 * empty piece, so every header yields at least one. */
static int pieces_next(struct pieces *it, struct piece *p)
{
	uint64_t next = it->end, cur = it->offset + (it->at - it->start);

	if (it->at >= it->end && it->emitted)
		return 0;
	for (unsigned i = 0; i < it->n; i++) {
		uint64_t o = it->ext[i].orig;
		uint64_t e = o + it->ext[i].pages * KX_PAGE_SIZE;

		if (it->at >= o && it->at < e) {
			next = KX_MIN(e, it->end);
			cur = it->ext[i].current + (it->at - o);
			break;
		}
		if (o > it->at && o < next)
			next = o;
	}
	*p = (struct piece){ it->at, cur, it->vaddr + (it->at - it->start), next - it->at };
	it->emitted = 1;
	it->at = next;
	return 1;
}

static unsigned count_pieces(const uint8_t *ph, const struct kx_backup_extent *ext,
			     unsigned n)
{
	struct pieces it;
	struct piece p;
	unsigned c = 0;

	pieces_init(&it, ph, ext, n);
	while (pieces_next(&it, &p))
		c++;
	return c;
}

enum kx_status kx_elfcore_fixup(uint8_t *h, size_t *len, size_t capacity,
				const struct kx_backup_extent *ext, unsigned n)
{
	uint64_t phoff;
	unsigned phnum, total = 0, out;
	enum kx_status st;

	if (!len || (n && !ext))
		return KX_ERR_INVAL;
	st = kx_elfcore_check(h, *len);
	if (st != KX_OK)
		return st;
	phoff = kx_get_le64(h + EH_PHOFF);
	phnum = kx_get_le16(h + EH_PHNUM);
	if (phoff + (uint64_t)phnum * PH_SIZE != *len || capacity < *len)
		return KX_ERR_FORMAT;	/* the table must end the header */
	for (unsigned i = 0; i < n; i++) {
		uint64_t o = ext[i].orig, sz = ext[i].pages * KX_PAGE_SIZE;

		if (!KX_IS_ALIGNED(o, KX_PAGE_SIZE) ||
		    !KX_IS_ALIGNED(ext[i].current, KX_PAGE_SIZE))
			return KX_ERR_ALIGN;
		if (ext[i].pages > (UINT64_MAX >> KX_PAGE_SHIFT) || o + sz < o ||
		    ext[i].current + sz < ext[i].current)
			return KX_ERR_RANGE;
		for (unsigned j = 0; j < i; j++) {
			uint64_t p = ext[j].orig, pe = p + ext[j].pages * KX_PAGE_SIZE;

			if (o < pe && p < o + sz)
				return KX_ERR_OVERLAP;
		}
	}

	/* Count first: the header changes only if everything fits. */
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = h + phoff + (size_t)i * PH_SIZE;
		struct pieces it;

		if (kx_get_le32(ph + PH_TYPE) == PT_LOAD) {
			if (!pieces_init(&it, ph, ext, n))
				return KX_ERR_FORMAT;
			total += count_pieces(ph, ext, n);
		} else {
			total++;
		}
		if (total >= PN_XNUM)
			return KX_ERR_NO_SPACE;
	}
	if (phoff + (uint64_t)total * PH_SIZE > capacity)
		return KX_ERR_NO_SPACE;

	/*
	 * Expand in place from the last header backwards.  Header i's pieces
	 * go to [first_i, first_i + count_i) with first_i >= i (every header
	 * yields at least one piece), so nothing unread is overwritten.
	 */
	out = total;
	for (unsigned i = phnum; i-- > 0;) {
		uint8_t saved[PH_SIZE];
		struct pieces it;
		struct piece p;
		unsigned c, k = 0;

		kx_memcpy(saved, h + phoff + (size_t)i * PH_SIZE, PH_SIZE);
		c = kx_get_le32(saved + PH_TYPE) == PT_LOAD ? count_pieces(saved, ext, n) : 1;
		out -= c;
		if (c == 1 && kx_get_le32(saved + PH_TYPE) != PT_LOAD) {
			kx_memcpy(h + phoff + (size_t)out * PH_SIZE, saved, PH_SIZE);
			continue;
		}
		pieces_init(&it, saved, ext, n);
		while (pieces_next(&it, &p)) {
			uint8_t *dst = h + phoff + (size_t)(out + k++) * PH_SIZE;

			kx_memcpy(dst, saved, PH_SIZE);
			kx_put_le64(dst + PH_OFFSET, p.offset);
			kx_put_le64(dst + PH_PADDR, p.paddr);
			kx_put_le64(dst + PH_VADDR, p.vaddr);
			kx_put_le64(dst + PH_FILESZ, p.size);
			kx_put_le64(dst + PH_MEMSZ, p.size);
		}
	}
	kx_put_le16(h + EH_PHNUM, (uint16_t)total);
	*len = phoff + (size_t)total * PH_SIZE;
	return KX_OK;
}

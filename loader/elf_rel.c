/* SPDX-License-Identifier: MIT */
/*
 * ET_REL loader (include/kx/elf_rel.h).  Field offsets, section and
 * relocation types and instruction encodings are those of the ELF64
 * specification and its x86_64 and aarch64 processor supplements.
 */
#include <kx/compiler.h>
#include <kx/elf_rel.h>

#define EM_X86_64 62
#define EM_AARCH64 183

/* Elf64_Ehdr */
#define EH_SIZE 64
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_ENTRY 24
#define EH_SHOFF 40
#define EH_SHENTSIZE 58
#define EH_SHNUM 60
#define ET_REL 1

/* Elf64_Shdr */
#define SH_SIZE_OF 64
#define SH_TYPE 4
#define SH_FLAGS 8
#define SH_ADDR 16
#define SH_OFFSET 24
#define SH_SIZE 32
#define SH_LINK 40
#define SH_INFO 44
#define SH_ADDRALIGN 48
#define SH_ENTSIZE 56
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_RELA 4
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4

/* Elf64_Sym */
#define SYM_SIZE_OF 24
#define SYM_NAME 0
#define SYM_SHNDX 6
#define SYM_VALUE 8
#define SYM_SIZE 16
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_ABS 0xfff1
#define SHN_COMMON 0xfff2

/* Elf64_Rela */
#define RELA_SIZE_OF 24

static const uint8_t *shdr(const struct kx_elf_rel *e, unsigned i)
{
	return e->file + e->shoff + (uint64_t)i * SH_SIZE_OF;
}

static uint64_t sh64(const struct kx_elf_rel *e, unsigned i, unsigned off)
{
	return kx_get_le64(shdr(e, i) + off);
}

static uint32_t sh32(const struct kx_elf_rel *e, unsigned i, unsigned off)
{
	return kx_get_le32(shdr(e, i) + off);
}

static int in_file(const struct kx_elf_rel *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

static uint64_t align_of(const struct kx_elf_rel *e, unsigned i)
{
	uint64_t a = sh64(e, i, SH_ADDRALIGN);

	return a ? a : 1;
}

enum kx_status kx_elf_rel_open(struct kx_elf_rel *e, const void *file,
			       size_t size)
{
	static const uint8_t ident[7] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	const uint8_t *f = file;

	if (!e || !f)
		return KX_ERR_INVAL;
	kx_memset(e, 0, sizeof(*e));
	if (size < EH_SIZE)
		return KX_ERR_TRUNCATED;
	if (kx_memcmp(f, ident, sizeof(ident)) || kx_get_le16(f + EH_TYPE) != ET_REL)
		return KX_ERR_FORMAT;
	e->file = f;
	e->size = size;
	e->machine = kx_get_le16(f + EH_MACHINE);
	if (e->machine != EM_X86_64 && e->machine != EM_AARCH64)
		return KX_ERR_UNSUPPORTED;
	e->shoff = kx_get_le64(f + EH_SHOFF);
	e->shnum = kx_get_le16(f + EH_SHNUM);
	if (kx_get_le16(f + EH_SHENTSIZE) != SH_SIZE_OF || e->shnum == 0)
		return KX_ERR_FORMAT;
	if (e->shnum > KX_ELF_REL_MAX_SECTIONS)
		return KX_ERR_UNSUPPORTED;
	if (!in_file(e, e->shoff, (uint64_t)e->shnum * SH_SIZE_OF))
		return KX_ERR_TRUNCATED;
	for (unsigned i = 0; i < e->shnum; i++) {
		uint32_t type = sh32(e, i, SH_TYPE);
		uint64_t a = sh64(e, i, SH_ADDRALIGN);

		if (a & (a - 1))
			return KX_ERR_FORMAT;	/* alignment not a power of 2 */
		if (type != SHT_NOBITS &&
		    !in_file(e, sh64(e, i, SH_OFFSET), sh64(e, i, SH_SIZE)))
			return KX_ERR_TRUNCATED;
		if (type == SHT_SYMTAB || type == SHT_RELA || type == SHT_REL) {
			unsigned ent = type == SHT_SYMTAB ? SYM_SIZE_OF : RELA_SIZE_OF;

			if (type == SHT_REL)
				return KX_ERR_UNSUPPORTED;	/* both ABIs use RELA */
			if (sh64(e, i, SH_ENTSIZE) != ent || sh64(e, i, SH_SIZE) % ent ||
			    sh32(e, i, SH_LINK) >= e->shnum)
				return KX_ERR_FORMAT;
			if (type == SHT_RELA && sh32(e, i, SH_INFO) >= e->shnum)
				return KX_ERR_FORMAT;
		}
		if (type == SHT_SYMTAB &&
		    sh32(e, sh32(e, i, SH_LINK), SH_TYPE) != SHT_STRTAB)
			return KX_ERR_FORMAT;
	}
	return KX_OK;
}

/* Largest section alignment accepted; purgatories ask for 4 KiB. */
#define MAX_ALIGN (1ULL << 30)

/*
 * kexec-tools' layout: sections with contents in order, each aligned,
 * then the NOBITS ones; the image covers both.  KX_ERR_RANGE when the
 * sizes and alignments do not fit in 64 bits.
 */
static enum kx_status layout(const struct kx_elf_rel *e, uint64_t *off_out,
			     uint64_t *size_out, uint64_t *align_out)
{
	uint64_t off = 0, align = 1;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < e->shnum; i++) {
			uint64_t a = align_of(e, i), sz = sh64(e, i, SH_SIZE);
			int nobits = sh32(e, i, SH_TYPE) == SHT_NOBITS;

			if (!(sh64(e, i, SH_FLAGS) & SHF_ALLOC) || nobits != pass)
				continue;
			if (a > MAX_ALIGN || off > UINT64_MAX - a)
				return KX_ERR_RANGE;
			off = KX_ALIGN_UP(off, a);
			if (sz > UINT64_MAX - off)
				return KX_ERR_RANGE;
			if (off_out)
				off_out[i] = off;
			off += sz;
			align = KX_MAX(align, a);
		}
	}
	*size_out = off;
	if (align_out)
		*align_out = align;
	return KX_OK;
}

enum kx_status kx_elf_rel_image_size(const struct kx_elf_rel *e,
				     uint64_t *size, uint64_t *align)
{
	if (!e || !e->file || !size || !align)
		return KX_ERR_INVAL;
	return layout(e, 0, size, align);
}

/* Symbol i of symtab section st: its value as a physical address. */
static enum kx_status sym_value(const struct kx_elf_rel *e, unsigned st,
				uint64_t i, uint64_t *value)
{
	uint64_t off = sh64(e, st, SH_OFFSET) + i * SYM_SIZE_OF;
	const uint8_t *s;
	uint16_t ndx;

	if (i >= sh64(e, st, SH_SIZE) / SYM_SIZE_OF)
		return KX_ERR_FORMAT;
	s = e->file + off;
	ndx = kx_get_le16(s + SYM_SHNDX);
	if (ndx == SHN_UNDEF)
		return KX_ERR_NOT_FOUND;
	if (ndx == SHN_ABS) {
		*value = kx_get_le64(s + SYM_VALUE);
		return KX_OK;
	}
	if (ndx >= SHN_LORESERVE || ndx >= e->shnum)
		return KX_ERR_UNSUPPORTED;	/* COMMON and friends */
	if (!(sh64(e, ndx, SH_FLAGS) & SHF_ALLOC))
		return KX_ERR_FORMAT;
	*value = e->sec_addr[ndx] + kx_get_le64(s + SYM_VALUE);
	return KX_OK;
}

static int fits_signed(int64_t v, unsigned bits)
{
	int64_t lim = (int64_t)1 << (bits - 1);

	return v >= -lim && v < lim;
}

/* Patches an A64 instruction's immediate field [lsb, lsb + width). */
static void insn_field(uint8_t *p, uint64_t v, unsigned lsb, unsigned width)
{
	uint32_t mask = (uint32_t)(((1ULL << width) - 1) << lsb);
	uint32_t insn = kx_get_le32(p);

	kx_put_le32(p, (insn & ~mask) | ((uint32_t)(v << lsb) & mask));
}

static enum kx_status apply_x86_64(uint8_t *p, uint32_t type, uint64_t s,
				   int64_t a, uint64_t place, uint64_t room)
{
	uint64_t v = s + (uint64_t)a;

	switch (type) {
	case 0:		/* R_X86_64_NONE */
		return KX_OK;
	case 1:		/* R_X86_64_64 */
		if (room < 8)
			return KX_ERR_ELF_RELOC;
		kx_put_le64(p, v);
		return KX_OK;
	case 2:		/* R_X86_64_PC32 */
	case 4:		/* R_X86_64_PLT32: no PLT here, same as PC32 */
		v -= place;
		if (room < 4 || !fits_signed((int64_t)v, 32))
			return room < 4 ? KX_ERR_ELF_RELOC : KX_ERR_RANGE;
		kx_put_le32(p, (uint32_t)v);
		return KX_OK;
	case 10:	/* R_X86_64_32 */
	case 11:	/* R_X86_64_32S */
		if (room < 4)
			return KX_ERR_ELF_RELOC;
		if (type == 10 ? v > 0xffffffffULL : !fits_signed((int64_t)v, 32))
			return KX_ERR_RANGE;
		kx_put_le32(p, (uint32_t)v);
		return KX_OK;
	}
	return KX_ERR_UNSUPPORTED;
}

static enum kx_status apply_aarch64(uint8_t *p, uint32_t type, uint64_t s,
				    int64_t a, uint64_t place, uint64_t room)
{
	uint64_t v = s + (uint64_t)a;
	int64_t rel = (int64_t)(v - place);

	if (type == 0)		/* R_AARCH64_NONE */
		return KX_OK;
	if (type == 257) {	/* R_AARCH64_ABS64 */
		if (room < 8)
			return KX_ERR_ELF_RELOC;
		kx_put_le64(p, v);
		return KX_OK;
	}
	if (room < 4)
		return KX_ERR_ELF_RELOC;
	switch (type) {
	case 261:	/* R_AARCH64_PREL32 */
		if (!fits_signed(rel, 32))
			return KX_ERR_RANGE;
		kx_put_le32(p, (uint32_t)rel);
		return KX_OK;
	case 263:	/* R_AARCH64_MOVW_UABS_G0 (checked) */
	case 264:	/* _G0_NC */
		if (type == 263 && v > 0xffff)
			return KX_ERR_RANGE;
		insn_field(p, v, 5, 16);
		return KX_OK;
	case 265:	/* _G1 (checked) */
	case 266:	/* _G1_NC */
		if (type == 265 && v > 0xffffffffULL)
			return KX_ERR_RANGE;
		insn_field(p, v >> 16, 5, 16);
		return KX_OK;
	case 267:	/* _G2 (checked) */
	case 268:	/* _G2_NC */
		if (type == 267 && v > 0xffffffffffffULL)
			return KX_ERR_RANGE;
		insn_field(p, v >> 32, 5, 16);
		return KX_OK;
	case 269:	/* _G3 */
		insn_field(p, v >> 48, 5, 16);
		return KX_OK;
	case 273:	/* R_AARCH64_LD_PREL_LO19 */
		if (!fits_signed(rel, 21) || (rel & 3))
			return KX_ERR_RANGE;
		insn_field(p, (uint64_t)rel >> 2, 5, 19);
		return KX_OK;
	case 274:	/* R_AARCH64_ADR_PREL_LO21 */
	case 275: {	/* R_AARCH64_ADR_PREL_PG_HI21 */
		int64_t imm = rel;

		if (type == 275)
			imm = (int64_t)((v & ~0xfffULL) - (place & ~0xfffULL)) >> 12;
		if (!fits_signed(imm, 21))
			return KX_ERR_RANGE;
		insn_field(p, (uint64_t)imm & 3, 29, 2);
		insn_field(p, (uint64_t)imm >> 2, 5, 19);
		return KX_OK;
	}
	case 277:	/* R_AARCH64_ADD_ABS_LO12_NC */
	case 278:	/* R_AARCH64_LDST8_ABS_LO12_NC */
		insn_field(p, v & 0xfff, 10, 12);
		return KX_OK;
	case 284:	/* LDST16 */
	case 285:	/* LDST32 */
	case 286:	/* LDST64 */
	case 299: {	/* LDST128 */
		unsigned shift = type == 284 ? 1 : type == 285 ? 2 : type == 286 ? 3 : 4;

		if ((v & 0xfff) & ((1u << shift) - 1))
			return KX_ERR_ALIGN;
		insn_field(p, (v & 0xfff) >> shift, 10, 12);
		return KX_OK;
	}
	case 282:	/* R_AARCH64_JUMP26 */
	case 283:	/* R_AARCH64_CALL26 */
		if (!fits_signed(rel, 28) || (rel & 3))
			return KX_ERR_RANGE;
		insn_field(p, (uint64_t)rel >> 2, 0, 26);
		return KX_OK;
	}
	return KX_ERR_UNSUPPORTED;
}

enum kx_status kx_elf_rel_load(struct kx_elf_rel *e, void *image,
			       uint64_t capacity, uint64_t phys)
{
	uint64_t off[KX_ELF_REL_MAX_SECTIONS] = { 0 }, size, align, entry;
	uint8_t *img = image;
	int have_entry = 0;

	enum kx_status st;

	if (!e || !e->file || !image)
		return KX_ERR_INVAL;
	st = layout(e, off, &size, &align);
	if (st != KX_OK)
		return st;
	if (size > capacity)
		return KX_ERR_NO_SPACE;
	if (phys & (align - 1))
		return KX_ERR_ALIGN;
	if (phys + size < phys)
		return KX_ERR_RANGE;
	kx_memset(img, 0, size);
	kx_memset(e->sec_addr, 0, sizeof(e->sec_addr));
	entry = kx_get_le64(e->file + EH_ENTRY);
	for (unsigned i = 0; i < e->shnum; i++) {
		uint64_t sz = sh64(e, i, SH_SIZE), addr = sh64(e, i, SH_ADDR);

		if (!(sh64(e, i, SH_FLAGS) & SHF_ALLOC))
			continue;
		e->sec_addr[i] = phys + off[i];
		if (sh32(e, i, SH_TYPE) != SHT_NOBITS)
			kx_memcpy(img + off[i], e->file + sh64(e, i, SH_OFFSET), sz);
		/* e_entry is relative to the code section that holds it. */
		if (!have_entry && (sh64(e, i, SH_FLAGS) & SHF_EXECINSTR) &&
		    entry >= addr && entry - addr < sz) {
			e->entry = e->sec_addr[i] + (entry - addr);
			have_entry = 1;
		}
	}
	e->image = img;
	e->image_phys = phys;
	e->image_size = size;
	if (!have_entry)
		e->entry = 0;

	for (unsigned r = 0; r < e->shnum; r++) {
		unsigned target, symtab;
		uint64_t n;

		if (sh32(e, r, SH_TYPE) != SHT_RELA)
			continue;
		target = sh32(e, r, SH_INFO);
		symtab = sh32(e, r, SH_LINK);
		if (!(sh64(e, target, SH_FLAGS) & SHF_ALLOC))
			continue;	/* debug sections: not loaded */
		if (sh32(e, target, SH_TYPE) == SHT_NOBITS ||
		    sh32(e, symtab, SH_TYPE) != SHT_SYMTAB)
			return KX_ERR_FORMAT;
		n = sh64(e, r, SH_SIZE) / RELA_SIZE_OF;
		for (uint64_t k = 0; k < n; k++) {
			const uint8_t *rela = e->file + sh64(e, r, SH_OFFSET) + k * RELA_SIZE_OF;
			uint64_t where = kx_get_le64(rela);
			uint64_t info = kx_get_le64(rela + 8);
			int64_t addend = (int64_t)kx_get_le64(rela + 16);
			uint64_t tsize = sh64(e, target, SH_SIZE), s = 0;
			uint32_t type = (uint32_t)info;
			enum kx_status rc;

			if (where >= tsize)
				return KX_ERR_ELF_RELOC;
			if ((info >> 32) != 0) {
				rc = sym_value(e, symtab, info >> 32, &s);
				if (rc != KX_OK)
					return rc;
			}
			rc = e->machine == EM_X86_64 ?
				apply_x86_64(img + off[target] + where, type, s, addend,
					     e->sec_addr[target] + where, tsize - where) :
				apply_aarch64(img + off[target] + where, type, s, addend,
					      e->sec_addr[target] + where, tsize - where);
			if (rc != KX_OK)
				return rc;
		}
	}
	return KX_OK;
}

/* Finds a defined symbol by name; returns its symtab entry. */
static const uint8_t *find_sym(const struct kx_elf_rel *e, const char *name,
			       unsigned *symtab)
{
	for (unsigned st = 0; st < e->shnum; st++) {
		unsigned strtab;
		uint64_t n, stroff, strsize;

		if (sh32(e, st, SH_TYPE) != SHT_SYMTAB)
			continue;
		strtab = sh32(e, st, SH_LINK);
		stroff = sh64(e, strtab, SH_OFFSET);
		strsize = sh64(e, strtab, SH_SIZE);
		n = sh64(e, st, SH_SIZE) / SYM_SIZE_OF;
		for (uint64_t i = 1; i < n; i++) {
			const uint8_t *s = e->file + sh64(e, st, SH_OFFSET) + i * SYM_SIZE_OF;
			uint32_t at = kx_get_le32(s + SYM_NAME);
			uint64_t k = 0;

			if (at >= strsize || kx_get_le16(s + SYM_SHNDX) == SHN_UNDEF)
				continue;
			/* Compare within the string table only. */
			while (at + k < strsize && name[k] &&
			       e->file[stroff + at + k] == (uint8_t)name[k])
				k++;
			if (!name[k] && at + k < strsize && e->file[stroff + at + k] == 0) {
				*symtab = st;
				return s;
			}
		}
	}
	return 0;
}

enum kx_status kx_elf_rel_symbol(const struct kx_elf_rel *e, const char *name,
				 uint64_t *addr, uint64_t *size)
{
	const uint8_t *s;
	unsigned st;
	uint64_t a;
	enum kx_status rc;

	if (!e || !e->file || !name || !addr || !size)
		return KX_ERR_INVAL;
	s = find_sym(e, name, &st);
	if (!s)
		return KX_ERR_NOT_FOUND;
	if (!e->image)
		return KX_ERR_INVAL;	/* addresses exist once loaded */
	rc = sym_value(e, st, (uint64_t)(s - (e->file + sh64(e, st, SH_OFFSET))) / SYM_SIZE_OF, &a);
	if (rc != KX_OK)
		return rc;
	*addr = a;
	*size = kx_get_le64(s + SYM_SIZE);
	return KX_OK;
}

/* The loaded bytes of a symbol, checked as kexec-tools checks them. */
static enum kx_status sym_bytes(const struct kx_elf_rel *e, const char *name,
				uint64_t size, uint8_t **bytes)
{
	const uint8_t *s;
	unsigned st;
	uint16_t ndx;
	uint64_t addr, sz;
	enum kx_status rc = kx_elf_rel_symbol(e, name, &addr, &sz);

	if (rc != KX_OK)
		return rc;
	s = find_sym(e, name, &st);
	ndx = kx_get_le16(s + SYM_SHNDX);
	if (sz != size)
		return KX_ERR_ELF_SYMBOL;
	if (ndx >= e->shnum || sh32(e, ndx, SH_TYPE) == SHT_NOBITS)
		return KX_ERR_FORMAT;
	if (addr < e->image_phys || addr - e->image_phys > e->image_size ||
	    size > e->image_size - (addr - e->image_phys))
		return KX_ERR_RANGE;
	*bytes = e->image + (addr - e->image_phys);
	return KX_OK;
}

enum kx_status kx_elf_rel_set(struct kx_elf_rel *e, const char *name,
			      const void *value, uint64_t size)
{
	uint8_t *p;
	enum kx_status rc = sym_bytes(e, name, size, &p);

	if (rc == KX_OK)
		kx_memcpy(p, value, size);
	return rc;
}

enum kx_status kx_elf_rel_get(const struct kx_elf_rel *e, const char *name,
			      void *value, uint64_t size)
{
	uint8_t *p;
	enum kx_status rc = sym_bytes(e, name, size, &p);

	if (rc == KX_OK)
		kx_memcpy(value, p, size);
	return rc;
}

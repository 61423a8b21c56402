/* SPDX-License-Identifier: MIT */
/*
 * Flattened device tree reader and bounded editor (include/kx/fdt.h).
 * Layout (Devicetree Specification v0.4, 5.2-5.4): a 40-byte header, the
 * memory reservation map (16-byte {address, size} entries ending with a
 * zero one), the struct block (4-byte aligned tokens) and the strings
 * block (property names).  kx only edits blobs laid out in that order,
 * and keeps any free space at the end, before totalsize.
 */
#include <kx/compiler.h>
#include <kx/fdt.h>
#include <kx/format.h>

#define HDR_MAGIC 0
#define HDR_TOTALSIZE 4
#define HDR_OFF_STRUCT 8
#define HDR_OFF_STRINGS 12
#define HDR_OFF_RSVMAP 16
#define HDR_VERSION 20
#define HDR_LAST_COMP 24
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT 36

#define TOK_BEGIN_NODE 1
#define TOK_END_NODE 2
#define TOK_PROP 3
#define TOK_NOP 4
#define TOK_END 9

#define RSV_ENTRY 16

static uint32_t align4(uint32_t x)
{
	return (x + 3) & ~3u;
}

static uint8_t *sblock(const struct kx_fdt *f)
{
	return f->blob + f->off_struct;
}

/* Length of the NUL-terminated string at s, bounded by max; max if none. */
static uint32_t str_len(const uint8_t *s, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static uint32_t cstr_len(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* a and b are the same string (a is NUL-terminated inside the blob). */
static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/*
 * The token at struct offset off: its type and the offset of the next
 * one.  Checks that the token and its payload lie in the struct block.
 */
static enum kx_status next_token(const struct kx_fdt *f, uint32_t off,
				 uint32_t *tag, uint32_t *next)
{
	const uint8_t *s = sblock(f);
	uint32_t size = f->size_struct, n;
	uint64_t end;

	if (off > size || size - off < 4 || off % 4)
		return KX_ERR_FDT_FORMAT;
	*tag = kx_fdt32(s + off);
	switch (*tag) {
	case TOK_BEGIN_NODE:
		n = str_len(s + off + 4, size - off - 4);
		if (n == size - off - 4)
			return KX_ERR_FDT_FORMAT;	/* no NUL in the block */
		end = (uint64_t)off + 4 + n + 1;
		break;
	case TOK_PROP:
		if (size - off < 12)
			return KX_ERR_FDT_FORMAT;
		end = (uint64_t)off + 12 + kx_fdt32(s + off + 4);
		break;
	case TOK_END_NODE:
	case TOK_NOP:
	case TOK_END:
		end = (uint64_t)off + 4;
		break;
	default:
		return KX_ERR_FDT_FORMAT;
	}
	end = (end + 3) & ~3ull;
	if (end > size)
		return KX_ERR_FDT_FORMAT;
	*next = (uint32_t)end;
	return KX_OK;
}

/*
 * The property name at strings offset nameoff, or NULL if it is bad.  A
 * name is good when a NUL follows it inside the block: when it starts
 * before the block's last NUL (names_end), so no name is scanned here.
 */
static const char *prop_name(const struct kx_fdt *f, uint32_t nameoff)
{
	if (nameoff >= f->names_end)
		return 0;
	return (const char *)f->blob + f->off_strings + nameoff;
}

/* names_end: one scan of the strings block, backwards to its last NUL. */
static uint32_t find_names_end(const struct kx_fdt *f)
{
	const uint8_t *s = f->blob + f->off_strings;
	uint32_t n = f->size_strings;

	while (n > 0 && s[n - 1] != 0)
		n--;
	return n;
}

/* Every token well formed, nodes balanced, one root, FDT_END last. */
static enum kx_status check_struct(const struct kx_fdt *f)
{
	uint32_t off = 0, tag, next, depth = 0, roots = 0;
	enum kx_status st;

	/* Each token is at least 4 bytes: at most size/4 of them. */
	while (off < f->size_struct) {
		st = next_token(f, off, &tag, &next);
		if (st != KX_OK)
			return st;
		switch (tag) {
		case TOK_BEGIN_NODE:
			if (depth == 0 && roots++)
				return KX_ERR_FDT_FORMAT;
			if (++depth > KX_FDT_MAX_DEPTH)
				return KX_ERR_FDT_FORMAT;
			break;
		case TOK_END_NODE:
			if (depth == 0)
				return KX_ERR_FDT_FORMAT;
			depth--;
			break;
		case TOK_PROP:
			if (depth == 0 || !prop_name(f, kx_fdt32(sblock(f) + off + 8)))
				return KX_ERR_FDT_FORMAT;
			break;
		case TOK_END:
			return depth == 0 && roots == 1 ? KX_OK : KX_ERR_FDT_FORMAT;
		}
		off = next;
	}
	return KX_ERR_FDT_FORMAT;	/* no FDT_END */
}

enum kx_status kx_fdt_open(struct kx_fdt *f, void *blob, size_t avail)
{
	const uint8_t *h = blob;
	uint32_t rsv_end;

	if (!f || !blob)
		return KX_ERR_INVAL;
	if (avail < KX_FDT_HEADER_SIZE)
		return KX_ERR_TRUNCATED;
	if (kx_fdt32(h + HDR_MAGIC) != KX_FDT_MAGIC)
		return KX_ERR_FDT_MAGIC;
	if (kx_fdt32(h + HDR_VERSION) < 17 || kx_fdt32(h + HDR_LAST_COMP) > 17)
		return KX_ERR_FDT_VERSION;
	f->blob = blob;
	f->size = kx_fdt32(h + HDR_TOTALSIZE);
	f->off_rsvmap = kx_fdt32(h + HDR_OFF_RSVMAP);
	f->off_struct = kx_fdt32(h + HDR_OFF_STRUCT);
	f->size_struct = kx_fdt32(h + HDR_SIZE_STRUCT);
	f->off_strings = kx_fdt32(h + HDR_OFF_STRINGS);
	f->size_strings = kx_fdt32(h + HDR_SIZE_STRINGS);
	if (f->size > avail)
		return KX_ERR_TRUNCATED;
	/* Header, map, struct, strings, in that order, inside totalsize. */
	if (f->size < KX_FDT_HEADER_SIZE ||
	    f->off_rsvmap < KX_FDT_HEADER_SIZE || f->off_rsvmap % 8 ||
	    f->off_struct % 4 || f->size_struct % 4 ||
	    f->off_struct < f->off_rsvmap ||
	    f->off_struct - f->off_rsvmap < RSV_ENTRY ||
	    (uint64_t)f->off_struct + f->size_struct > f->size ||
	    f->off_strings < (uint64_t)f->off_struct + f->size_struct ||
	    (uint64_t)f->off_strings + f->size_strings > f->size)
		return KX_ERR_FDT_FORMAT;
	/* The map ends with a zero entry before the struct block. */
	for (rsv_end = f->off_rsvmap;; rsv_end += RSV_ENTRY) {
		if (f->off_struct - rsv_end < RSV_ENTRY)
			return KX_ERR_FDT_FORMAT;
		if (!kx_fdt64(h + rsv_end) && !kx_fdt64(h + rsv_end + 8))
			break;
	}
	f->names_end = find_names_end(f);
	return check_struct(f);
}

static uint32_t used_end(const struct kx_fdt *f)
{
	return f->off_strings + f->size_strings;
}

uint32_t kx_fdt_free(const struct kx_fdt *f)
{
	return f->size - used_end(f);
}

enum kx_status kx_fdt_grow(struct kx_fdt *f, uint32_t new_size)
{
	if (new_size < f->size)
		return KX_ERR_INVAL;
	kx_memset(f->blob + f->size, 0, new_size - f->size);
	f->size = new_size;
	kx_fdt_put32(f->blob + HDR_TOTALSIZE, new_size);
	return KX_OK;
}

/* Writes the header fields kx's edits change. */
static void put_header(struct kx_fdt *f)
{
	kx_fdt_put32(f->blob + HDR_OFF_STRUCT, f->off_struct);
	kx_fdt_put32(f->blob + HDR_OFF_STRINGS, f->off_strings);
	kx_fdt_put32(f->blob + HDR_SIZE_STRUCT, f->size_struct);
	kx_fdt_put32(f->blob + HDR_SIZE_STRINGS, f->size_strings);
}

/*
 * Moves everything from blob offset at to the end of the strings block by
 * delta bytes (up: a gap of delta opens at at; down: delta bytes at at
 * are dropped and the freed tail zeroed).  The caller checked the room.
 */
static void shift(struct kx_fdt *f, uint32_t at, int64_t delta)
{
	uint32_t end = used_end(f);

	if (delta > 0) {
		kx_memmove(f->blob + at + delta, f->blob + at, end - at);
		kx_memset(f->blob + at, 0, (size_t)delta);
	} else if (delta < 0) {
		uint32_t d = (uint32_t)-delta;

		kx_memmove(f->blob + at, f->blob + at + d, end - at - d);
		kx_memset(f->blob + end - d, 0, d);
	}
}

/* Offset of the first token after node's FDT_BEGIN_NODE (its name). */
static enum kx_status node_body(const struct kx_fdt *f, uint32_t node,
				uint32_t *body)
{
	uint32_t tag;
	enum kx_status st = next_token(f, node, &tag, body);

	if (st != KX_OK || tag != TOK_BEGIN_NODE)
		return KX_ERR_INVAL;
	return KX_OK;
}

enum kx_status kx_fdt_next_child(const struct kx_fdt *f, uint32_t node,
				 uint32_t *child, const char **name)
{
	uint32_t off, tag, next, depth = 0;
	enum kx_status st;

	if (*child == 0) {
		st = node_body(f, node, &off);
		if (st != KX_OK)
			return st;
	} else {
		/* Skip the previous child and everything inside it. */
		st = node_body(f, *child, &off);
		if (st != KX_OK)
			return st;
		depth = 1;
	}
	while (off < f->size_struct) {
		st = next_token(f, off, &tag, &next);
		if (st != KX_OK)
			return st;
		if (tag == TOK_BEGIN_NODE) {
			if (depth == 0) {
				*child = off;
				*name = (const char *)sblock(f) + off + 4;
				return KX_OK;
			}
			depth++;
		} else if (tag == TOK_END_NODE) {
			if (depth == 0)
				return KX_ERR_NOT_FOUND;	/* node's own end */
			depth--;
		} else if (tag == TOK_END) {
			return KX_ERR_FDT_FORMAT;
		}
		off = next;
	}
	return KX_ERR_FDT_FORMAT;
}

/* name matches the path component [c, c + n). */
static int name_matches(const char *name, const char *c, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (name[i] != c[i])
			return 0;
	if (name[n] == 0)
		return 1;
	/* "cpus" finds "cpus@0" when the component names no unit. */
	for (i = 0; i < n; i++)
		if (c[i] == '@')
			return 0;
	return name[n] == '@';
}

enum kx_status kx_fdt_find_node(const struct kx_fdt *f, const char *path,
				uint32_t *node)
{
	uint32_t cur = 0, tag, next;
	enum kx_status st;

	if (!path || path[0] != '/')
		return KX_ERR_INVAL;
	/* The root is the first FDT_BEGIN_NODE, after any NOPs. */
	for (;;) {
		st = next_token(f, cur, &tag, &next);
		if (st != KX_OK)
			return st;
		if (tag == TOK_BEGIN_NODE)
			break;
		if (tag != TOK_NOP)
			return KX_ERR_FDT_FORMAT;
		cur = next;
	}
	while (*path) {
		uint32_t n = 0, child = 0;
		const char *name;

		while (*path == '/')
			path++;
		while (path[n] && path[n] != '/')
			n++;
		if (!n)
			break;
		for (;;) {
			st = kx_fdt_next_child(f, cur, &child, &name);
			if (st != KX_OK)
				return st;
			if (name_matches(name, path, n))
				break;
		}
		cur = child;
		path += n;
	}
	*node = cur;
	return KX_OK;
}

/* The struct offset of node's property called name, or KX_ERR_NOT_FOUND. */
static enum kx_status find_prop(const struct kx_fdt *f, uint32_t node,
				const char *name, uint32_t *prop)
{
	uint32_t off, tag, next;
	enum kx_status st = node_body(f, node, &off);

	if (st != KX_OK)
		return st;
	/* Properties come before the node's children. */
	while (off < f->size_struct) {
		st = next_token(f, off, &tag, &next);
		if (st != KX_OK)
			return st;
		if (tag == TOK_PROP) {
			const char *pn = prop_name(f, kx_fdt32(sblock(f) + off + 8));

			if (!pn)
				return KX_ERR_FDT_FORMAT;
			if (str_eq(pn, name)) {
				*prop = off;
				return KX_OK;
			}
		} else if (tag != TOK_NOP) {
			return KX_ERR_NOT_FOUND;
		}
		off = next;
	}
	return KX_ERR_FDT_FORMAT;
}

enum kx_status kx_fdt_get_prop(const struct kx_fdt *f, uint32_t node,
			       const char *name, const void **val,
			       uint32_t *len)
{
	uint32_t prop;
	enum kx_status st = find_prop(f, node, name, &prop);

	if (st != KX_OK)
		return st;
	*len = kx_fdt32(sblock(f) + prop + 4);
	*val = sblock(f) + prop + 12;
	return KX_OK;
}

/* Offset of name in the strings block, or size_strings if absent. */
static uint32_t find_string(const struct kx_fdt *f, const char *name,
			    uint32_t nlen)
{
	const uint8_t *s = f->blob + f->off_strings;

	/* Any occurrence followed by a NUL will do, a suffix included. */
	for (uint32_t i = 0; f->size_strings - i > nlen; i++)
		if (!kx_memcmp(s + i, name, nlen) && s[i + nlen] == 0)
			return i;
	return f->size_strings;
}

/* kx_fdt_set_prop; val NULL: len zero bytes, for the caller to fill. */
static enum kx_status set_prop(struct kx_fdt *f, uint32_t node,
			       const char *name, const void *val, uint32_t len)
{
	uint32_t prop, body, nlen, nameoff, at;
	uint64_t need;
	enum kx_status st;

	if (!name)
		return KX_ERR_INVAL;
	nlen = cstr_len(name);
	if (!nlen || len > f->size)
		return KX_ERR_INVAL;
	st = find_prop(f, node, name, &prop);
	if (st == KX_OK) {
		/* Resize the value in place, then write it. */
		uint32_t old = kx_fdt32(sblock(f) + prop + 4);
		int64_t delta = (int64_t)align4(len) - (int64_t)align4(old);

		if (delta > (int64_t)kx_fdt_free(f))
			return KX_ERR_NO_SPACE;
		at = f->off_struct + prop + 12;
		if (delta > 0)
			shift(f, at + align4(old), delta);
		else if (delta < 0)
			shift(f, at + align4(len), delta);
		f->size_struct = (uint32_t)(f->size_struct + delta);
		f->off_strings = (uint32_t)(f->off_strings + delta);
		kx_fdt_put32(f->blob + at - 8, len);
		kx_memset(f->blob + at, 0, align4(len));
		if (len && val)
			kx_memcpy(f->blob + at, val, len);
		put_header(f);
		return KX_OK;
	}
	if (st != KX_ERR_NOT_FOUND)
		return st;

	/* A new property, first in the node; its name appended if new. */
	st = node_body(f, node, &body);
	if (st != KX_OK)
		return st;
	nameoff = find_string(f, name, nlen);
	need = 12 + (uint64_t)align4(len) + (nameoff == f->size_strings ? nlen + 1 : 0);
	if (need > kx_fdt_free(f))
		return KX_ERR_NO_SPACE;
	at = f->off_struct + body;
	shift(f, at, 12 + align4(len));
	f->size_struct += 12 + align4(len);
	f->off_strings += 12 + align4(len);
	if (nameoff == f->size_strings) {
		kx_memcpy(f->blob + f->off_strings + f->size_strings, name, nlen + 1);
		f->size_strings += nlen + 1;
		f->names_end = f->size_strings;
	}
	kx_fdt_put32(f->blob + at, TOK_PROP);
	kx_fdt_put32(f->blob + at + 4, len);
	kx_fdt_put32(f->blob + at + 8, nameoff);
	if (len && val)
		kx_memcpy(f->blob + at + 12, val, len);
	put_header(f);
	return KX_OK;
}

enum kx_status kx_fdt_set_prop(struct kx_fdt *f, uint32_t node,
			       const char *name, const void *val, uint32_t len)
{
	if (len && !val)
		return KX_ERR_INVAL;
	return set_prop(f, node, name, val, len);
}

/* The offset of node's own FDT_END_NODE. */
static enum kx_status node_end(const struct kx_fdt *f, uint32_t node, uint32_t *end)
{
	uint32_t off, tag, next, depth = 0;
	enum kx_status st = node_body(f, node, &off);

	if (st != KX_OK)
		return st;
	while (off < f->size_struct) {
		st = next_token(f, off, &tag, &next);
		if (st != KX_OK)
			return st;
		if (tag == TOK_BEGIN_NODE) {
			depth++;
		} else if (tag == TOK_END_NODE) {
			if (depth == 0) {
				*end = off;
				return KX_OK;
			}
			depth--;
		} else if (tag == TOK_END) {
			return KX_ERR_FDT_FORMAT;
		}
		off = next;
	}
	return KX_ERR_FDT_FORMAT;
}

enum kx_status kx_fdt_add_node(struct kx_fdt *f, uint32_t parent,
			       const char *name, uint32_t *node)
{
	uint32_t nlen, end, need, at;
	enum kx_status st;

	if (!f || !name || !node)
		return KX_ERR_INVAL;
	nlen = cstr_len(name);
	if (!nlen || nlen > f->size)
		return KX_ERR_INVAL;
	for (uint32_t i = 0; i < nlen; i++)
		if (name[i] == '/')
			return KX_ERR_INVAL;
	st = node_end(f, parent, &end);
	if (st != KX_OK)
		return st;
	/* FDT_BEGIN_NODE, the name and its NUL padded to 4, FDT_END_NODE. */
	need = 4 + align4(nlen + 1) + 4;
	if (need > kx_fdt_free(f))
		return KX_ERR_NO_SPACE;
	at = f->off_struct + end;
	shift(f, at, need);
	f->size_struct += need;
	f->off_strings += need;
	kx_fdt_put32(f->blob + at, TOK_BEGIN_NODE);
	kx_memcpy(f->blob + at + 4, name, nlen);
	kx_fdt_put32(f->blob + at + need - 4, TOK_END_NODE);
	put_header(f);
	*node = end;
	return KX_OK;
}

/* Offset (in the blob) of the map's terminating zero entry. */
static uint32_t rsv_terminator(const struct kx_fdt *f)
{
	uint32_t off = f->off_rsvmap;

	/* kx_fdt_open() proved there is one before the struct block. */
	while (kx_fdt64(f->blob + off) || kx_fdt64(f->blob + off + 8))
		off += RSV_ENTRY;
	return off;
}

enum kx_status kx_fdt_get_memreserve(const struct kx_fdt *f, uint32_t i,
				     uint64_t *addr, uint64_t *size)
{
	uint32_t end = rsv_terminator(f);

	if (i >= (end - f->off_rsvmap) / RSV_ENTRY)
		return KX_ERR_NOT_FOUND;
	*addr = kx_fdt64(f->blob + f->off_rsvmap + i * RSV_ENTRY);
	*size = kx_fdt64(f->blob + f->off_rsvmap + i * RSV_ENTRY + 8);
	return KX_OK;
}

enum kx_status kx_fdt_add_memreserve(struct kx_fdt *f, uint64_t addr,
				     uint64_t size)
{
	uint32_t at = rsv_terminator(f);

	if (!size)
		return KX_ERR_INVAL;
	if (kx_fdt_free(f) < RSV_ENTRY)
		return KX_ERR_NO_SPACE;
	/* The new entry takes the terminator's place; a zero one follows. */
	shift(f, at, RSV_ENTRY);
	f->off_struct += RSV_ENTRY;
	f->off_strings += RSV_ENTRY;
	kx_fdt_put64(f->blob + at, addr);
	kx_fdt_put64(f->blob + at + 8, size);
	put_header(f);
	return KX_OK;
}

enum kx_status kx_fdt_root_cells(const struct kx_fdt *f, uint32_t *addr_cells,
				 uint32_t *size_cells)
{
	uint32_t root, len;
	const void *v;

	*addr_cells = 2;
	*size_cells = 1;
	if (kx_fdt_find_node(f, "/", &root) != KX_OK)
		return KX_ERR_FDT_FORMAT;
	/* A value that is not one cell counts as absent. */
	if (kx_fdt_get_prop(f, root, "#address-cells", &v, &len) == KX_OK && len == 4)
		*addr_cells = kx_fdt32(v);
	if (kx_fdt_get_prop(f, root, "#size-cells", &v, &len) == KX_OK && len == 4)
		*size_cells = kx_fdt32(v);
	if (*addr_cells < 1 || *addr_cells > 2 || *size_cells < 1 || *size_cells > 2)
		return KX_ERR_FDT_FORMAT;
	return KX_OK;
}

enum kx_status kx_fdt_memory(const struct kx_fdt *f, struct kx_mem_range *out,
			     unsigned cap, unsigned *n)
{
	uint32_t ac, sc, root, child = 0, len, step;
	const char *name;
	const void *v;
	enum kx_status st = kx_fdt_root_cells(f, &ac, &sc);

	*n = 0;
	if (st != KX_OK)
		return st;
	step = 4 * (ac + sc);
	kx_fdt_find_node(f, "/", &root);
	while (kx_fdt_next_child(f, root, &child, &name) == KX_OK) {
		const uint8_t *r;

		if (kx_memcmp(name, "memory", 6) || (name[6] && name[6] != '@') ||
		    kx_fdt_get_prop(f, child, "reg", &v, &len) != KX_OK)
			continue;
		for (r = v; len >= step; r += step, len -= step) {
			if (*n == cap)
				return KX_ERR_NO_SPACE;
			out[*n].addr = kx_fdt_cells(r, ac);
			out[*n].size = kx_fdt_cells(r + 4 * ac, sc);
			out[*n].type = KX_MEM_RAM;
			out[*n].attr = 0;
			(*n)++;
		}
	}
	return KX_OK;
}

/* A one-cell property of node equals v (absent: def). */
static int cell_is(const struct kx_fdt *f, uint32_t node, const char *name,
		   uint32_t def, uint32_t v)
{
	const void *p;
	uint32_t len;

	if (kx_fdt_get_prop(f, node, name, &p, &len) != KX_OK)
		return def == v;
	return len == 4 && kx_fdt32(p) == v;
}

static void put_cells(uint8_t *p, uint32_t cells, uint64_t v)
{
	if (cells == 2)
		kx_fdt_put64(p, v);
	else
		kx_fdt_put32(p, (uint32_t)v);
}

/* Every range of r[0..n) fits cells of ac and sc (a size of 0: none). */
static enum kx_status reserve_fits(uint32_t ac, uint32_t sc,
				   const struct kx_mem_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!r[i].size || (ac == 1 && r[i].addr > UINT32_MAX) ||
		    (sc == 1 && r[i].size > UINT32_MAX))
			return KX_ERR_RANGE;
	return KX_OK;
}

enum kx_status kx_fdt_reserve_nomap(struct kx_fdt *f, const char *name,
				    const struct kx_mem_range *r, unsigned n)
{
	char child[64];
	const void *v;
	uint8_t *reg;
	uint8_t cell[4];
	uint32_t ac, sc, root, rm, node, len;
	uint64_t need;
	int have_rm;
	enum kx_status st;

	if (!f || !name || (n && !r))
		return KX_ERR_INVAL;
	if (!n)
		return KX_OK;
	if (n > KX_FDT_RESERVE_MAX)
		return KX_ERR_NO_SPACE;
	st = kx_fdt_root_cells(f, &ac, &sc);
	if (st != KX_OK)
		return st;
	st = reserve_fits(ac, sc, r, n);
	if (st != KX_OK)
		return st;
	len = n * 4 * (ac + sc);
	if (kx_snprintf(child, sizeof(child), "%s@%llx", name,
			(unsigned long long)r[0].addr) >= sizeof(child))
		return KX_ERR_INVAL;
	have_rm = kx_fdt_find_node(f, "/reserved-memory", &rm) == KX_OK;
	if (have_rm && (!cell_is(f, rm, "#address-cells", 2, ac) ||
			!cell_is(f, rm, "#size-cells", 1, sc) ||
			kx_fdt_get_prop(f, rm, "ranges", &(const void *){ 0 }, &(uint32_t){ 0 }) != KX_OK))
		return KX_ERR_FDT_FORMAT;
	/* Everything at once or nothing: the most each step can take, every
	 * name counted as new to the strings block. */
	need = 8 + align4(cstr_len(child) + 1) + 12 + align4(len) + 4 + 12 + 7;
	if (!have_rm)
		need += 8 + align4(sizeof("reserved-memory")) +
			2 * 16 + sizeof("#address-cells") + sizeof("#size-cells") +
			12 + sizeof("ranges");
	if (need > kx_fdt_free(f))
		return KX_ERR_NO_SPACE;
	if (!have_rm) {
		st = kx_fdt_find_node(f, "/", &root);
		if (st == KX_OK)
			st = kx_fdt_add_node(f, root, "reserved-memory", &rm);
		kx_fdt_put32(cell, ac);
		if (st == KX_OK)
			st = kx_fdt_set_prop(f, rm, "#address-cells", cell, 4);
		kx_fdt_put32(cell, sc);
		if (st == KX_OK)
			st = kx_fdt_set_prop(f, rm, "#size-cells", cell, 4);
		if (st == KX_OK)
			st = kx_fdt_set_prop(f, rm, "ranges", 0, 0);
		if (st != KX_OK)
			return st;
	}
	st = kx_fdt_add_node(f, rm, child, &node);
	if (st == KX_OK)
		st = kx_fdt_set_prop(f, node, "no-map", 0, 0);
	/* reg is written in place: no buffer of its size anywhere else. */
	if (st == KX_OK)
		st = set_prop(f, node, "reg", 0, len);
	if (st == KX_OK)
		st = kx_fdt_get_prop(f, node, "reg", &v, &len);
	if (st != KX_OK)
		return st;
	reg = (uint8_t *)(uintptr_t)v;
	for (unsigned i = 0; i < n; i++, reg += 4 * (ac + sc)) {
		put_cells(reg, ac, r[i].addr);
		put_cells(reg + 4 * ac, sc, r[i].size);
	}
	return KX_OK;
}

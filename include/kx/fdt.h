/* SPDX-License-Identifier: MIT */
/*
 * A small, bounded reader and editor of flattened device trees (FDT, the
 * Devicetree Specification v0.4, chapter 5), enough for a purgatory to
 * announce a setup page: find a node, read and set a property, add a
 * /memreserve/ entry, walk a node's children.
 *
 * Every edit stays within the blob's declared size (the header's
 * totalsize): the free space an editor may use is what lies between the
 * end of the strings block and totalsize.  An edit that does not fit fails
 * with KX_ERR_NO_SPACE and leaves the blob as it was.  Only kx_fdt_grow()
 * changes totalsize, to a size the caller vouches for.
 *
 * kx_fdt_open() validates the whole blob first (header, block layout,
 * every token, every property name), so later calls can walk it without
 * rechecking; every walk is bounded by the struct block's size.  Offsets
 * of nodes ("node" below) are byte offsets of their FDT_BEGIN_NODE token
 * within the struct block; any edit invalidates them.
 */
#ifndef KX_FDT_H
#define KX_FDT_H

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>
#include <kx/status.h>

#define KX_FDT_MAGIC 0xd00dfeedu	/* big-endian, like every FDT field */
#define KX_FDT_HEADER_SIZE 40		/* version 17 */
#define KX_FDT_MAX_DEPTH 64		/* deeper trees are refused */
#define KX_FDT_RESERVE_MAX 256		/* ranges of one kx_fdt_reserve_nomap */

struct kx_fdt {
	uint8_t *blob;
	uint32_t size;		/* totalsize */
	uint32_t off_rsvmap;
	uint32_t off_struct;
	uint32_t size_struct;
	uint32_t off_strings;
	uint32_t size_strings;
	/* 1 + offset of the strings block's last NUL (0: none): a name
	 * offset below it has its NUL, found once instead of per property. */
	uint32_t names_end;
};

/*
 * Validates the blob at blob, of which avail bytes are readable (and, for
 * the editing calls, writable).  KX_ERR_FDT_MAGIC: not an FDT;
 * KX_ERR_FDT_VERSION: version < 17 or last_comp_version > 17;
 * KX_ERR_TRUNCATED: totalsize larger than avail; KX_ERR_FDT_FORMAT: a
 * block outside totalsize, blocks out of the order header, memory
 * reservation map, struct, strings, a bad token, nesting or property name.
 */
enum kx_status kx_fdt_open(struct kx_fdt *f, void *blob, size_t avail);

/* Free bytes between the end of the strings block and totalsize. */
uint32_t kx_fdt_free(const struct kx_fdt *f);

/*
 * Raises totalsize to new_size (>= the current one), zeroing the bytes
 * gained: for a caller that knows the new_size bytes at the blob are the
 * blob's own (a loader's buffer, a segment padded to whole pages).
 */
enum kx_status kx_fdt_grow(struct kx_fdt *f, uint32_t new_size);

/*
 * The node at an absolute path ("/", "/chosen", "/a/b@1"); a component
 * without '@' also matches a node whose name is that component followed
 * by "@<unit address>".  KX_ERR_NOT_FOUND when there is none.
 */
enum kx_status kx_fdt_find_node(const struct kx_fdt *f, const char *path,
				uint32_t *node);

/*
 * Direct children of node, one per call: *child = 0 before the first;
 * then the child's offset and *name (NUL-terminated, inside the blob).
 * KX_ERR_NOT_FOUND after the last.
 */
enum kx_status kx_fdt_next_child(const struct kx_fdt *f, uint32_t node,
				 uint32_t *child, const char **name);

/* A property's value (inside the blob, no alignment promised) and length. */
enum kx_status kx_fdt_get_prop(const struct kx_fdt *f, uint32_t node,
			       const char *name, const void **val,
			       uint32_t *len);

/* Replaces or adds a property; KX_ERR_NO_SPACE when it does not fit. */
enum kx_status kx_fdt_set_prop(struct kx_fdt *f, uint32_t node,
			       const char *name, const void *val, uint32_t len);

/*
 * Adds an empty node called name (a node name, "name@unit") as the last
 * child of parent; *node: its offset.  KX_ERR_NO_SPACE when it does not
 * fit, KX_ERR_INVAL for an empty name or one with a '/'.
 */
enum kx_status kx_fdt_add_node(struct kx_fdt *f, uint32_t parent,
			       const char *name, uint32_t *node);

/*
 * Keeps a kernel entered with this tree off r[0..n) entirely: one node
 * /reserved-memory/<name>@<first address> whose reg lists every range,
 * with no-map (Linux then leaves them out of its linear map and calls
 * them "reserved", not "System RAM", in /proc/iomem).  /reserved-memory
 * is made when absent (the root's #address-cells and #size-cells, an
 * empty ranges).  KX_ERR_FDT_FORMAT when one exists with other cells or
 * without ranges (Linux would ignore its children); KX_ERR_RANGE for an
 * address or size wider than the root's cells; KX_ERR_NO_SPACE, the tree
 * unchanged, when the edits do not all fit.  n 0: nothing to do.
 */
enum kx_status kx_fdt_reserve_nomap(struct kx_fdt *f, const char *name,
				    const struct kx_mem_range *r, unsigned n);

/* Appends a /memreserve/ entry {addr, size}; size 0 is KX_ERR_INVAL. */
enum kx_status kx_fdt_add_memreserve(struct kx_fdt *f, uint64_t addr,
				     uint64_t size);

/* Entry i of the memory reservation map; KX_ERR_NOT_FOUND past the last. */
enum kx_status kx_fdt_get_memreserve(const struct kx_fdt *f, uint32_t i,
				     uint64_t *addr, uint64_t *size);

/*
 * The root's #address-cells and #size-cells (2 and 1 when absent or not
 * one cell long, as the specification's defaults); KX_ERR_FDT_FORMAT unless
 * both are 1 or 2, the widths kx reads addresses and sizes in.
 */
enum kx_status kx_fdt_root_cells(const struct kx_fdt *f, uint32_t *addr_cells,
				 uint32_t *size_cells);

/*
 * RAM as the tree's /memory nodes (children of the root named "memory" or
 * "memory@...") give it in their reg: up to cap ranges into out, type
 * KX_MEM_RAM, *n of them (0 for a tree without one).  KX_ERR_FDT_FORMAT as
 * kx_fdt_root_cells; KX_ERR_NO_SPACE when more than cap are listed (out
 * then holds the first cap).
 */
enum kx_status kx_fdt_memory(const struct kx_fdt *f, struct kx_mem_range *out,
			     unsigned cap, unsigned *n);

/* Big-endian cells, as property values hold them. */
static inline uint32_t kx_fdt32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t kx_fdt64(const void *p)
{
	return (uint64_t)kx_fdt32(p) << 32 | kx_fdt32((const uint8_t *)p + 4);
}

/* A number of n cells (1 or 2), as reg and similar properties hold it. */
static inline uint64_t kx_fdt_cells(const void *p, uint32_t n)
{
	return n == 2 ? kx_fdt64(p) : kx_fdt32(p);
}

static inline void kx_fdt_put32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static inline void kx_fdt_put64(void *p, uint64_t v)
{
	kx_fdt_put32(p, (uint32_t)(v >> 32));
	kx_fdt_put32((uint8_t *)p + 4, (uint32_t)v);
}

#endif

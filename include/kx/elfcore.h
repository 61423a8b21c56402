/* SPDX-License-Identifier: MIT */
/*
 * ELF core header fix-up.  A crash or called kernel reads the old kernel's
 * memory through an ELF64 core header (/proc/vmcore): each PT_LOAD says
 * that the bytes of physical range [p_paddr, p_paddr + p_memsz) are found
 * at physical address p_offset.  When the hand-off displaced some pages (a
 * backup region, swapped pages), their content lives elsewhere; the fix-up
 * rewrites the PT_LOADs so those ranges are read from where they are now,
 * splitting a header where a displaced range covers only part of it.
 */
#ifndef KX_ELFCORE_H
#define KX_ELFCORE_H

#include <stddef.h>
#include <stdint.h>
#include <kexec_abi.h>
#include <kx/status.h>

/*
 * hdr holds *len bytes of an ELF64 little-endian ET_CORE header, program
 * headers included, in a buffer of capacity bytes; the fix-up may append
 * program headers up to that capacity (the program header table must be
 * the last thing in the used bytes, as kexec-tools and kx lay it out).
 * ext[0..n) are the displaced ranges (orig -> current, 4 KiB pages), which
 * must not overlap each other.  All or nothing: on any error the header is
 * unchanged.  KX_ERR_NO_SPACE if the split needs more than capacity.
 */
enum kx_status kx_elfcore_fixup(uint8_t *hdr, size_t *len, size_t capacity,
				const struct kx_backup_extent *ext, unsigned n);

/* Checks an ELF64 core header's identity and program header table. */
enum kx_status kx_elfcore_check(const uint8_t *hdr, size_t len);

#endif

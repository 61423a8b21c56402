/* SPDX-License-Identifier: MIT */
/*
 * Linux's kexec jump (KEXEC_PRESERVE_CONTEXT) as the x86_64 purgatory
 * sees it (docs/kexec-jump.md): relocate_kernel swapped B's segments in
 * and called purgatory with 0(%rsp) = the jump-back entry, an address in
 * A's control page, where A also keeps its page list (the backup-pages
 * map).  kjump.c finds and validates that list; port.c turns it into the
 * setup page's SWAP flag, JMPB and BKEX records.
 */
#ifndef KX_IMAGE_X86_KJUMP_H
#define KX_IMAGE_X86_KJUMP_H

#include <stdint.h>
#include <kexec_abi.h>
#include <kx/setup_page.h>
#include <kx/status.h>
#include <kx/verify.h>

struct kx_kjump {
	uint64_t jump_back;	/* the validated jump-back entry */
	uint64_t head;		/* A's page list: its first entry */
	uint64_t head_at;	/* where in the control page it was found */
	uint64_t displaced;	/* A pages whose content now lies elsewhere */
	uint64_t extents;	/* coalesced (orig, current) runs */
	uint64_t entries;	/* list entries walked */
};

/*
 * Whether the caller made a kexec jump: jbe (0(%rsp) at entry) non-zero
 * and inside RAM of mem (A's memory map), and the page holding it keeps a
 * Linux page list whose destinations are exactly kexec-tools' regions (in
 * ascending runs, each page once) plus purgatory's own segment (self, an
 * address inside it), with every source and list page in RAM outside the
 * regions.  Every 8-byte word of that page is tried as the list head, so
 * no offset of any kernel version is assumed; every walk is bounded.
 * KX_OK with *k filled, or why not (KX_ERR_NOT_FOUND: nothing there).
 */
enum kx_status kx_kjump_find(uint64_t jbe, const struct kx_mem_range *mem,
			     unsigned nmem, const struct kx_sha256_region *regions,
			     unsigned nregions, uint64_t self, struct kx_kjump *k);

/*
 * Adds the backup map of the list found as BKEX records (batches of
 * coalesced extents: orig = A's page, current = where its content is now).
 */
enum kx_status kx_kjump_add_map(const struct kx_kjump *k, struct kx_setup_writer *w);

#endif

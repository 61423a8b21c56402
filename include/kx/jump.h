/* SPDX-License-Identifier: MIT */
/*
 * Round trips into physical-mode code ("kexec jump"), the loader's side:
 * what a kx loader needs to call an image in swap mode and get its memory
 * back (docs/calling.md has the whole sequence and an example).
 *
 *   1. Build the image's page list with KX_PL_BUILD_SWAPPABLE: sources
 *      that are never destinations, so one swap exchanges disjoint pairs
 *      and running the list again undoes it, byte for byte.
 *   2. kx_jump_backup_map: where each page the image displaces will be
 *      kept while it runs (the source page it is swapped into).
 *   3. Optionally, an ELF core header describing the caller's memory as
 *      it is (in a page of its own, outside the list, written afresh for
 *      each call): purgatory fixes it up in place with that map
 *      (kx_elfcore_fixup, include/kx/elfcore.h), so that the image can
 *      read the caller's memory as /proc/vmcore would.
 *   4. kx_setup_write (include/kx/setup_page.h) with KX_SETUP_F_SWAP: the
 *      setup page with the segments to verify, the backup map, the
 *      jump-back entry, the ELF core header and the image's parameters
 *      (as its command line).
 *   5. The architecture's call: on x86_64 the copy of
 *      kx_trampoline_x86_64_call (include/kx/trampoline.h) in the control
 *      page, whose kx_trampoline_x86_64_back copy is the jump-back entry.
 *      It returns with the pages swapped back and kx_jump_status() of its
 *      result tells an image's answer from purgatory's refusal.
 * Repeating 4 and 5 calls the image again: after each trip its pages are
 * back in their sources, where the list expects them.
 */
#ifndef KX_JUMP_H
#define KX_JUMP_H

#include <stdint.h>
#include <kexec_abi.h>
#include <kx/page_list.h>
#include <kx/setup_page.h>
#include <kx/status.h>

/*
 * The backup-page map of a swap-mode list from head: for every source
 * page that is not its own destination, {orig = destination, current =
 * source}, runs of consecutive pages merged, in list order.  w may be
 * NULL (identity-mapped list, default bounds).  *n gets the extents
 * written; KX_ERR_NO_SPACE when more than cap are needed, or the walker's
 * status for an invalid list.
 */
enum kx_status kx_jump_backup_map(const struct kx_pl_walk *w, uint64_t head,
				  struct kx_backup_extent *ext, unsigned cap,
				  unsigned *n);

/* A jump back's registers: %rax value, %rdx from (KX_JUMP_FROM_*). */
static inline enum kx_status kx_jump_status(uint64_t value, uint64_t from)
{
	if (from != KX_JUMP_FROM_PURGATORY)
		return KX_OK;
	return value && value < KX_STATUS_COUNT ? (enum kx_status)value
						 : KX_ERR_INVAL;
}

#endif

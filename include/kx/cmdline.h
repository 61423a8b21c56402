/* SPDX-License-Identifier: MIT */
/*
 * Reading a kernel command line as Linux does: words separated by spaces
 * or tabs, "key=value" words, the last one of a key winning, numbers in
 * memparse form (decimal or 0x-hex, then K, M or G).  Bounded by the
 * length given and by the first NUL; nothing is ever written.
 */
#ifndef KX_CMDLINE_H
#define KX_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A memparse number at *s (never reading past end): 1 with *out and *s
 * advanced past it (and its suffix), 0 if there is none or it does not
 * fit in 64 bits.
 */
int kx_memparse(const char **s, const char *end, uint64_t *out);

/*
 * The value of the last whole word "key=value" in cmdline[0..len), NULL
 * if none; *vlen its length.  key includes the '='.
 */
const char *kx_cmdline_value(const char *cmdline, size_t len, const char *key,
			     size_t *vlen);

/*
 * Linux's "elfcorehdr=[size@]offset": 1 with addr and size (0 when not
 * given) from the last such word, 0 if there is none or it is malformed.
 */
int kx_cmdline_elfcorehdr(const char *cmdline, size_t len, uint64_t *addr,
			  uint64_t *size);

/*
 * kx's own announcement of an earlier hand-off, which kexec-tools'
 * --reuse-cmdline carries into the next command line: every whole word
 * "kx_setup=<addr>", and the "memmap=<n>K$<addr>" right after it that
 * reserves the same address, overwritten with spaces (a user's memmap=
 * stays).  cmdline[0..len) is edited in place; returns the words blanked.
 */
unsigned kx_cmdline_drop_setup(char *cmdline, size_t len);

#endif

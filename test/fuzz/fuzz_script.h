/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets that read their input as a script share: the
 * input as a stream of little-endian numbers (zeros once it runs out, so
 * every input is a whole script), 128-bit sizes for the oracles, and the
 * oracle's one way to fail.
 */
#ifndef KX_FUZZ_SCRIPT_H
#define KX_FUZZ_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 u128;

struct src {
	const uint8_t *p;
	size_t n;
};

/* The next `bytes` bytes of the script as a little-endian number. */
static inline uint64_t get(struct src *s, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)(s->n ? *s->p : 0) << (8 * i);
		if (s->n) {
			s->p++;
			s->n--;
		}
	}
	return v;
}

/* An oracle that does not hold: libFuzzer keeps the input as a crash. */
static inline void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

#endif

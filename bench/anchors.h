/* SPDX-License-Identifier: MIT */
/*
 * kexec-tools' purgatory SHA-256 (util_lib/sha256.c, compiled at bench
 * time from the fetched Debian source, never committed), behind two calls
 * so that only bench/kexec_tools.c sees kexec-tools' header.
 */
#ifndef KX_BENCH_ANCHORS_H
#define KX_BENCH_ANCHORS_H

#include <stddef.h>
#include <stdint.h>
#include <kx/sha256.h>

extern const char bench_kt_version[];	/* "kexec-tools-2.0.25" */

/* sha256_starts, one sha256_update, sha256_finish. */
void bench_kt_sha256(const void *data, size_t len, uint8_t out[32]);
/* What kexec-tools' purgatory verify_sha256_digest() hashes: every slot
 * of its region table in order, empty ones included, as one message. */
void bench_kt_regions(const struct kx_sha256_region *r, unsigned n,
		      uint8_t out[32]);

#endif

/* SPDX-License-Identifier: MIT */
/* The single error vocabulary of kx: every fallible call returns one. */
#ifndef KX_STATUS_H
#define KX_STATUS_H

/* Values are stable: tools print them and tests compare them. */
enum kx_status {
	KX_OK = 0,
	KX_ERR_INVAL = 1,		/* a bad argument from the caller */
	KX_ERR_NO_SPACE = 2,		/* the caller's buffer is full */
	KX_ERR_NO_MEMORY = 3,		/* the caller's page pool ran out */
	KX_ERR_TRUNCATED = 4,		/* fewer bytes than the structure needs */
	KX_ERR_MAGIC = 5,		/* not a kx setup page */
	KX_ERR_VERSION = 6,		/* a major version this reader does not know */
	KX_ERR_HEADER_SIZE = 7,		/* header_size too small or misaligned */
	KX_ERR_TOTAL_SIZE = 8,		/* total_size outside the page */
	KX_ERR_PAGE_SIZE = 9,		/* page_size out of range */
	KX_ERR_CHECKSUM = 10,		/* CRC-32 does not match */
	KX_ERR_RESERVED = 11,		/* a must-be-zero field is not zero */
	KX_ERR_ALIGN = 12,		/* misaligned address, size or record */
	KX_ERR_RECORD_SIZE = 13,	/* record smaller than its type needs */
	KX_ERR_RECORD_BOUNDS = 14,	/* record runs past total_size */
	KX_ERR_NO_END = 15,		/* the page does not end with an END record */
	KX_ERR_CHAIN_LOOP = 16,		/* continuation pages form a loop */
	KX_ERR_CHAIN_LENGTH = 17,	/* more continuation pages than allowed */
	KX_ERR_CHAIN_MAP = 18,		/* a continuation page cannot be read */
	KX_ERR_CHAIN_FLAGS = 19,	/* a continuation page disagrees with the head */
	KX_ERR_TABLE = 20,		/* table count/entry_size inconsistent */
	KX_ERR_STRING = 21,		/* string record without its NUL */
	KX_ERR_OVERLAP = 22,		/* ranges that must not overlap do */
	KX_ERR_RANGE = 23,		/* address or size outside what is allowed */
	KX_ERR_DIGEST = 24,		/* SHA-256 mismatch */
	KX_ERR_LIST_FLAGS = 25,		/* page-list entry with bad flag bits */
	KX_ERR_LIST_LENGTH = 26,	/* page list longer than its bound */
	KX_ERR_LIST_ORDER = 27,		/* source before any destination */
	KX_ERR_UNSUPPORTED = 28,	/* valid input this build cannot handle */
	KX_ERR_NOT_FOUND = 29,		/* the thing looked for is absent */
	KX_ERR_FORMAT = 30,		/* an image or header of the wrong format */
	/* Appended in 1.1: each names its domain instead of borrowing a
	 * setup-page code (which the walkers and parsers used before). */
	KX_ERR_LIST_LOOP = 31,		/* page-list indirection pages form a loop */
	KX_ERR_LIST_MAP = 32,		/* a page-list indirection page cannot be read */
	KX_ERR_ELF_RELOC = 33,		/* ELF relocation past its target section */
	KX_ERR_ELF_SYMBOL = 34,		/* ELF symbol of another size than expected */
	KX_ERR_FDT_MAGIC = 35,		/* not a flattened device tree */
	KX_ERR_FDT_VERSION = 36,	/* a device-tree version this reader does not know */
	KX_ERR_FDT_FORMAT = 37,		/* a malformed device tree */
	KX_STATUS_COUNT
};

/* A short, fixed English sentence; never NULL, even for unknown values. */
const char *kx_strerror(enum kx_status st);
/* The enumerator's name ("KX_ERR_CHECKSUM"), for machine-readable output. */
const char *kx_status_name(enum kx_status st);

#endif

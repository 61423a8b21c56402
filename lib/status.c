/* SPDX-License-Identifier: MIT */
#include <kx/status.h>

struct status_text {
	const char *name;
	const char *text;
};

#define S(code, msg) [code] = { #code, msg }
static const struct status_text status_text[KX_STATUS_COUNT] = {
	S(KX_OK, "success"),
	S(KX_ERR_INVAL, "invalid argument"),
	S(KX_ERR_NO_SPACE, "buffer too small"),
	S(KX_ERR_NO_MEMORY, "page pool exhausted"),
	S(KX_ERR_TRUNCATED, "input truncated"),
	S(KX_ERR_MAGIC, "bad magic"),
	S(KX_ERR_VERSION, "unsupported major version"),
	S(KX_ERR_HEADER_SIZE, "bad header size"),
	S(KX_ERR_TOTAL_SIZE, "total size outside the page"),
	S(KX_ERR_PAGE_SIZE, "page size out of range"),
	S(KX_ERR_CHECKSUM, "checksum mismatch"),
	S(KX_ERR_RESERVED, "reserved field not zero"),
	S(KX_ERR_ALIGN, "misaligned"),
	S(KX_ERR_RECORD_SIZE, "record too small for its type"),
	S(KX_ERR_RECORD_BOUNDS, "record past the end of the page"),
	S(KX_ERR_NO_END, "missing END record"),
	S(KX_ERR_CHAIN_LOOP, "continuation chain loops"),
	S(KX_ERR_CHAIN_LENGTH, "continuation chain too long"),
	S(KX_ERR_CHAIN_MAP, "continuation page unreadable"),
	S(KX_ERR_CHAIN_FLAGS, "continuation page disagrees with the head"),
	S(KX_ERR_TABLE, "table count or entry size inconsistent"),
	S(KX_ERR_STRING, "string not NUL-terminated"),
	S(KX_ERR_OVERLAP, "ranges overlap"),
	S(KX_ERR_RANGE, "address out of range"),
	S(KX_ERR_DIGEST, "SHA-256 digest mismatch"),
	S(KX_ERR_LIST_FLAGS, "bad page-list entry flags"),
	S(KX_ERR_LIST_LENGTH, "page list too long"),
	S(KX_ERR_LIST_ORDER, "page-list source before any destination"),
	S(KX_ERR_UNSUPPORTED, "unsupported"),
	S(KX_ERR_NOT_FOUND, "not found"),
	S(KX_ERR_FORMAT, "wrong format"),
	S(KX_ERR_LIST_LOOP, "page-list indirection pages loop"),
	S(KX_ERR_LIST_MAP, "page-list page unreadable"),
	S(KX_ERR_ELF_RELOC, "ELF relocation past its section"),
	S(KX_ERR_ELF_SYMBOL, "ELF symbol size mismatch"),
	S(KX_ERR_FDT_MAGIC, "not a flattened device tree"),
	S(KX_ERR_FDT_VERSION, "unsupported device tree version"),
	S(KX_ERR_FDT_FORMAT, "malformed device tree"),
};
#undef S

static const struct status_text *lookup(enum kx_status st)
{
	if ((unsigned)st >= KX_STATUS_COUNT || !status_text[st].name)
		return 0;
	return &status_text[st];
}

const char *kx_strerror(enum kx_status st)
{
	const struct status_text *t = lookup(st);
	return t ? t->text : "unknown error";
}

const char *kx_status_name(enum kx_status st)
{
	const struct status_text *t = lookup(st);
	return t ? t->name : "KX_ERR_UNKNOWN";
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the setup-page reader.  The input is a little
 * physical memory starting at 0x100000: all bytes but the last, whose value
 * places the head at 0x100000 + value * 8 (so the committed fixtures, whose
 * chains live at 0x100000, are seeds as they are with a 0 appended).
 * Everything the reader returns must lie inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <kx/setup_page.h>

#define BASE 0x100000ULL

struct input {
	const uint8_t *data;
	size_t size;
};

static enum kx_status map(void *ctx, uint64_t phys, uint32_t len,
			  const void **out)
{
	const struct input *in = ctx;

	if (phys < BASE || phys - BASE > in->size || len > in->size - (phys - BASE))
		return KX_ERR_RANGE;
	*out = in->data + (phys - BASE);
	return KX_OK;
}

static void inside(const struct input *in, const void *p, size_t len)
{
	const uint8_t *b = p;

	if (b < in->data || b + len > in->data + in->size)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size ? size - 1 : 0 };
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct kx_setup_table_view v;
	uint64_t head, phys;

	if (size < 1)
		return 0;
	head = BASE + (uint64_t)data[size - 1] * 8;
	/* Single-page check on the raw bytes too. */
	kx_setup_check_page(data, in.size, 0, &f);
	if (kx_setup_open(&r, head, map, &in, &f) != KX_OK)
		return 0;
	while (kx_setup_next(&r, &rec, &f) == KX_OK) {
		inside(&in, rec.payload, rec.payload_size);
		if (kx_setup_table(&rec, &v) == KX_OK)
			inside(&in, v.entries, (size_t)v.count * v.entry_size);
		if (rec.type == KX_REC_CMDLINE)
			inside(&in, rec.payload, strlen((const char *)rec.payload) + 1);
	}
	kx_setup_find_token((const char *)data, in.size, &phys);
	return 0;
}

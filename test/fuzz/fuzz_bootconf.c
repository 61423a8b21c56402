/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the kxboot.conf parser (include/kx/bootconf.h). */
#include <stdint.h>
#include <string.h>
#include <kx/bootconf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kx_bootconf c;
	struct kx_bootconf_error err;
	enum kx_status st;

	st = kx_bootconf_parse((const char *)data, size, &c, &err);
	if (st != err.status)
		__builtin_trap();
	/* Every string the parser fills is NUL-terminated within its buffer,
	 * and a refusal leaves nothing behind. */
	if (memchr(err.msg, 0, sizeof(err.msg)) == NULL ||
	    memchr(c.kernel, 0, sizeof(c.kernel)) == NULL ||
	    memchr(c.cmdline, 0, sizeof(c.cmdline)) == NULL ||
	    memchr(c.dtb, 0, sizeof(c.dtb)) == NULL ||
	    c.ninitrd > KX_BOOTCONF_INITRD_MAX)
		__builtin_trap();
	for (unsigned i = 0; i < c.ninitrd; i++)
		if (memchr(c.initrd[i], 0, sizeof(c.initrd[i])) == NULL || !c.initrd[i][0])
			__builtin_trap();
	if (st == KX_OK ? !c.kernel[0] || err.msg[0] : c.kernel[0] || !err.msg[0])
		__builtin_trap();
	return 0;
}

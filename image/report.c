/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <kx/format.h>
#include "report.h"

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	if (!kx_handoff.console_off)
		kx_port_putc(c);
}

void kx_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kx_vformat(console_putc, 0, fmt, ap);
	va_end(ap);
}

void kx_say_digest(const char *label, const uint8_t d[KX_SHA256_SIZE])
{
	kx_say("kx:   %s ", label);
	for (int i = 0; i < KX_SHA256_SIZE; i++)
		kx_say("%02x", d[i]);
	kx_say("\n");
}

void kx_refuse(const char *why)
{
	kx_say("kx: %s\nkx: halted: the next kernel is NOT entered\n", why);
	kx_port_halt();
}

void kx_refuse_st(const char *why, enum kx_status st)
{
	uint64_t back = kx_handoff.jump_back;

	if (back) {
		kx_say("kx: REFUSED: %s; the image is not entered\n"
		       "kx: returning %s to the caller at 0x%llx\n", why,
		       kx_status_name(st), (unsigned long long)back);
		kx_port_return(st, KX_JUMP_FROM_PURGATORY);
	}
	kx_refuse(why);
}

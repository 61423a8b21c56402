/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <kx/format.h>

struct out {
	kx_putc_fn putc;
	void *ctx;
	size_t n;
};

static void emit(struct out *o, char c)
{
	o->putc(o->ctx, c);
	o->n++;
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		emit(o, c);
}

/* Digits of v in base 10 or 16, right to left into buf; returns count. */
static int digits(uint64_t v, unsigned base, int upper, char buf[24])
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		buf[n++] = set[v % base];
		v /= base;
	} while (v);
	return n;
}

size_t kx_vformat(kx_putc_fn putc, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { putc, ctx, 0 };

	for (; *fmt; fmt++) {
		int zero = 0, left = 0, width = 0, len = 0, neg = 0, n;
		unsigned base = 10;
		uint64_t v;
		char buf[24], conv;

		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '0')
				zero = 1;
			else if (*fmt == '-')
				left = 1;
			else
				break;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		/* Length: -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t. */
		for (;; fmt++) {
			if (*fmt == 'h')
				len = len <= 0 ? len - 1 : len;
			else if (*fmt == 'l')
				len++;
			else if (*fmt == 'z')
				len = 3;
			else
				break;
		}
		conv = *fmt;
		switch (conv) {
		case '\0':
			return o.n;
		case '%':
			emit(&o, '%');
			continue;
		case 'c':
			pad(&o, ' ', left ? 0 : width - 1);
			emit(&o, (char)va_arg(ap, int));
			pad(&o, ' ', left ? width - 1 : 0);
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int slen = 0;

			if (!s)
				s = "(null)";
			while (s[slen])
				slen++;
			pad(&o, ' ', left ? 0 : width - slen);
			while (*s)
				emit(&o, *s++);
			pad(&o, ' ', left ? width - slen : 0);
			continue;
		}
		case 'p':
			v = (uintptr_t)va_arg(ap, void *);
			base = 16;
			emit(&o, '0');
			emit(&o, 'x');
			break;
		case 'd':
		case 'i': {
			int64_t s;

			if (len >= 2)
				s = va_arg(ap, long long);
			else if (len == 1 || len == 3)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (len == -1)
				s = (short)s;
			else if (len == -2)
				s = (signed char)s;
			neg = s < 0;
			v = neg ? 0 - (uint64_t)s : (uint64_t)s;
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			if (len == 2)
				v = va_arg(ap, unsigned long long);
			else if (len == 1)
				v = va_arg(ap, unsigned long);
			else if (len == 3)
				v = va_arg(ap, size_t);
			else
				v = va_arg(ap, unsigned int);
			if (len == -1)
				v = (uint16_t)v;
			else if (len == -2)
				v = (uint8_t)v;
			base = conv == 'u' ? 10 : 16;
			break;
		default:	/* unknown conversion: show it as it was */
			emit(&o, '%');
			emit(&o, conv);
			continue;
		}
		n = digits(v, base, conv == 'X', buf);
		if (left) {
			int field = n + neg;

			if (neg)
				emit(&o, '-');
			while (n)
				emit(&o, buf[--n]);
			pad(&o, ' ', width - field);
			continue;
		}
		if (zero) {
			if (neg)
				emit(&o, '-');
			pad(&o, '0', width - n - neg);
		} else {
			pad(&o, ' ', width - n - neg);
			if (neg)
				emit(&o, '-');
		}
		while (n)
			emit(&o, buf[--n]);
	}
	return o.n;
}

size_t kx_format(kx_putc_fn putc, void *ctx, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = kx_vformat(putc, ctx, fmt, ap);
	va_end(ap);
	return n;
}

struct buf_out {
	char *buf;
	size_t size, at;
};

static void buf_putc(void *ctx, char c)
{
	struct buf_out *b = ctx;

	if (b->at + 1 < b->size)
		b->buf[b->at] = c;
	b->at++;
}

size_t kx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_out b = { buf, size, 0 };

	kx_vformat(buf_putc, &b, fmt, ap);
	if (size)
		buf[b.at < size ? b.at : size - 1] = 0;
	return b.at;
}

size_t kx_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = kx_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

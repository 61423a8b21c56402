/* SPDX-License-Identifier: MIT */
/* Kernel command-line words (include/kx/cmdline.h). */
#include <kx/cmdline.h>
#include <kx/compiler.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

int kx_memparse(const char **s, const char *end, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	unsigned base = 10, shift = 0, digits = 0;

	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; p < end; p++, digits++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return 0;
		v = v * base + d;
	}
	if (p < end && (*p == 'K' || *p == 'k'))
		shift = 10;
	else if (p < end && (*p == 'M' || *p == 'm'))
		shift = 20;
	else if (p < end && (*p == 'G' || *p == 'g'))
		shift = 30;
	if (!digits || (shift && v > UINT64_MAX >> shift))
		return 0;
	*s = p + (shift != 0);
	*out = v << shift;
	return 1;
}

const char *kx_cmdline_value(const char *cmdline, size_t len, const char *key,
			     size_t *vlen)
{
	size_t klen = kx_strnlen(key, 64), i = 0;
	const char *found = 0;

	len = kx_strnlen(cmdline, len);
	while (i < len) {
		size_t start, end;

		while (i < len && is_space(cmdline[i]))
			i++;
		start = i;
		while (i < len && !is_space(cmdline[i]))
			i++;
		end = i;
		if (end - start >= klen && !kx_memcmp(cmdline + start, key, klen)) {
			found = cmdline + start + klen;
			*vlen = end - start - klen;
		}
	}
	return found;
}

int kx_cmdline_elfcorehdr(const char *cmdline, size_t len, uint64_t *addr,
			  uint64_t *size)
{
	size_t vlen;
	const char *v = kx_cmdline_value(cmdline, len, "elfcorehdr=", &vlen), *end;
	uint64_t a, n = 0;

	if (!v)
		return 0;
	end = v + vlen;
	if (!kx_memparse(&v, end, &a))
		return 0;
	if (v < end && *v == '@') {
		n = a;
		v++;
		if (!kx_memparse(&v, end, &a))
			return 0;
	}
	if (v != end)
		return 0;
	*addr = a;
	*size = n;
	return 1;
}

/* The next word of c[0..len) from *i: [*start, *end); 0 at the end. */
static int next_word(const char *c, size_t len, size_t *i, size_t *start, size_t *end)
{
	while (*i < len && is_space(c[*i]))
		(*i)++;
	if (*i == len)
		return 0;
	*start = *i;
	while (*i < len && !is_space(c[*i]))
		(*i)++;
	*end = *i;
	return 1;
}

/* The address of "key<number>" in c[start, end), exactly; 0 if it is not one. */
static int word_number(const char *c, size_t start, size_t end, const char *key,
		       uint64_t *v)
{
	size_t klen = kx_strnlen(key, 32);
	const char *p = c + start + klen;

	return end - start > klen && !kx_memcmp(c + start, key, klen) &&
	       kx_memparse(&p, c + end, v) && p == c + end;
}

/* Whether c[start, end) is "memmap=<n>K$<addr>" reserving addr. */
static int kx_memmap_of(const char *c, size_t start, size_t end, uint64_t addr)
{
	const char *p = c + start + 7, *e = c + end;
	uint64_t size, at;

	if (end - start < 8 || kx_memcmp(c + start, "memmap=", 7) ||
	    !kx_memparse(&p, e, &size) || p == e || *p != '$')
		return 0;
	p++;
	return kx_memparse(&p, e, &at) && p == e && at == addr;
}

unsigned kx_cmdline_drop_setup(char *cmdline, size_t len)
{
	size_t i = 0, start, end, s2, e2;
	unsigned n = 0;
	uint64_t addr;

	len = kx_strnlen(cmdline, len);
	while (next_word(cmdline, len, &i, &start, &end)) {
		if (!word_number(cmdline, start, end, "kx_setup=", &addr))
			continue;
		kx_memset(cmdline + start, ' ', end - start);
		n++;
		/* Its reservation, if it follows. */
		size_t j = i;

		if (next_word(cmdline, len, &j, &s2, &e2) &&
		    kx_memmap_of(cmdline, s2, e2, addr)) {
			kx_memset(cmdline + s2, ' ', e2 - s2);
			n++;
			i = j;
		}
	}
	return n;
}

/* SPDX-License-Identifier: MIT */
/* kxboot.conf parser; the format is described in include/kx/bootconf.h. */
#include <kx/bootconf.h>
#include <kx/compiler.h>
#include <kx/format.h>

/* Longest key echoed back in an "unknown key" message. */
#define KEY_ECHO_MAX 24

struct parse {
	struct kx_bootconf *c;
	struct kx_bootconf_error *err;
	unsigned line;
	unsigned kernel_line, dtb_line;
	size_t cmdline_len;
};

static enum kx_status refuse(struct parse *p, enum kx_status st,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum kx_status refuse(struct parse *p, enum kx_status st,
			     const char *fmt, ...)
{
	if (p->err) {
		va_list ap;

		p->err->status = st;
		p->err->line = p->line;
		va_start(ap, fmt);
		kx_vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return st;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int key_is(const char *key, size_t klen, const char *name)
{
	size_t n = 0;

	while (name[n])
		n++;
	return klen == n && kx_memcmp(key, name, n) == 0;
}

/* Copies a path value; paths reach UCS-2 file APIs, so ASCII only. */
static enum kx_status set_path(struct parse *p, char *dst, const char *what,
			       const char *v, size_t vlen)
{
	for (size_t i = 0; i < vlen; i++)
		if ((unsigned char)v[i] >= 0x7f)
			return refuse(p, KX_ERR_FORMAT,
				      "%s path has a non-ASCII byte 0x%02x",
				      what, (unsigned char)v[i]);
	if (vlen >= KX_BOOTCONF_PATH_MAX)
		return refuse(p, KX_ERR_RANGE,
			      "%s path is longer than %u bytes", what,
			      KX_BOOTCONF_PATH_MAX - 1);
	kx_memcpy(dst, v, vlen);
	dst[vlen] = 0;
	return KX_OK;
}

static enum kx_status set_cmdline(struct parse *p, const char *v, size_t vlen)
{
	struct kx_bootconf *c = p->c;
	size_t sep = p->cmdline_len ? 1 : 0;

	if (p->cmdline_len + sep + vlen >= KX_BOOTCONF_CMDLINE_MAX)
		return refuse(p, KX_ERR_RANGE,
			      "command line is longer than %u bytes",
			      KX_BOOTCONF_CMDLINE_MAX - 1);
	if (sep)
		c->cmdline[p->cmdline_len++] = ' ';
	kx_memcpy(c->cmdline + p->cmdline_len, v, vlen);
	p->cmdline_len += vlen;
	c->cmdline[p->cmdline_len] = 0;
	return KX_OK;
}

/* One line without its end of line; blanks not yet trimmed. */
static enum kx_status parse_line(struct parse *p, const char *s, size_t len)
{
	struct kx_bootconf *c = p->c;
	size_t i = 0, klen, vlen;
	const char *key, *v;

	for (size_t j = 0; j < len; j++)
		if (((unsigned char)s[j] < 0x20 && s[j] != '\t') || s[j] == 0x7f)
			return refuse(p, KX_ERR_FORMAT,
				      "control character 0x%02x", (unsigned char)s[j]);
	while (i < len && is_blank(s[i]))
		i++;
	while (len > i && is_blank(s[len - 1]))
		len--;
	if (i == len || s[i] == '#')
		return KX_OK;
	key = s + i;
	while (i < len && !is_blank(s[i]))
		i++;
	klen = (size_t)(s + i - key);
	while (i < len && is_blank(s[i]))
		i++;
	v = s + i;
	vlen = len - i;

	if (key_is(key, klen, "kernel") || key_is(key, klen, "initrd") ||
	    key_is(key, klen, "cmdline") || key_is(key, klen, "dtb")) {
		char name[8];

		kx_memcpy(name, key, klen);
		name[klen] = 0;
		if (!vlen)
			return refuse(p, KX_ERR_FORMAT, "'%s' needs a value", name);
	} else {
		char echo[KEY_ECHO_MAX + 4];
		size_t n = KX_MIN(klen, (size_t)KEY_ECHO_MAX);

		/* Only printable ASCII is echoed back to a console. */
		for (size_t j = 0; j < n; j++)
			echo[j] = (unsigned char)key[j] < 0x7f ? key[j] : '?';
		if (klen > n) {
			kx_memcpy(echo + n, "...", 3);
			n += 3;
		}
		echo[n] = 0;
		return refuse(p, KX_ERR_FORMAT,
			      "unknown key '%s' (known: kernel initrd cmdline dtb)",
			      echo);
	}

	if (key_is(key, klen, "kernel")) {
		if (p->kernel_line)
			return refuse(p, KX_ERR_FORMAT,
				      "'kernel' given twice (first on line %u)",
				      p->kernel_line);
		p->kernel_line = p->line;
		return set_path(p, c->kernel, "kernel", v, vlen);
	}
	if (key_is(key, klen, "dtb")) {
		if (p->dtb_line)
			return refuse(p, KX_ERR_FORMAT,
				      "'dtb' given twice (first on line %u)",
				      p->dtb_line);
		p->dtb_line = p->line;
		return set_path(p, c->dtb, "dtb", v, vlen);
	}
	if (key_is(key, klen, "initrd")) {
		if (c->ninitrd == KX_BOOTCONF_INITRD_MAX)
			return refuse(p, KX_ERR_RANGE,
				      "more than %u initrd lines",
				      KX_BOOTCONF_INITRD_MAX);
		return set_path(p, c->initrd[c->ninitrd++], "initrd", v, vlen);
	}
	return set_cmdline(p, v, vlen);
}

enum kx_status kx_bootconf_parse(const char *text, size_t len,
				 struct kx_bootconf *c,
				 struct kx_bootconf_error *err)
{
	struct parse p = { c, err, 0, 0, 0, 0 };
	enum kx_status st = KX_OK;
	size_t at = 0;

	if (err) {
		err->status = KX_OK;
		err->line = 0;
		err->msg[0] = 0;
	}
	if (!c || (!text && len))
		return refuse(&p, KX_ERR_INVAL, "no configuration given");
	kx_memset(c, 0, sizeof(*c));
	if (len > KX_BOOTCONF_FILE_MAX)
		return refuse(&p, KX_ERR_RANGE, "file is larger than %u bytes",
			      KX_BOOTCONF_FILE_MAX);
	if (len >= 3 && kx_memcmp(text, "\xef\xbb\xbf", 3) == 0)
		at = 3;
	while (at < len && st == KX_OK) {
		size_t end = at;

		while (end < len && text[end] != '\n')
			end++;
		p.line++;
		st = parse_line(&p, text + at,
				end - at - (end > at && text[end - 1] == '\r'));
		at = end + 1;
	}
	if (st == KX_OK && !p.kernel_line) {
		p.line = 0;
		st = refuse(&p, KX_ERR_NOT_FOUND, "no 'kernel' line");
	}
	if (st != KX_OK)
		kx_memset(c, 0, sizeof(*c));
	return st;
}

enum kx_status kx_bootconf_initrd_size(const uint64_t *sizes, unsigned n,
				       uint64_t *total)
{
	uint64_t t = 0;

	if (!total || (n && !sizes))
		return KX_ERR_INVAL;
	*total = 0;
	for (unsigned i = 0; i < n; i++) {
		/* t and sizes[i] are at most 2^40 here: no sum can wrap. */
		if (sizes[i] > KX_BOOTCONF_LOAD_MAX)
			return KX_ERR_RANGE;
		t = KX_ALIGN_UP(t, 4) + sizes[i];
		if (t > KX_BOOTCONF_LOAD_MAX)
			return KX_ERR_RANGE;
	}
	*total = t;
	return KX_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for kxinspect's JSON output (tools/kxinspect.c, built
 * into this file so that its printers run as the tool runs them).  The
 * input is physical memory from 0x100000 with the head's place in its
 * last byte, as for fuzz_setup_page; kxinspect reads it through its file
 * source (tools/source.c) and prints `--json setup`.  Oracle: the output
 * is exactly one JSON value and a newline (a strict parser here: every
 * string escaped, no raw control byte, numbers as JSON writes them);
 * "valid" is what the library's reader says of the same bytes, the error
 * its status; for a valid page, one JSON record per record the reader
 * yields, each command line decoding back to the record's bytes.
 */
#define _GNU_SOURCE
#define main kxinspect_main
#include "../../tools/kxinspect.c"
#undef main
#include <sys/mman.h>
#include <unistd.h>

#define BASE 0x100000ULL
#define MAX_DEPTH 16
#define MAX_CMDLINES 64

/* ------------------------------------------------------------ a strict JSON reader */

struct js {
	const char *p, *end;
	int valid;			/* the top-level "valid": 1, 0, -1 unseen */
	char status[48];		/* the error's "status" */
	long records;			/* objects in the top-level "records" */
	unsigned ncmd;			/* "cmdline" strings, decoded */
	char *cmd[MAX_CMDLINES];
	size_t cmdlen[MAX_CMDLINES];
};

static int value(struct js *j, int depth, const char *key, int top);

static void ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string; its bytes (\u00XX as byte XX, kxinspect's only use of \u)
 * into out (cap bytes, NULL: dropped). */
static int string(struct js *j, char *out, size_t cap, size_t *len)
{
	size_t n = 0;

	if (j->p >= j->end || *j->p++ != '"')
		return 0;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;

		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (j->p >= j->end)
				return 0;
			c = (unsigned char)*j->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int v = 0;

				if (j->end - j->p < 4)
					return 0;
				for (int i = 0; i < 4; i++) {
					int h = hexval(j->p[i]);

					if (h < 0)
						return 0;
					v = v * 16 + h;
				}
				j->p += 4;
				if (v > 0xff)
					return 0;	/* kxinspect escapes bytes only */
				c = (unsigned char)v;
				break;
			}
			default:
				return 0;
			}
		}
		if (out && n < cap)
			out[n] = (char)c;
		n++;
	}
	if (j->p >= j->end)
		return 0;
	j->p++;
	if (len)
		*len = n;
	return 1;
}

static int number(struct js *j)
{
	const char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return 0;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	/* kxinspect writes integers only. */
	return j->p > s;
}

static int literal(struct js *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return 0;
	j->p += n;
	return 1;
}

static int object(struct js *j, int depth, int top, int in_records)
{
	char key[32];
	size_t klen;

	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 1;
	}
	for (;;) {
		ws(j);
		if (!string(j, key, sizeof(key) - 1, &klen))
			return 0;
		key[klen < sizeof(key) ? klen : sizeof(key) - 1] = 0;
		ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return 0;
		ws(j);
		if (top && !strcmp(key, "valid")) {
			j->valid = literal(j, "true") ? 1 : literal(j, "false") ? 0 : -2;
			if (j->valid < 0)
				return 0;
		} else if (!strcmp(key, "cmdline") && in_records) {
			const char *at = j->p;
			size_t n;

			if (!string(j, 0, 0, &n) || j->ncmd == MAX_CMDLINES)
				return 0;
			j->p = at;
			j->cmd[j->ncmd] = malloc(n + 1);
			if (!j->cmd[j->ncmd] || !string(j, j->cmd[j->ncmd], n, &j->cmdlen[j->ncmd]))
				return 0;
			j->ncmd++;
		} else if (depth == 1 && !strcmp(key, "status") && *j->p == '"') {
			size_t n;

			if (!string(j, j->status, sizeof(j->status) - 1, &n))
				return 0;
			j->status[n < sizeof(j->status) ? n : sizeof(j->status) - 1] = 0;
		} else if (!value(j, depth + 1, top ? key : 0, 0)) {
			return 0;
		}
		ws(j);
		if (j->p >= j->end)
			return 0;
		if (*j->p == '}') {
			j->p++;
			return 1;
		}
		if (*j->p++ != ',')
			return 0;
	}
}

static int array(struct js *j, int depth, const char *key)
{
	int records = key && !strcmp(key, "records");

	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 1;
	}
	for (;;) {
		ws(j);
		if (records) {
			if (j->p >= j->end || *j->p != '{' || !object(j, depth + 1, 0, 1))
				return 0;
			j->records++;
		} else if (!value(j, depth + 1, 0, 0)) {
			return 0;
		}
		ws(j);
		if (j->p >= j->end)
			return 0;
		if (*j->p == ']') {
			j->p++;
			return 1;
		}
		if (*j->p++ != ',')
			return 0;
	}
}

static int value(struct js *j, int depth, const char *key, int top)
{
	if (depth > MAX_DEPTH || j->p >= j->end)
		return 0;
	switch (*j->p) {
	case '{': return object(j, depth, top, 0);
	case '[': return array(j, depth, key);
	case '"': return string(j, 0, 0, 0);
	case 't': return literal(j, "true");
	case 'f': return literal(j, "false");
	case 'n': return literal(j, "null");
	default: return number(j);
	}
}

/* ------------------------------------------------------------ the target */

struct input {
	const uint8_t *data;
	size_t size;
};

static enum kx_status map(void *ctx, uint64_t phys, uint32_t len, const void **out)
{
	const struct input *in = ctx;

	if (phys < BASE || phys - BASE > in->size || len > in->size - (phys - BASE))
		return KX_ERR_RANGE;
	*out = in->data + (phys - BASE);
	return KX_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct input in = { data, size ? size - 1 : 0 };
	struct js j = { .valid = -1 };
	struct kx_setup_reader r;
	struct kx_setup_fault f;
	struct kx_setup_rec rec;
	struct source src;
	FILE *out, *saved, *saved_err;
	char *text = 0, path[64];
	size_t tlen = 0;
	long records = 0;
	unsigned ncmd = 0;
	uint64_t head;
	enum kx_status st;
	int fd, rc;

	if (size < 1)
		return 0;
	if (!null && !(null = fopen("/dev/null", "w")))
		__builtin_trap();
	head = BASE + (uint64_t)data[size - 1] * 8;
	fd = memfd_create("mem", MFD_CLOEXEC);
	if (fd < 0 || (in.size && write(fd, data, in.size) != (ssize_t)in.size))
		__builtin_trap();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (source_open(&src, SOURCE_FILE, path, BASE))
		__builtin_trap();
	/* kxinspect --json setup, its stdout captured, its stderr dropped. */
	out = open_memstream(&text, &tlen);
	if (!out)
		__builtin_trap();
	saved = stdout;
	saved_err = stderr;
	stdout = out;
	stderr = null;
	json = 1;
	rc = inspect_setup(&src, head);
	fclose(out);
	stdout = saved;
	stderr = saved_err;
	source_close(&src);
	close(fd);

	/* One JSON value, then exactly one newline. */
	j.p = text;
	j.end = text + tlen;
	if (!tlen || text[tlen - 1] != '\n' || !value(&j, 0, 0, 1) || j.p != j.end - 1)
		__builtin_trap();
	st = kx_setup_open(&r, head, map, &in, &f);
	if (j.valid != (st == KX_OK) || rc != (st == KX_OK ? 0 : EXIT_INVALID))
		__builtin_trap();
	if (st != KX_OK) {
		if (strcmp(j.status, kx_status_name(f.status)))
			__builtin_trap();
	} else {
		while ((st = kx_setup_next(&r, &rec, &f)) == KX_OK) {
			records++;
			if (rec.type != KX_REC_CMDLINE)
				continue;
			if (ncmd >= j.ncmd || j.cmdlen[ncmd] != rec.payload_size - 1 ||
			    memcmp(j.cmd[ncmd], rec.payload, rec.payload_size - 1))
				__builtin_trap();
			ncmd++;
		}
		if (st != KX_ERR_NOT_FOUND || records != j.records || ncmd != j.ncmd)
			__builtin_trap();
	}
	for (unsigned i = 0; i < j.ncmd; i++)
		free(j.cmd[i]);
	free(text);
	return 0;
}

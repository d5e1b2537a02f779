/*
 * testlie.c - the test-only lying renderer hook (see testlie.h).
 *
 * Does: parse the cue once; spoil one sample per block in the window.
 * Does not: touch anything but the block it is handed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlie.h"

static int parse_u64(const char *s, char **end, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, end, 10);
	return errno != 0 ? -EINVAL : 0;
}

int testlie_parse(const char *text, uint32_t index, uint32_t salt, struct testlie *l)
{
	static const char *const modes[] = { "corrupt", "nan", "loud", "nondet" };
	uint64_t who = 0;
	char *end;

	memset(l, 0, sizeof(*l));
	l->count = UINT64_MAX;
	l->salt = salt;
	if (text == NULL || *text == '\0')
		return 0;
	if (parse_u64(text, &end, &who) < 0 || *end != ':')
		return -EINVAL;
	const char *m = end + 1;
	size_t mlen = strcspn(m, ":");
	unsigned k;
	for (k = 0; k < sizeof modes / sizeof modes[0]; k++)
		if (strlen(modes[k]) == mlen && strncmp(m, modes[k], mlen) == 0)
			break;
	if (k == sizeof modes / sizeof modes[0])
		return -EINVAL;
	l->mode = k;
	end = (char *)m + mlen;
	if (*end == ':' && (parse_u64(end + 1, &end, &l->from) < 0))
		return -EINVAL;
	if (*end == ':' && (parse_u64(end + 1, &end, &l->count) < 0))
		return -EINVAL;
	if (*end != '\0')
		return -EINVAL;
	l->on = who == index;
	return 0;
}

void testlie_apply(const struct testlie *l, uint64_t seq, float *x, uint32_t n)
{
	if (!l->on || n == 0 || seq < l->from || seq - l->from >= l->count)
		return;
	float *v = &x[seq % n];
	switch (l->mode) {
	case TESTLIE_CORRUPT: *v += 0.5f; break;
	case TESTLIE_NAN: *v = NAN; break;
	case TESTLIE_LOUD: *v = 16.0f; break;
	default: *v += (float)(l->salt % 1000u + 1u) * 2e-6f; break;
	}
}

/*
 * errtext.c - library error texts, cleaned (see errtext.h).
 * Does not: allocate or look at errno.
 */
#include <stdio.h>
#include <string.h>

#include "errtext.h"

char *errtext_signal(int sig, char *out, size_t len)
{
	const char *abbrev = NULL;

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
	abbrev = sigabbrev_np(sig);  /* "SEGV" */
#endif
	if (len == 0)
		return out;
	if (abbrev != NULL)
		snprintf(out, len, "SIG%s", abbrev);
	else
		snprintf(out, len, "signal %d", sig);
	return out;
}

char *errtext_sndfile(const char *raw, char *out, size_t len)
{
	static const char *const labels[] = { "System error", "Error", "Internal error" };
	const char *s = raw != NULL ? raw : "unknown error";
	size_t n;

	if (len == 0)
		return out;
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		size_t l = strlen(labels[i]);
		if (strncmp(s, labels[i], l) == 0) {
			const char *p = s + l;
			while (*p == ' ')
				p++;
			if (*p == ':') {
				s = p + 1;
				break;
			}
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	for (n = 0; s[n] != '\0' && n + 1 < len; n++)
		out[n] = (unsigned char)s[n] < 0x20 ? ' ' : s[n];
	while (n > 0 && (out[n - 1] == '.' || out[n - 1] == ' ' || out[n - 1] == '\n'))
		n--;
	out[n] = '\0';
	if (n == 0)
		strncpy(out, "unknown error", len - 1), out[len - 1] = '\0';
	return out;
}

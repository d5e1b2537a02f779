/*
 * log.c - the daemon's logger: stderr in the foreground, syslog on request.
 *
 * What it does: filters a message by level, formats it into one buffer and
 * hands it over in one write(2) to stderr ("IDENT: warning: text\n") or one
 * syslog(3) call (with the matching priority), so lines from several threads
 * never interleave. fatal() logs at error level and exits 1.
 *
 * What it does not do: buffer, rotate, timestamp (journald, launchd and
 * syslog stamp lines themselves), or allocate. It must not be called from the
 * audio path: formatting and write(2) are not real-time safe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

/* Longest message kept; a longer one is cut and ends with "...". */
#define LOG_LINE_MAX 1024

/* Written once by log_init() before any thread starts; read-only after. */
static char log_ident[32] = "rtaudiod";
static bool log_to_syslog;
/* Changed at run time (SIGHUP reload, -v), read from any thread. */
static _Atomic int log_threshold = LOG_LEVEL_INFO;

void log_init(const char *ident, bool use_syslog, enum log_level level)
{
	if (ident != NULL && ident[0] != '\0')
		snprintf(log_ident, sizeof log_ident, "%s", ident);
	log_to_syslog = use_syslog;
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_set_level(level);
}

void log_set_level(enum log_level level)
{
	if ((int)level < LOG_LEVEL_ERROR)
		level = LOG_LEVEL_ERROR;
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	atomic_store_explicit(&log_threshold, (int)level, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

/* Write all of buf to stderr; only EINTR and short writes are retried. */
static void log_write_stderr(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;  /* nowhere left to complain to */
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void log_emit(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const word[] = { "error: ", "warning: ", "", "" };
	char buf[LOG_LINE_MAX];
	const size_t room = sizeof buf - 1;  /* keeps one byte for '\n' or NUL */
	size_t len = 0;
	int saved = errno;  /* callers may log between a failure and its errno use */

	if ((int)level > atomic_load_explicit(&log_threshold, memory_order_relaxed))
		return;
	if (!log_to_syslog) {
		int n = snprintf(buf, room, "%s: %s", log_ident, word[level]);

		len = n > 0 ? (size_t)n : 0;
	}
	int n = vsnprintf(buf + len, room - len, fmt, ap);

	if (n < 0)
		n = 0;
	if ((size_t)n >= room - len) {
		len = room - 1;
		memcpy(buf + len - 3, "...", 3);
	} else {
		len += (size_t)n;
	}
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	if (log_to_syslog) {
		buf[len] = '\0';
		syslog(prio[level], "%s", buf);
	} else {
		buf[len++] = '\n';
		log_write_stderr(buf, len);
	}
	errno = saved;
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_INFO, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_DEBUG, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * log.h - the daemon's one way to say something.
 *
 * What it does: formats a message and sends it to stderr (foreground, the
 * default: systemd and launchd capture it) or to syslog (--syslog), filtered
 * by level. fatal() logs and exits 1.
 *
 * What it does not do: run on the audio path (the sink thread and the replica
 * render loop never log; they count, and the loop thread reports).
 * Thread-safe: one write(2)/syslog(3) per message.
 */
#ifndef RTAUDIOD_LOG_H
#define RTAUDIOD_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN = 1, LOG_LEVEL_INFO = 2, LOG_LEVEL_DEBUG = 3 };

/* Set the program name, destination and threshold. Call once, early. */
void log_init(const char *ident, bool use_syslog, enum log_level level);
/* Change the threshold (reload, -v). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at error level and exit(1). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif

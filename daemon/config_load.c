/*
 * config_load.c - read rtaudiod's config file with inih.
 *
 * What it does: config_load() feeds the file to inih through a
 * line-counting reader, so every error names its file and line, and stops at
 * the first error in file order. Each value goes through config_set_key(),
 * the same parser the defaults use. Duplicate keys are rejected (the second
 * one is the error), so no setting is silently overridden. The rules
 * between two keys run once the whole file is read. The file must be a
 * regular file of at most CONFIG_MAX_BYTES, opened without blocking and read
 * whole before parsing: /dev/zero, a FIFO or a directory is an error, never
 * a daemon (or a reload) that hangs reading it. A NUL byte, and `key : value`
 * (inih would take ':' as '='), are errors at their line.
 *
 * What it does not do: know any key's type or range (config.c's table
 * does), log or exit: the caller reports the error text (and exits 78).
 */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"

/* Far above any real configuration (the annotated one is ~10 KiB). */
#define CONFIG_MAX_BYTES (1024 * 1024)

struct load_ctx {
	struct config *c;
	const char *buf;          /* the whole file, NUL-terminated */
	size_t len, pos;
	const char *path;
	int line;                 /* line the reader handed to inih last */
	int line_max;             /* longest line inih's buffer holds */
	int key_line[CONFIG_NKEYS];  /* where each key was set, 0 = not in the file */
	int err_line;             /* line of the recorded error, -1 = none */
	char *err;
	size_t errlen;
};

/* Record the first error (in file order); later ones are ignored. */
__attribute__((format(printf, 4, 5)))
static void load_fail(struct load_ctx *x, int line, const char *key, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (x->err_line >= 0)
		return;
	x->err_line = line;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (line == 0)
		snprintf(x->err, x->errlen, "%s: %s", x->path, why);
	else if (key != NULL)
		snprintf(x->err, x->errlen, "%s:%d: key '%s': %s", x->path, line, key, why);
	else
		snprintf(x->err, x->errlen, "%s:%d: %s", x->path, line, why);
}

/*
 * inih's reader: one whole line per call, counted. Leading blanks are
 * dropped, which turns off inih's multi-line continuation (an indented line
 * is an ordinary line here, so indenting keys under a section is harmless).
 * Section headers are checked here, at their own line, which also catches a
 * section with no keys. A line too long for inih's buffer is an error.
 */
static char *config_reader(char *str, int num, void *stream)
{
	struct load_ctx *x = stream;
	size_t len = 0, skip = 0;
	bool nul = false;

	if (x->pos >= x->len)
		return NULL;
	x->line++;
	x->line_max = num - 3;
	/* One line: up to and including '\n', at most num - 1 bytes kept. */
	while (x->pos < x->len) {
		char ch = x->buf[x->pos++];

		if (ch == '\0')
			nul = true;
		else if (len + 1 < (size_t)num)
			str[len++] = ch;
		else if (ch != '\n')
			len = (size_t)num;  /* too long: mark, keep skipping */
		if (ch == '\n')
			break;
	}
	if (len >= (size_t)num) {
		load_fail(x, x->line, NULL, "line too long (at most %d characters)", x->line_max);
		str[0] = '\0';
		return str;
	}
	str[len] = '\0';
	if (nul) {
		load_fail(x, x->line, NULL, "NUL byte in the line");
		str[0] = '\0';
		return str;
	}
	if (x->line == 1 && strncmp(str, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;  /* UTF-8 BOM */
	while (str[skip] == ' ' || str[skip] == '\t' || str[skip] == '\r' || str[skip] == '\f' ||
	       str[skip] == '\v')
		skip++;
	memmove(str, str + skip, len - skip + 1);
	if (str[0] == '[') {
		char *end = strchr(str, ']');

		if (end != NULL) {
			*end = '\0';
			if (!config_section_known(str + 1))
				load_fail(x, x->line, NULL, "unknown section [%s]", str + 1);
			*end = ']';
		}
	} else if (str[0] != ';' && str[0] != '#') {
		/* inih splits at '=' or ':'; keys never hold a ':', and values may. */
		size_t eq = strcspn(str, "="), colon = strcspn(str, ":");

		if (colon < eq)
			load_fail(x, x->line, NULL, "expected 'key = value' (':' is not a separator)");
	}
	return str;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *x = user;
	char why[512];
	size_t k;

	if (x->err_line >= 0)
		return 1;  /* keep only the first error; inih just runs to the end */
	if (!config_section_known(section)) {
		if (section[0] == '\0')
			load_fail(x, x->line, name, "not in a section (keys follow a [section] line)");
		else  /* already reported at the header; kept for safety */
			load_fail(x, x->line, NULL, "unknown section [%s]", section);
		return 0;
	}
	/*
	 * Every setting must survive `rtaudiod -n`, which prints it back as
	 * "key = value": a line that fitted without the blanks may not with them.
	 */
	if (strlen(name) + 3 + strlen(value) > (size_t)x->line_max) {
		load_fail(x, x->line, name, "'%s = value' is too long (at most %d characters)", name,
		          x->line_max);
		return 0;
	}
	if (config_section_renderer(section)) {
		/* The renderer's: stored as written, validated by its --check. */
		if (config_add_rkey(x->c, section, name, value, x->line, why, sizeof why) != 0) {
			load_fail(x, x->line, name, "%s", why);
			return 0;
		}
		return 1;
	}
	k = config_key_index(section, name);
	if (k == CONFIG_NKEYS && strcmp(section, "params") == 0) {
		/* A renderer's parameter: its range is known after --check. */
		if (config_add_pval(x->c, name, value, x->line, why, sizeof why) != 0) {
			load_fail(x, x->line, name, "%s", why);
			return 0;
		}
		return 1;
	}
	if (k == CONFIG_NKEYS) {
		load_fail(x, x->line, name, "unknown key in [%s]", section);
		return 0;
	}
	if (x->key_line[k] != 0) {
		load_fail(x, x->line, name, "duplicate key (already set at line %d)", x->key_line[k]);
		return 0;
	}
	x->key_line[k] = x->line;
	if (config_set_key(x->c, k, value, why, sizeof why) != 0) {
		load_fail(x, x->line, name, "%s", why);
		return 0;
	}
	return 1;
}

/*
 * A rule between two keys, reported at the line of whichever was set later
 * in the file (that is the one to look at), or without a line if neither was.
 */
static void cross_fail(struct load_ctx *x, const char *sec_a, const char *key_a,
                       const char *sec_b, const char *key_b, const char *why)
{
	size_t a = config_key_index(sec_a, key_a), b = config_key_index(sec_b, key_b);
	size_t k = x->key_line[b] > x->key_line[a] ? b : a;

	load_fail(x, x->key_line[k], config_keys[k].name, "%s", why);
}

static void config_cross_check(struct load_ctx *x)
{
	const struct config *c = x->c;
	char why[256];

	if (c->lead >= c->ring_capacity) {
		snprintf(why, sizeof why, "lead (%u) must be less than ring_capacity (%u)",
		         c->lead, c->ring_capacity);
		cross_fail(x, "stream", "lead", "stream", "ring_capacity", why);
	}
	if (c->restart_backoff_max_ms < c->restart_backoff_ms) {
		snprintf(why, sizeof why,
		         "restart_backoff_max_ms (%u) must be at least restart_backoff_ms (%u)",
		         c->restart_backoff_max_ms, c->restart_backoff_ms);
		cross_fail(x, "watchdog", "restart_backoff_ms", "watchdog", "restart_backoff_max_ms",
		           why);
	}
	if (c->vote == VOTE_MAJORITY && c->replicas < 3) {
		snprintf(why, sizeof why, "vote = majority needs 3 or more replicas (replicas = %u)",
		         c->replicas);
		cross_fail(x, "group", "vote", "group", "replicas", why);
	}
	if (c->sink == SINK_WAV && c->sink_path[0] == '\0')
		cross_fail(x, "sink", "type", "sink", "path", "sink type wav needs a path");
	/* Live input: only a sink that captures it. */
	if (c->input_channels > 0 && (c->sink == SINK_NULL || c->sink == SINK_WAV)) {
		snprintf(why, sizeof why, "input_channels = %u: the %s sink captures no live input "
		         "(the jack sink does, jack_inputs; the alsa sink, capture_device)",
		         c->input_channels, config_sink_name(c->sink));
		cross_fail(x, "stream", "input_channels", "sink", "type", why);
	}
	if (c->sink == SINK_ALSA && c->input_channels > 0 && c->capture_device[0] == '\0') {
		/* Named as the key missing, at the later of the two lines asking for it. */
		int la = x->key_line[config_key_index("stream", "input_channels")];
		int lb = x->key_line[config_key_index("sink", "type")];
		load_fail(x, la > lb ? la : lb, "capture_device", "missing: input_channels = %u with "
		          "the alsa sink needs [sink] capture_device, the ALSA PCM to capture from",
		          c->input_channels);
	}
	if (c->capture_device[0] != '\0' && (c->sink != SINK_ALSA || c->input_channels == 0)) {
		snprintf(why, sizeof why, "capture_device is the alsa sink's live input: it needs "
		         "type = alsa and [stream] input_channels (type = %s, input_channels = %u)",
		         config_sink_name(c->sink), c->input_channels);
		load_fail(x, x->key_line[config_key_index("sink", "capture_device")],
		          "capture_device", "%s", why);
	}
	/* Checked here, not in the key's rule, so that the default, set by no
	 * line, is checked too. Only root drops to it (daemon/confine.c). */
	if (geteuid() == 0 && getpwnam(c->replica_user) == NULL) {
		size_t k = config_key_index("group", "replica_user");
		snprintf(why, sizeof why, "no such user '%s' (the replicas of a root rtaudiod run "
		         "as it; create it: useradd --system %s)", c->replica_user, c->replica_user);
		load_fail(x, x->key_line[k], "replica_user", "%s%s",
		          x->key_line[k] == 0 ? "key 'replica_user' (default): " : "", why);
	}
	/*
	 * A stall limit shorter than the watchdog's interval cannot be held:
	 * the watchdog looks too rarely to see a stall within it. (jack sets
	 * the period from its server: checked against the file's values.)
	 */
	uint64_t period_ns = (uint64_t)c->frames * 1000000000u / c->sample_rate;
	uint64_t limit_ns = (uint64_t)c->stall_periods * period_ns;
	if (limit_ns < (uint64_t)c->interval_ms * 1000000u) {
		snprintf(why, sizeof why,
		         "the stall limit (%u periods = %.3f ms) is shorter than the watchdog's "
		         "interval_ms (%u)", c->stall_periods, (double)limit_ns / 1e6, c->interval_ms);
		cross_fail(x, "watchdog", "stall_periods", "watchdog", "interval_ms", why);
	}
	/*
	 * The pre-roll starts on a multiple of lcm(frames, preroll_align)
	 * samples (renderer_loop.c): with frames not a power of two that is far
	 * more than preroll_align, and so is the extra pre-roll it may cost.
	 */
	if (c->preroll > 0 && c->preroll_align > 1) {
		uint64_t lcm = (uint64_t)config_preroll_align_blocks(c) * c->frames;
		if (lcm > 60u * (uint64_t)c->sample_rate) {
			snprintf(why, sizeof why, "preroll_align = %u with frames = %u aligns the "
			         "pre-roll on %llu samples (%.0f s, more than 60): choose frames a "
			         "power of two, or a smaller preroll_align (0: none)", c->preroll_align,
			         c->frames, (unsigned long long)lcm, (double)lcm / c->sample_rate);
			cross_fail(x, "group", "preroll_align", "stream", "frames", why);
		}
	}
	/* No general-purpose kernel wakes a thread on time at this rate. */
	if (c->sink != SINK_JACK && period_ns < CONFIG_MIN_PERIOD_NS) {
		snprintf(why, sizeof why, "a period of %.3f ms (frames/sample_rate) is shorter than "
		         "the %.3f ms a clocked sink can keep", (double)period_ns / 1e6,
		         CONFIG_MIN_PERIOD_NS / 1e6);
		cross_fail(x, "stream", "frames", "stream", "sample_rate", why);
	}
}

uint32_t config_preroll_align_blocks(const struct config *c)
{
	uint32_t a = c->preroll_align, b = c->frames;

	if (c->preroll_align <= 1 || c->frames == 0)
		return 1;
	while (b != 0) {  /* a = gcd(preroll_align, frames) */
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return c->preroll_align / a;  /* lcm(preroll_align, frames) / frames */
}

int config_check_env(const struct config *c, bool socket_too, char *err, size_t errlen)
{
	struct stat st;

	if (stat(c->replica, &st) < 0) {
		snprintf(err, errlen, "key 'replica': %s: %s", c->replica, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode) || access(c->replica, X_OK) < 0) {
		snprintf(err, errlen, "key 'replica': %s: not an executable file", c->replica);
		return -EACCES;
	}
	if (!socket_too)
		return 0;
	/* ctl_listen creates one level, the socket's directory, in an existing parent. */
	char dir[sizeof c->socket];
	snprintf(dir, sizeof dir, "%s", c->socket);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "key 'socket': %s is not a directory", dir);
			return -ENOTDIR;
		}
		return 0;
	}
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, "/");
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "key 'socket': its directory cannot be created: %s is not a "
		         "directory", dir);
		return -ENOTDIR;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "key 'socket': its directory cannot be created in %s: %s", dir,
		         strerror(errno));
		return -EACCES;
	}
	return 0;
}

void config_warnings(const struct config *c, FILE *f)
{
	uint64_t period_ns = (uint64_t)c->frames * 1000000000u / c->sample_rate;

	if (c->sink != SINK_JACK && period_ns < CONFIG_RISKY_PERIOD_NS)
		fprintf(f, "rtaudiod: warning: a period of %.3f ms is risky: a wake-up later than "
		        "that is an underrun, and a loaded machine has them\n",
		        (double)period_ns / 1e6);
	if ((uint64_t)c->stall_periods * period_ns < 3000000u)
		fprintf(f, "rtaudiod: warning: a stall limit of %.3f ms is risky: a host hiccup that "
		        "long is a stall failover\n", (double)c->stall_periods * period_ns / 1e6);
}

/*
 * Read the whole of `path` into a fresh buffer (*out, NUL-terminated, free()
 * it). 0 or -errno with the reason in x. O_NONBLOCK: opening a FIFO with no
 * writer must not wait for one; the S_ISREG check then refuses it anyway.
 */
static int read_file(struct load_ctx *x, const char *path, bool missing_ok, char **out)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, e;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT && missing_ok)
			return 1;
		load_fail(x, 0, NULL, "%s", strerror(e));
		return e == ENOENT ? -ENOENT : -EINVAL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		load_fail(x, 0, NULL, "not a regular file");
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		load_fail(x, 0, NULL, "too large (%lld bytes, at most %d)", (long long)st.st_size,
		          CONFIG_MAX_BYTES);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		load_fail(x, 0, NULL, "out of memory");
		return -ENOMEM;
	}
	/* Read what fstat promised, no more: a file growing meanwhile is cut. */
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			load_fail(x, 0, NULL, "read error: %s", strerror(e));
			free(buf);
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	x->len = got;
	*out = buf;
	return 0;
}

int config_load(struct config *c, const char *path, bool missing_ok, char *err, size_t errlen)
{
	struct load_ctx x = { .c = c, .path = path, .err_line = -1, .err = err, .errlen = errlen };
	char *buf;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	rc = read_file(&x, path, missing_ok, &buf);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	x.buf = buf;
	rc = ini_parse_stream(config_reader, &x, config_handler, &x);
	free(buf);
	if (rc > 0 && (x.err_line < 0 || rc < x.err_line)) {
		x.err_line = -1;  /* inih's own error comes first in the file */
		load_fail(&x, rc, NULL, "syntax error");
	} else if (rc < 0 && x.err_line < 0) {
		load_fail(&x, 0, NULL, "cannot parse (inih error %d)", rc);
	}
	if (x.err_line < 0)
		config_cross_check(&x);
	return x.err_line >= 0 ? -EINVAL : 0;
}

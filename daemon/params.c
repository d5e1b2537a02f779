/*
 * params.c - the parameter table from the renderer's --check run, and the
 * [params] values checked against it (see params.h).
 *
 * Does: start the renderer (spawn_clone, or fork where there are no
 * pidfds) with its stdout on a pipe, read at most PARAMS_REPORT_MAX bytes
 * within PARAMS_CHECK_TIMEOUT_MS (then kill it), reap it, parse the report
 * line by line. The renderer is untrusted: a line that is not exactly one
 * of the three forms, a name that is not valid, a range that is not
 * finite, a table that does not fit, a duplicate, or a report that is not
 * finished by "ok" is an error, never a partial table.
 * Does not: log, keep the child (it is always reaped before returning),
 * touch shared memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "confine.h"
#include "params.h"
#include "spawn_clone.h"

char **params_argv(const struct config *c, char *const *extra)
{
	size_t nextra = 0, bytes = 0;

	while (extra != NULL && extra[nextra] != NULL)
		nextra++;
	/* + 7: --sandbox MODE [--max-memory N] [--max-processes N] [--core-dumps] */
	size_t nargs = 1 + nextra + 7 + 2 * (size_t)c->nrkeys + 1;
	for (unsigned i = 0; i < c->nrkeys; i++)
		bytes += strlen(c->rkeys[i].section) + strlen(c->rkeys[i].key) +
		         strlen(c->rkeys[i].value) + 3;
	bytes += 6 * (size_t)c->nrkeys; /* "--key" + NUL each */
	bytes += 2 * 12;                /* the two limits as decimal numbers */
	char **v = malloc(nargs * sizeof(char *) + bytes);
	if (v == NULL)
		return NULL;
	char *s = (char *)(v + nargs);
	size_t k = 0;
	v[k++] = (char *)c->replica;
	for (size_t i = 0; i < nextra; i++)
		v[k++] = extra[i];
	/* How the renderer confines itself (lib/renderer_proc.c), in the
	 * --check run as in a replica: the renderer's open runs in both. */
	v[k++] = "--sandbox";
	v[k++] = c->sandbox == SANDBOX_STRICT ? "strict" : "off";
	if (c->replica_max_memory_mb != 0) {
		v[k++] = "--max-memory";
		v[k++] = s;
		s += sprintf(s, "%u", c->replica_max_memory_mb) + 1;
	}
	if (c->replica_max_processes != 0) {
		v[k++] = "--max-processes";
		v[k++] = s;
		s += sprintf(s, "%u", c->replica_max_processes) + 1;
	}
	if (c->replica_core_dumps)
		v[k++] = "--core-dumps";
	for (unsigned i = 0; i < c->nrkeys; i++) {
		const struct config_rkey *r = &c->rkeys[i];
		memcpy(s, "--key", 6);
		v[k++] = s;
		s += 6;
		v[k++] = s;
		s += sprintf(s, "%s.%s=%s", r->section, r->key, r->value) + 1;
	}
	v[k] = NULL;
	return v;
}

/* Read the child's report: at most max - 1 bytes, until EOF or `deadline`. */
static ssize_t read_report(int fd, char *buf, size_t max, uint64_t deadline)
{
	size_t n = 0;

	for (;;) {
		uint64_t now = clock_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms = (int)((deadline - now) / NSEC_PER_MSEC) + 1;
		int rc = poll(&pfd, 1, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			continue;
		if (n + 1 >= max)
			return -EFBIG;
		ssize_t got = read(fd, buf + n, max - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Split `line` at tabs into at most `max` fields; returns the count. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\t') {
			*p = '\0';
			if (n == max)
				return max + 1;
			f[n++] = p + 1;
		}
	return n;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return s[0] != '\0' && *end == '\0' && isfinite(*out);
}

/* Text from the renderer, made safe to print: cut, printable only. */
static void clean(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; src[n] != '\0' && n + 1 < len; n++)
		dst[n] = (src[n] < 0x20 || src[n] > 0x7e) ? '?' : src[n];
	dst[n] = '\0';
}

/*
 * One "error SECTION KEY TEXT" line, as the message the user sees: at the
 * key's line when the file sets it, at the section's first key otherwise.
 */
static void report_error(const struct config *c, const char *path, char **f, char *err,
                         size_t errlen)
{
	char section[64], key[64], text[256];

	clean(section, sizeof section, f[1]);
	clean(key, sizeof key, f[2]);
	clean(text, sizeof text, f[3]);
	bool whole = strcmp(key, "-") == 0;
	int line = config_rkey_line(c, section, whole ? NULL : key);
	if (strcmp(section, "params") == 0)
		snprintf(err, errlen, "%s: renderer %s: parameter '%s': %s", path, c->replica, key,
		         text);
	else if (line > 0 && !whole)
		snprintf(err, errlen, "%s:%d: key '%s': %s", path, line, key, text);
	else if (line > 0)
		snprintf(err, errlen, "%s:%d: [%s]: %s", path, line, section, text);
	else if (!whole)
		snprintf(err, errlen, "%s: [%s] key '%s': %s", path, section, key, text);
	else
		snprintf(err, errlen, "%s: [%s]: %s", path, section, text);
}

int params_parse_report(struct params *p, char *buf, const struct config *c, const char *path,
                        char *err, size_t errlen)
{
	bool done = false;
	char *save = NULL;

	memset(p, 0, sizeof *p);
	p->n = 2;
	p->decl[0] = (struct param_decl){ .name = "gain", .min = 0, .max = 4, .def = 1 };
	p->decl[1] = (struct param_decl){ .name = "pan", .min = -1, .max = 1, .def = 0 };
	for (char *line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		int nf = split_tabs(line, f, 6);

		if (done)
			goto bad;
		if (nf == 1 && strcmp(f[0], "ok") == 0) {
			done = true;
		} else if (nf == 4 && strcmp(f[0], "error") == 0) {
			report_error(c, path, f, err, errlen);
			return 1;
		} else if (nf == 6 && strcmp(f[0], "param") == 0) {
			struct param_decl d = { 0 };
			if (p->n == LAYOUT_MAX_PARAMS || strlen(f[1]) >= sizeof d.name ||
			    strlen(f[5]) >= sizeof d.unit)
				goto bad;
			memcpy(d.name, f[1], strlen(f[1]) + 1);  /* lengths checked above */
			memcpy(d.unit, f[5], strlen(f[5]) + 1);
			if (!parse_double(f[2], &d.min) || !parse_double(f[3], &d.max) ||
			    !parse_double(f[4], &d.def) || layout_param_decl_ok(&d) < 0 ||
			    params_index(p, d.name) >= 0)
				goto bad;
			p->decl[p->n++] = d;
		} else {
			goto bad;
		}
	}
	if (done)
		return 0;
bad:
	snprintf(err, errlen, "%s: key 'replica': %s --check printed a malformed or "
	         "inconsistent report", path, c->replica);
	return -1;
}

/*
 * Start the --check run of argv with its stdout on `out`, stdin on
 * /dev/null, as `cred` says; *pid to reap. Returns 0 or -errno (of the
 * start, or of the exec where spawn_clone can tell; after a fork, an exec
 * that fails is exit status 126 or 127 instead).
 */
static int start_check(const struct config *c, char **argv, const struct confine_cred *cred,
                       int out, pid_t *pid)
{
#ifdef __linux__
	/* Not fork: rtaudiod may be playing already (a reload), and a fork
	 * would write-protect the memory of its sound server's threads
	 * (spawn_clone.h). */
	if (spawn_clone_supported()) {
		struct spawn_clone_plan pl = { .file = c->replica, .argv = argv, .nfds = 3,
		                               .fd = { -1, out, 2 }, .cred = cred };
		int pidfd, rc = spawn_clone(&pl, pid, &pidfd);
		if (rc == 0)
			close(pidfd); /* reaped by waitpid, with a time-out of its own */
		return rc;
	}
#endif
	/* The child only calls async-signal-safe functions (a JACK sink may
	 * have started threads already). */
	*pid = fork();
	if (*pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		/* The renderer's open is untrusted code: never as root. */
		if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || confine_child(cred) < 0)
			_exit(127);
		execv(c->replica, argv);
		_exit(errno == EACCES ? 126 : 127);
	}
	return *pid < 0 ? -errno : 0;
}

int params_check(struct params *p, const struct config *c, const char *path, char *err,
                 size_t errlen)
{
	char rate[16], chans[16], frames[16], inputs[16];
	char *extra[] = { "--check", "--rate", rate, "--channels", chans, "--frames", frames,
		          "--input-channels", inputs, NULL };
	int pfd[2], status = 0, rc;
	pid_t pid;

	snprintf(rate, sizeof rate, "%u", c->sample_rate);
	snprintf(chans, sizeof chans, "%u", c->channels);
	snprintf(frames, sizeof frames, "%u", c->frames);
	snprintf(inputs, sizeof inputs, "%u", c->input_channels);
	if (access(c->replica, X_OK) != 0) {
		snprintf(err, errlen, "%s: key 'replica': %s: %s", path, c->replica, strerror(errno));
		return -1;
	}
	struct confine_cred cred;
	if (confine_user(c, &cred) < 0) {
		snprintf(err, errlen, "%s: key 'replica_user': no such user '%s'", path,
		         c->replica_user);
		return -1;
	}
	char **argv = params_argv(c, extra);
	char *buf = malloc(PARAMS_REPORT_MAX);
	if (argv == NULL || buf == NULL || pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot run %s --check: %s", c->replica, strerror(errno));
		free(argv);
		free(buf);
		return -1;
	}
	rc = start_check(c, argv, &cred, pfd[1], &pid);
	close(pfd[1]);
	free(argv);
	if (rc < 0) {
		close(pfd[0]);
		free(buf);
		if (rc == -EACCES && cred.drop)
			snprintf(err, errlen, "%s: key 'replica': %s: user '%s' (replica_user) may not "
			         "execute it (check the permissions of the path)", path, c->replica,
			         c->replica_user);
		else
			snprintf(err, errlen, "%s: key 'replica': cannot run %s: %s", path, c->replica,
			         strerror(-rc));
		return -1;
	}
	ssize_t n = read_report(pfd[0], buf, PARAMS_REPORT_MAX,
	                        clock_now_ns() + PARAMS_CHECK_TIMEOUT_MS * NSEC_PER_MSEC);
	close(pfd[0]);
	if (n < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n < 0) {
		snprintf(err, errlen, "%s: key 'replica': %s --check: %s", path, c->replica,
		         n == -ETIMEDOUT ? "no answer in 10 s" : strerror((int)-n));
		free(buf);
		return -1;
	}
	rc = params_parse_report(p, buf, c, path, err, errlen);
	free(buf);
	if (rc == 1)
		return -1;
	bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (rc == 0 && clean_exit)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(err, errlen, "%s: key 'replica': %s --check was killed by %s", path,
		         c->replica, strsignal(WTERMSIG(status)));
	else if (!clean_exit && WEXITSTATUS(status) == 126 && cred.drop)
		snprintf(err, errlen, "%s: key 'replica': %s: user '%s' (replica_user) may not "
		         "execute it (check the permissions of the path)", path, c->replica,
		         c->replica_user);
	else if (!clean_exit)
		snprintf(err, errlen, "%s: key 'replica': %s --check exited with status %d%s", path,
		         c->replica, WEXITSTATUS(status),
		         WEXITSTATUS(status) == 64 ? " (not a renderer on librtaudio?)" : "");
	return -1;
}

int params_index(const struct params *p, const char *name)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (strcmp(p->decl[i].name, name) == 0)
			return (int)i;
	return -1;
}

int params_values(const struct params *p, const struct config *c, const char *path, double *v,
                  char *err, size_t errlen)
{
	for (uint32_t i = 0; i < p->n; i++)
		v[i] = p->decl[i].def;
	v[LAYOUT_PARAM_GAIN] = c->gain;
	v[LAYOUT_PARAM_PAN] = c->pan;
	for (unsigned i = 0; i < c->npvals; i++) {
		const struct config_pval *pv = &c->pvals[i];
		int k = params_index(p, pv->name);
		if (k < 0) {
			snprintf(err, errlen, "%s:%d: key '%s': unknown key in [params] (the renderer "
			         "declares no such parameter)", path, pv->line, pv->name);
			return -1;
		}
		const struct param_decl *d = &p->decl[k];
		if (pv->value < d->min || pv->value > d->max) {
			snprintf(err, errlen, "%s:%d: key '%s': %g is out of range %g..%g", path,
			         pv->line, pv->name, pv->value, d->min, d->max);
			return -1;
		}
		v[k] = pv->value;
	}
	return 0;
}

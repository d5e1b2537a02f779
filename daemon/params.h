/*
 * params.h - the group's parameter table: gain and pan (the output stage),
 * then what the renderer declares, and the values [params] gives them.
 *
 * What it does: asks the renderer program what it declares, by running it
 * once with --check and the stream and keys it will run with (the same
 * run validates the renderer's configuration keys: a bad one becomes
 * "FILE:LINE: key 'KEY': why"); parses that report as untrusted input
 * (bounded size and time, every line checked); resolves the [params]
 * section against the table (a name the renderer does not declare, or a
 * value out of its range, is a configuration error at its line); builds the
 * argument vector replicas are started with.
 *
 * What it does not do: publish anything (group.c does), log, or exit: the
 * caller reports the error text (and exits 78).
 */
#ifndef RTAUDIOD_PARAMS_H
#define RTAUDIOD_PARAMS_H

#include <stdint.h>

#include "config.h"
#include "layout.h"

#define PARAMS_CHECK_TIMEOUT_MS 10000  /* how long --check may take */
#define PARAMS_REPORT_MAX       65536  /* bytes of --check report read at most */
#define PARAMS_EXIT_CONFIG      78     /* the renderer's "bad configuration" */

struct params {
	uint32_t n;                                 /* 2..LAYOUT_MAX_PARAMS */
	struct param_decl decl[LAYOUT_MAX_PARAMS];  /* [0] gain, [1] pan */
};

/*
 * Run c->replica --check with the stream of *c (after the sink has fixed
 * its rate and block size) and its renderer keys; fill *p from the report.
 * `path` is the configuration file's, for messages. Returns 0, or -1 with
 * err set: "PATH:LINE: key 'KEY': why" for a key the renderer refused,
 * otherwise a sentence naming the program and what went wrong (not
 * executable, killed, timed out, a malformed or inconsistent report).
 * Blocks for up to PARAMS_CHECK_TIMEOUT_MS; start-up and -n only.
 */
int params_check(struct params *p, const struct config *c, const char *path, char *err,
                 size_t errlen);

/*
 * Parse a --check report (NUL-terminated `buf`, modified in place) into
 * *p: gain and pan, then one entry per "param" line, finished by "ok".
 * Returns 0; 1 if the renderer refused a key ("error" line: err says
 * "PATH:LINE: key 'KEY': why", the line from *c); -1 if the report is
 * malformed or inconsistent (err says so; *p is then unspecified). The
 * report is untrusted: every field is bounded and checked. Pure but for err;
 * tests/fuzz/fuzz_report.c fuzzes it.
 */
int params_parse_report(struct params *p, char *buf, const struct config *c, const char *path,
                        char *err, size_t errlen);

/*
 * Pure: the index of parameter `name` in *p, or -1.
 */
int params_index(const struct params *p, const char *name);

/*
 * The values [params] of *c gives (gain, pan and each c->pvals entry; the
 * declared default for the others) into v[p->n]. Returns 0, or -1 with
 * "PATH:LINE: key 'NAME': why" in err (not declared by the renderer, or
 * out of its range). Pure but for err.
 */
int params_values(const struct params *p, const struct config *c, const char *path, double *v,
                  char *err, size_t errlen);

/*
 * The argument vector of the renderer program for *c: program, the given
 * extra arguments (`extra`, NULL-terminated, may be NULL), the confinement
 * the configuration asks for ("--sandbox strict|off", "--max-memory MIB",
 * "--max-processes N", "--core-dumps": lib/renderer_proc.c), then one
 * "--key SECTION.KEY=VALUE" pair per renderer key, NULL-terminated, in one
 * malloc'd block that the caller frees with free(). NULL on ENOMEM.
 */
char **params_argv(const struct config *c, char *const *extra);

#endif

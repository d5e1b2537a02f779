/*
 * renderer_int.h - the runtime's side of <rtaudio/renderer.h>, internal.
 *
 * What it defines: struct rta_host (configuration keys handed to the
 * renderer, the parameters it declared, its first configuration error, the
 * segment its notes go to) and the functions renderer.c uses around it:
 * building it from the command line, printing the --check report, checking
 * the declared table against the group's.
 *
 * What it does not do: map segments or render (renderer.c). Nothing here
 * runs on the audio path except the note writers of the public API.
 */
#ifndef RTAUDIO_RENDERER_INT_H
#define RTAUDIO_RENDERER_INT_H

#include <stdbool.h>
#include <stdio.h>

#include <rtaudio/renderer.h>

#include "layout.h"

#define RTA_KEYS_MAX      256   /* configuration keys a renderer is handed */
#define RTA_KEY_ARG_MAX   4096  /* bytes of one --key SECTION.KEY=VALUE */
#define RTA_EX_USAGE      64
#define RTA_EX_CONFIG     78

struct rta_key {
	const char *section;   /* points into `buf` */
	const char *key;
	const char *value;
	bool used;
	char *buf;             /* malloc'd copy of the argument, split in place */
};

struct rta_host {
	unsigned nkeys;
	struct rta_key keys[RTA_KEYS_MAX];
	unsigned nparams;
	struct param_decl decl[RTA_PARAMS_MAX];
	bool opening;          /* inside open: the open-only calls are allowed */
	bool failed;           /* a configuration error was recorded */
	char err_section[64];
	char err_key[64];
	char err_text[256];
	struct replica_seg *seg;  /* where rta_status/rta_event write; NULL: nowhere */
	char last_status[LAYOUT_NOTE_TEXT];
};

/*
 * Add one "--key" argument, "SECTION.KEY=VALUE" (SECTION has no '.', KEY
 * no '='), to *h. Returns 0, -EINVAL (malformed), -E2BIG (too many keys or
 * too long), -ENOMEM.
 */
int rhost_add_key(struct rta_host *h, const char *arg);

/* Free what rhost_add_key allocated. */
void rhost_free(struct rta_host *h);

/*
 * After open: record "unknown key" for the first key nobody looked at.
 * Returns true if *h holds a configuration error (of open or this one).
 */
bool rhost_check_unused(struct rta_host *h);

/*
 * The --check report on `f`: one "param NAME MIN MAX DEFAULT UNIT" line per
 * declared parameter (fields tab-separated, numbers as %.17g) and "ok", or
 * one "error SECTION KEY TEXT" line (tab-separated; KEY "-" for a whole
 * section). rtaudiod parses it (daemon/check.c).
 */
void rhost_report(const struct rta_host *h, FILE *f);

/*
 * Whether the declared table equals the group's (entries 2.. of `table`, n
 * entries in all): same names, units, ranges and defaults, in order.
 */
bool rhost_table_matches(const struct rta_host *h, const struct param_decl *table,
                            unsigned n);

#endif

/*
 * check_renderer.c - the renderer suite: what a renderer's open sees of the
 * runtime (renderer_host.c) and the layout pieces the SDK added: the
 * parameter table of the group segment, declarations, renderer notes.
 * Pure functions and in-memory segments only; the runtime's process side
 * is tested end to end by sdk_example.sh, param_table.sh, config_errors.sh.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "layout.h"
#include "renderer_int.h"
#include "suites.h"

static struct rta_host *host_new(void)
{
	struct rta_host *h = calloc(1, sizeof *h);

	ck_assert_ptr_nonnull(h);
	h->opening = true;
	return h;
}

START_TEST(keys_parse_and_mark)
{
	struct rta_host *h = host_new();
	const char *sec, *key, *val;

	ck_assert_int_eq(rhost_add_key(h, "source.frequency=440"), 0);
	ck_assert_int_eq(rhost_add_key(h, "plugin amp.gain=-6"), 0);
	ck_assert_int_eq(rhost_add_key(h, "source.path=/a=b.wav"), 0);  /* '=' in a value */
	ck_assert_int_eq(rhost_add_key(h, "nodot"), -EINVAL);
	ck_assert_int_eq(rhost_add_key(h, ".key=v"), -EINVAL);
	ck_assert_int_eq(rhost_add_key(h, "source.=v"), -EINVAL);
	ck_assert_int_eq(rhost_add_key(h, "source.novalue"), -EINVAL);
	ck_assert_uint_eq(rta_config_count(h), 3);
	ck_assert_str_eq(rta_config_get(h, "plugin amp", "gain"), "-6");
	ck_assert_str_eq(rta_config_get(h, "source", "path"), "/a=b.wav");
	ck_assert_ptr_null(rta_config_get(h, "source", "nosuch"));
	ck_assert_ptr_null(rta_config_get(h, NULL, "path"));
	/* frequency was never read: unknown key, named with its section. */
	ck_assert(rhost_check_unused(h));
	ck_assert_str_eq(h->err_section, "source");
	ck_assert_str_eq(h->err_key, "frequency");
	ck_assert_str_eq(h->err_text, "unknown key in [source]");
	ck_assert_int_eq(rta_config_at(h, 0, &sec, &key, &val), 0);
	ck_assert_str_eq(val, "440");
	ck_assert_int_eq(rta_config_at(h, 3, &sec, &key, &val), -1);
	rhost_free(h);
	free(h);
}
END_TEST

START_TEST(too_many_keys)
{
	struct rta_host *h = host_new();
	char *big = malloc(RTA_KEY_ARG_MAX + 1);

	for (unsigned i = 0; i < RTA_KEYS_MAX; i++)
		ck_assert_int_eq(rhost_add_key(h, "source.k=v"), 0);
	ck_assert_int_eq(rhost_add_key(h, "source.k=v"), -E2BIG);
	rhost_free(h);
	memset(big, 'a', RTA_KEY_ARG_MAX);
	big[RTA_KEY_ARG_MAX] = '\0';
	memcpy(big, "source.k=", 9);
	ck_assert_int_eq(rhost_add_key(h, big), -E2BIG);
	free(big);
	free(h);
}
END_TEST

START_TEST(declarations_checked)
{
	struct rta_host *h = host_new();
	char name[40];

	ck_assert_int_eq(rta_param_declare(h, "tone.level", 0, 1, 0.5, "dB"), 0);
	ck_assert_int_eq(rta_param_declare(h, "b", -1, 1, 0, NULL), 1);
	ck_assert(!h->failed);
	/* Each bad one is refused and recorded; the first error is kept. */
	ck_assert_int_eq(rta_param_declare(h, "gain", 0, 1, 0, ""), -1);
	ck_assert(h->failed);
	ck_assert_str_eq(h->err_key, "gain");
	h->failed = false;
	static const struct { const char *n; double lo, hi, def; const char *unit; } bad[] = {
		{ "pan", 0, 1, 0, "" }, { "", 0, 1, 0, "" }, { "a b", 0, 1, 0, "" },
		{ "x", 1, 1, 1, "" }, { "x", 2, 1, 1.5, "" }, { "x", 0, 1, 2, "" },
		{ "x", 0, INFINITY, 0, "" }, { "x", NAN, 1, 0, "" }, { "x", 0, 1, NAN, "" },
		{ "x", 0, 1, 0, "a unit far too long" }, { "x", 0, 1, 0, "\t" },
		{ "tone.level", 0, 1, 0, "" },  /* twice */
		{ "abcdefghijabcdefghijabcdefghijab", 0, 1, 0, "" },  /* 32 bytes */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(rta_param_declare(h, bad[i].n, bad[i].lo, bad[i].hi, bad[i].def,
		                                bad[i].unit) == -1, "bad[%zu] accepted", i);
		ck_assert(h->failed);
		h->failed = false;
	}
	/* At most RTA_PARAMS_MAX. */
	for (unsigned i = h->nparams; i < RTA_PARAMS_MAX; i++) {
		snprintf(name, sizeof name, "p%u", i);
		ck_assert_int_eq(rta_param_declare(h, name, 0, 1, 0, ""), (int)i);
	}
	ck_assert_int_eq(rta_param_declare(h, "one.more", 0, 1, 0, ""), -1);
	/* Outside open: refused. */
	h->opening = false;
	h->failed = false;
	h->nparams = 0;
	ck_assert_int_eq(rta_param_declare(h, "late", 0, 1, 0, ""), -1);
	free(h);
}
END_TEST

START_TEST(report_and_match)
{
	struct rta_host *h = host_new();
	struct param_decl t[LAYOUT_MAX_PARAMS] = {
		{ .name = "gain", .max = 4, .def = 1 }, { .name = "pan", .min = -1, .max = 1 },
		{ .name = "tone.level", .max = 1, .def = 0.5 },
	};
	char *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(rta_param_declare(h, "tone.level", 0, 1, 0.5, ""), 0);
	ck_assert(rhost_table_matches(h, t, 3));
	ck_assert(!rhost_table_matches(h, t, 2));
	t[2].max = 2;
	ck_assert(!rhost_table_matches(h, t, 3));
	FILE *f = open_memstream(&buf, &len);
	rhost_report(h, f);
	fclose(f);
	ck_assert_str_eq(buf, "param\ttone.level\t0\t1\t0.5\t\nok\n");
	free(buf);
	/* An error: one line, tabs and newlines of the renderer's text made safe. */
	(void)rta_config_error(h, "source", "path", "no\tsuch\nfile");
	f = open_memstream(&buf, &len);
	rhost_report(h, f);
	fclose(f);
	ck_assert_str_eq(buf, "error\tsource\tpath\tno such file\n");
	free(buf);
	free(h);
}
END_TEST

START_TEST(group_table_validated)
{
	struct group_seg *g = mmap(NULL, GROUP_SEG_BYTES, PROT_READ | PROT_WRITE,
	                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct param_decl out[LAYOUT_MAX_PARAMS];

	ck_assert(g != MAP_FAILED);
	g->nparams = 3;
	g->decl[0] = (struct param_decl){ .name = "gain", .max = 4, .def = 1 };
	g->decl[1] = (struct param_decl){ .name = "pan", .min = -1, .max = 1 };
	g->decl[2] = (struct param_decl){ .name = "x", .max = 1 };
	ck_assert_int_eq(layout_params_table(g, out), 3);
	g->nparams = LAYOUT_MAX_PARAMS + 1;
	ck_assert_int_eq(layout_params_table(g, out), -EPROTO);
	g->nparams = 1;
	ck_assert_int_eq(layout_params_table(g, out), -EPROTO);
	g->nparams = 3;
	memset(g->decl[2].name, 'x', sizeof g->decl[2].name);  /* no NUL */
	ck_assert_int_eq(layout_params_table(g, out), -EPROTO);
	strcpy(g->decl[2].name, "pan");                        /* duplicate */
	ck_assert_int_eq(layout_params_table(g, out), -EPROTO);
	strcpy(g->decl[2].name, "x");
	g->decl[2].def = 5;                                    /* outside */
	ck_assert_int_eq(layout_params_table(g, out), -EPROTO);
	g->decl[2].def = 0;
	strcpy(g->decl[0].name, "volume");                     /* gain not first */
	ck_assert_int_eq(layout_params_table(g, out), -EPROTO);
	munmap(g, GROUP_SEG_BYTES);
}
END_TEST

START_TEST(notes_round_trip)
{
	struct replica_seg *r = calloc(1, sizeof *r);
	char out[LAYOUT_NOTE_TEXT], longer[400];

	ck_assert_uint_eq(layout_note_read(r, false, out), 0);
	ck_assert_str_eq(out, "");
	layout_note_write(r, false, "1/3 a.wav 0:12/0:30");
	ck_assert_uint_eq(layout_note_read(r, false, out), 2);
	ck_assert_str_eq(out, "1/3 a.wav 0:12/0:30");
	layout_note_write(r, true, "source-end");
	layout_note_write(r, true, "file-lost\x01\xff");
	ck_assert_uint_eq(layout_note_read(r, true, out), 4);  /* two events */
	ck_assert_str_eq(out, "file-lost??");                  /* printable only */
	memset(longer, 'z', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	layout_note_write(r, false, longer);
	layout_note_read(r, false, out);
	ck_assert_uint_eq(strlen(out), LAYOUT_NOTE_TEXT - 1);
	/* A text with no NUL in the field (a hostile replica): cut, not overrun. */
	memset(r->status, 'q', sizeof r->status);
	layout_note_read(r, false, out);
	ck_assert_uint_eq(strlen(out), LAYOUT_NOTE_TEXT - 1);
	/* A replica stuck mid-write: odd, empty text. */
	atomic_store(&r->status_seq, 7);
	ck_assert_uint_eq(layout_note_read(r, false, out) % 2, 1);
	ck_assert_str_eq(out, "");
	free(r);
}
END_TEST

Suite *renderer_suite(void)
{
	Suite *s = suite_create("renderer");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, keys_parse_and_mark);
	tcase_add_test(tc, too_many_keys);
	tcase_add_test(tc, declarations_checked);
	tcase_add_test(tc, report_and_match);
	tcase_add_test(tc, group_table_validated);
	tcase_add_test(tc, notes_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

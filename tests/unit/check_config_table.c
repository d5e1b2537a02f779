/*
 * check_config_table.c - the config_table suite: the key table of
 * daemon/config.c and the documents built on it.
 *
 * What it covers: every row well formed and its documented default accepted
 * from a file as the default; the lookups the loader uses
 * (config_key_index, config_section_known); that conf/rtaudiod.conf loads
 * to the defaults and names every key in its section; that
 * man/rtaudiod.conf.5.in documents every section and key.
 * What it does not cover: loading and its errors (check_config.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "suites.h"

START_TEST(key_lookups)
{
	size_t n = 0;

	for (const struct config_key *k = config_keys; k->name != NULL; k++, n++) {
		ck_assert_uint_eq(config_key_index(k->section, k->name), n);
		ck_assert(config_section_known(k->section));
	}
	ck_assert_uint_eq(n, CONFIG_NKEYS);
	ck_assert_uint_eq(config_key_index("group", "nope"), CONFIG_NKEYS);
	ck_assert_uint_eq(config_key_index("stream", "replicas"), CONFIG_NKEYS);  /* wrong section */
	ck_assert_uint_eq(config_key_index("", ""), CONFIG_NKEYS);
	ck_assert(!config_section_known(""));
	ck_assert(!config_section_known("Group"));
	ck_assert(!config_section_known("groups"));
}
END_TEST

START_TEST(set_key_uses_the_table)
{
	struct config c;
	char why[256];
	size_t k = config_key_index("group", "replicas");

	config_defaults(&c);
	ck_assert_int_eq(config_set_key(&c, k, "3", why, sizeof why), 0);
	ck_assert_uint_eq(c.replicas, 3);
	ck_assert_int_eq(config_set_key(&c, k, "9", why, sizeof why), -1);
	ck_assert_msg(strstr(why, "1..8") != NULL, "why: %s", why);
	ck_assert_int_eq(config_set_key(&c, k, "two", why, sizeof why), -1);
	ck_assert_uint_eq(c.replicas, 3);
}
END_TEST

START_TEST(table_well_formed_and_defaults_parse)
{
	struct config c, d;
	char text[512], path[64], err[512];

	config_defaults(&d);
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		ck_assert_ptr_nonnull(k->section);
		ck_assert_ptr_nonnull(k->type);
		ck_assert_ptr_nonnull(k->range);
		ck_assert_ptr_nonnull(k->defval);
		ck_assert_msg(k->reloadable == (strcmp(k->section, "params") == 0 ||
		                                strcmp(k->section, "watchdog") == 0),
		              "%s.%s: only [params] and [watchdog] reload", k->section, k->name);
		for (const struct config_key *j = config_keys; j < k; j++)
			ck_assert_msg(strcmp(j->section, k->section) != 0 || strcmp(j->name, k->name) != 0,
			              "%s.%s twice", k->section, k->name);
		/* the documented default, written in a file, is accepted as the default */
		snprintf(text, sizeof text, "[%s]\n%s = %s\n", k->section, k->name, k->defval);
		ck_assert_msg(load_text(text, &c, path, err, sizeof err) == 0, "%s", err);
		assert_same_config(&c, &d);
	}
}
END_TEST

/* Read top_srcdir/rel into a malloc'd string; NULL (and a SKIP line) if unset. */
static char *read_src(const char *rel, char *path, size_t len)
{
	const char *top = getenv("top_srcdir");
	FILE *f;
	char *buf;
	long n;

	if (top == NULL) {
		printf("SKIP: top_srcdir not set, %s not checked\n", rel);
		return NULL;
	}
	snprintf(path, len, "%s/%s", top, rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

START_TEST(installed_conf_is_the_defaults)
{
	char path[4096], err[512], needle[128];
	char *text = read_src("conf/rtaudiod.conf", path, sizeof path);
	struct config c, d;

	if (text == NULL)
		return;
	config_defaults(&c);
	config_defaults(&d);
	ck_assert_msg(config_load(&c, path, false, err, sizeof err) == 0, "%s", err);
	assert_same_config(&c, &d);
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		const char *start, *end, *hit;

		snprintf(needle, sizeof needle, "\n[%s]\n", k->section);
		start = strstr(text, needle);
		ck_assert_msg(start != NULL, "conf/rtaudiod.conf lacks [%s]", k->section);
		end = strstr(start + 1, "\n[");
		snprintf(needle, sizeof needle, "\n%s =", k->name);
		hit = strstr(start, needle);
		if (hit == NULL || (end != NULL && hit > end)) {
			/* socket and replica: commented out, their defaults depend on the build */
			snprintf(needle, sizeof needle, "\n#%s =", k->name);
			hit = strstr(start, needle);
		}
		ck_assert_msg(hit != NULL && (end == NULL || hit < end),
		              "conf/rtaudiod.conf lacks %s in [%s]", k->name, k->section);
	}
	free(text);
}
END_TEST

/* The next .Ss or .Sh line after p (not .Sx, a cross-reference), or NULL. */
static const char *next_heading(const char *p)
{
	const char *ss = strstr(p, "\n.Ss "), *sh = strstr(p, "\n.Sh ");

	if (ss == NULL || (sh != NULL && sh < ss))
		return sh;
	return ss;
}

START_TEST(man_page_documents_every_key)
{
	char path[4096], needle[128];
	char *text = read_src("man/rtaudiod.conf.5.in", path, sizeof path);

	if (text == NULL)
		return;
	/* Every section of the key table has its heading (from the table, not
	 * a list kept by hand), and the renderer's sections theirs. */
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		snprintf(needle, sizeof needle, "\n.Ss \\&[%s\\&]\n", k->section);
		ck_assert_msg(strstr(text, needle) != NULL, "man page lacks section [%s]", k->section);
	}
	ck_assert_msg(strstr(text, "\n.Ss \\&[source\\&] and \\&[plugin Ar NAME Ns \\&]\n") != NULL,
	              "man page lacks the renderer's sections [source] and [plugin NAME]");
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		char sec[64];
		const char *start, *end, *hit;

		snprintf(sec, sizeof sec, "\n.Ss \\&[%s\\&]\n", k->section);
		start = strstr(text, sec);
		end = next_heading(start + 1);
		snprintf(needle, sizeof needle, "\n.It Cm %s ", k->name);
		hit = strstr(start, needle);
		ck_assert_msg(hit != NULL && (end == NULL || hit < end),
		              "man page lacks %s in [%s]", k->name, k->section);
	}
	free(text);
}
END_TEST

Suite *config_table_suite(void)
{
	Suite *s = suite_create("config_table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, table_well_formed_and_defaults_parse);
	tcase_add_test(tc, key_lookups);
	tcase_add_test(tc, set_key_uses_the_table);
	tcase_add_test(tc, installed_conf_is_the_defaults);
	tcase_add_test(tc, man_page_documents_every_key);
	suite_add_tcase(s, tc);
	return s;
}

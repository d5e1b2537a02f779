/*
 * check_config.c - the config suite: defaults, a full valid file, the
 * print -> load round trip, missing and unreadable files, the reload copy.
 * Every error kind with its file:line and key is check_config_errors.c's
 * (its "errors" test case, added here), the key table check_config_table.c's.
 *
 * What it does not cover: what the daemon does with the values, or its exit
 * status (tests/integration/config_errors.sh runs `rtaudiod -n`). Every file
 * is a real temporary file (mkstemp), removed by the test that made it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "suites.h"

/* Write `text` into a new temporary file; its name goes to path[64]. */
static void tmp_write(const char *text, char *path)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, 64, "%s/check_config.XXXXXX", dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Declared, with its contract, in suites.h (check_config_table.c uses it too). */
int load_text(const char *text, struct config *c, char *path, char *err, size_t errlen)
{
	int rc;

	config_defaults(c);
	tmp_write(text, path);
	rc = config_load(c, path, false, err, errlen);
	unlink(path);
	return rc;
}

/* config_print into a malloc'd string (caller frees). */
static char *print_str(const struct config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	config_print(c, f);
	fclose(f);
	return buf;
}

/* Declared, with its contract, in suites.h. */
void assert_same_config(const struct config *a, const struct config *b)
{
	char *pa = print_str(a), *pb = print_str(b);

	ck_assert_str_eq(pa, pb);
	free(pa);
	free(pb);
}

/* --- defaults and valid files -------------------------------------------- */

START_TEST(defaults_are_documented_values)
{
	struct config c;

	config_defaults(&c);
	ck_assert_str_eq(c.socket, RUNSTATEDIR "/rtaudiod/rtaudiod.sock");
	ck_assert_uint_eq(c.socket_mode, 0660);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_INFO);
	ck_assert_str_eq(c.name, "default");
	ck_assert_uint_eq(c.replicas, 2);
	ck_assert_uint_eq(c.standby, STANDBY_HOT);
	ck_assert_str_eq(c.replica, REPLICADIR "/rtaudio-replica");
	ck_assert_int_eq(c.rt_priority, 80);
	ck_assert_uint_eq(c.cpu_affinity, AFFINITY_SPREAD);
	ck_assert_uint_eq(c.sample_rate, 48000);
	ck_assert_uint_eq(c.channels, 2);
	ck_assert_uint_eq(c.frames, 256);
	ck_assert_uint_eq(c.lead, 2);
	ck_assert_uint_eq(c.ring_capacity, 4);
	ck_assert_uint_eq(c.interval_ms, 1);
	ck_assert_uint_eq(c.stall_periods, 2);
	ck_assert_uint_eq(c.restart_backoff_ms, 100);
	ck_assert_uint_eq(c.restart_backoff_max_ms, 5000);
	ck_assert_uint_eq(c.start_limit, 5);
	ck_assert_double_eq(c.gain, 1.0);
	ck_assert_double_eq(c.pan, 0.0);
	ck_assert_uint_eq(c.nrkeys, 0);   /* [source]: the renderer's defaults */
	ck_assert_uint_eq(c.npvals, 0);
	ck_assert_uint_eq(c.sink, SINK_NULL);
	ck_assert_str_eq(c.sink_path, "");
	ck_assert_str_eq(c.jack_client, "rtaudiod");
	ck_assert_str_eq(c.jack_connect, "");
}
END_TEST

START_TEST(empty_file_gives_defaults)
{
	struct config c, d;
	char path[64], err[512];

	ck_assert_int_eq(load_text("", &c, path, err, sizeof err), 0);
	config_defaults(&d);
	assert_same_config(&c, &d);
	ck_assert_int_eq(load_text("# only a comment\n\n; another\n[params]\n", &c, path, err,
	                           sizeof err), 0);
	assert_same_config(&c, &d);
}
END_TEST

static const char full_file[] =
	"# every key, none at its default\r\n"
	"[daemon]\n"
	"socket = /tmp/rt test.sock\n"
	"socket_mode = 600\n"
	"log_level = debug\n"
	"\n"
	"[group]\n"
	"    name = studio-2.a_b   ; indented, with an inline comment\n"
	"replicas = 8\n"
	"standby = warm\n"
	"replica = /opt/rt/bin/rtaudio-replica\n"
	"rt_priority = 0\n"
	"cpu_affinity = none\n"
	"[stream]\n"
	"sample_rate = 96000\n"
	"channels = 1\n"
	"frames = 1024\n"
	"lead = 7\n"
	"ring_capacity = 8\n"
	"[watchdog]\n"
	"interval_ms = 1000\n"
	"stall_periods = 1000\n"
	"restart_backoff_ms = 60000\n"
	"restart_backoff_max_ms = 60000\n"
	"start_limit = 1\n"
	"[params]\n"
	"gain = 4\n"
	"pan = -1e0\n"
	"[source]\n"
	"type = sine\n"
	"frequency = 47999.5\n"
	"[sink]\n"
	"type = wav\n"
	"path = /tmp/out.wav\n"
	"jack_client = rt\n"
	"jack_connect = system:playback_1,system:playback_2\n";

START_TEST(full_valid_file)
{
	struct config c;
	char path[64], err[512];
	int rc = load_text(full_file, &c, path, err, sizeof err);

	ck_assert_msg(rc == 0, "refused: %s", err);
	ck_assert_str_eq(c.socket, "/tmp/rt test.sock");
	ck_assert_uint_eq(c.socket_mode, 0600);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
	ck_assert_str_eq(c.name, "studio-2.a_b");
	ck_assert_uint_eq(c.replicas, 8);
	ck_assert_uint_eq(c.standby, STANDBY_WARM);
	ck_assert_str_eq(c.replica, "/opt/rt/bin/rtaudio-replica");
	ck_assert_int_eq(c.rt_priority, 0);
	ck_assert_uint_eq(c.cpu_affinity, AFFINITY_NONE);
	ck_assert_uint_eq(c.sample_rate, 96000);
	ck_assert_uint_eq(c.channels, 1);
	ck_assert_uint_eq(c.frames, 1024);
	ck_assert_uint_eq(c.lead, 7);
	ck_assert_uint_eq(c.ring_capacity, 8);
	ck_assert_uint_eq(c.interval_ms, 1000);
	ck_assert_uint_eq(c.stall_periods, 1000);
	ck_assert_uint_eq(c.restart_backoff_ms, 60000);
	ck_assert_uint_eq(c.restart_backoff_max_ms, 60000);
	ck_assert_uint_eq(c.start_limit, 1);
	ck_assert_double_eq(c.gain, 4.0);
	ck_assert_double_eq(c.pan, -1.0);
	/* [source] is handed to the renderer as written, in file order. */
	ck_assert_uint_eq(c.nrkeys, 2);
	ck_assert_str_eq(c.rkeys[0].section, "source");
	ck_assert_str_eq(c.rkeys[0].key, "type");
	ck_assert_str_eq(c.rkeys[0].value, "sine");
	ck_assert_str_eq(c.rkeys[1].key, "frequency");
	ck_assert_str_eq(c.rkeys[1].value, "47999.5");
	ck_assert_int_eq(c.rkeys[1].line, config_rkey_line(&c, "source", "frequency"));
	ck_assert_int_eq(config_rkey_line(&c, "source", NULL), c.rkeys[0].line);
	ck_assert_uint_eq(c.sink, SINK_WAV);
	ck_assert_str_eq(c.sink_path, "/tmp/out.wav");
	ck_assert_str_eq(c.jack_client, "rt");
	ck_assert_str_eq(c.jack_connect, "system:playback_1,system:playback_2");
}
END_TEST

START_TEST(alsa_follows_build)
{
	struct config c;
	char path[64], err[512];
	int rc = load_text("[sink]\ntype = alsa\ndevice = hw:1,0\nalsa_format = s24\n", &c, path,
	                   err, sizeof err);

#ifdef HAVE_ALSA
	ck_assert_msg(rc == 0, "refused: %s", err);
	ck_assert_uint_eq(c.sink, SINK_ALSA);
	ck_assert_str_eq(c.device, "hw:1,0");
	ck_assert_uint_eq(c.alsa_format, ALSA_FMT_S24);
	ck_assert_uint_eq(c.alsa_period, 0);
	ck_assert_uint_eq(c.alsa_buffer, 0);
#else
	char want[160];

	ck_assert_int_eq(rc, -EINVAL);
	snprintf(want, sizeof want, "%s:2: key 'type': rtaudiod was built without ALSA (libasound)",
	         path);
	ck_assert_str_eq(err, want);
#endif
}
END_TEST

START_TEST(jack_follows_build)
{
	struct config c;
	char path[64], err[512];
	int rc = load_text("[sink]\ntype = jack\n", &c, path, err, sizeof err);

#ifdef HAVE_JACK
	ck_assert_msg(rc == 0, "refused: %s", err);
	ck_assert_uint_eq(c.sink, SINK_JACK);
#else
	char want[160];

	ck_assert_int_eq(rc, -EINVAL);
	snprintf(want, sizeof want, "%s:2: key 'type': rtaudiod was built without JACK", path);
	ck_assert_str_eq(err, want);
#endif
}
END_TEST

/* --- files that are not there or not readable ---------------------------- */

START_TEST(missing_file)
{
	struct config c;
	char err[512], want[512];
	const char *path = "/nonexistent-rtaudio-dir/rtaudiod.conf";

	config_defaults(&c);
	c.replicas = 3;  /* missing_ok keeps what was there */
	ck_assert_int_eq(config_load(&c, path, true, err, sizeof err), 0);
	ck_assert_uint_eq(c.replicas, 3);
	ck_assert_int_eq(config_load(&c, path, false, err, sizeof err), -ENOENT);
	snprintf(want, sizeof want, "%s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(directory_is_an_error)
{
	struct config c;
	char err[512], want[512];
	char dir[] = "/tmp/check_config.d.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, dir, true, err, sizeof err), -EINVAL);
	rmdir(dir);
	snprintf(want, sizeof want, "%s: ", dir);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
}
END_TEST

/* --- print, round trip, reload ------------------------------------------- */

START_TEST(print_load_round_trip)
{
	struct config a, b;
	char path[64], err[512];
	char *text;

	/* the defaults, then every key changed (awkward doubles included) */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			config_defaults(&a);
		} else {
			ck_assert_int_eq(load_text(full_file, &a, path, err, sizeof err), 0);
			a.gain = 0.1;
			a.pan = -1.0 / 3.0;
			snprintf(a.rkeys[1].value, sizeof a.rkeys[1].value, ";%.17g", 1000.0 / 7.0);
			ck_assert_int_eq(config_add_pval(&a, "amp.gain", "-0.1", 9, err, sizeof err), 0);
			ck_assert_int_eq(config_add_rkey(&a, "plugin amp", "uri",
			                                 "urn:x:y", 9, err, sizeof err), 0);
			a.sink = SINK_NULL;
			a.sink_path[0] = '\0';
		}
		text = print_str(&a);
		ck_assert_msg(strstr(text, "[daemon]\n") == text + strcspn(text, "["),
		              "[daemon] is not the first section");
		ck_assert_msg(load_text(text, &b, path, err, sizeof err) == 0, "refused: %s", err);
		assert_same_config(&a, &b);
		ck_assert(memcmp(&a.gain, &b.gain, sizeof a.gain) == 0);
		ck_assert(memcmp(&a.pan, &b.pan, sizeof a.pan) == 0);
		ck_assert_uint_eq(a.nrkeys, b.nrkeys);
		for (unsigned i = 0; i < a.nrkeys; i++) {
			ck_assert_str_eq(a.rkeys[i].section, b.rkeys[i].section);
			ck_assert_str_eq(a.rkeys[i].key, b.rkeys[i].key);
			ck_assert_str_eq(a.rkeys[i].value, b.rkeys[i].value);
		}
		ck_assert_uint_eq(a.npvals, b.npvals);
		for (unsigned i = 0; i < a.npvals; i++)
			ck_assert(memcmp(&a.pvals[i].value, &b.pvals[i].value, sizeof(double)) == 0);
		free(text);
	}
}
END_TEST

/*
 * Found by fuzz_config: a text starting with ';' (legal, "socket =;x") was
 * printed as "socket = ;x", which inih reads as an empty value and a comment.
 */
START_TEST(print_round_trip_leading_semicolon)
{
	struct config a, b;
	char path[64], err[512];
	char *text;

	ck_assert_int_eq(load_text("[daemon]\nsocket =;x = y\n[sink]\njack_connect =;a,b\n",
	                           &a, path, err, sizeof err), 0);
	ck_assert_str_eq(a.socket, ";x = y");
	ck_assert_str_eq(a.jack_connect, ";a,b");
	text = print_str(&a);
	ck_assert_msg(load_text(text, &b, path, err, sizeof err) == 0, "refused: %s", err);
	assert_same_config(&a, &b);
	ck_assert_str_eq(b.socket, ";x = y");
	free(text);
}
END_TEST

/*
 * Found by fuzz_config: "xe =VALUE" fitted inih's line, and "xe = VALUE" as
 * -n printed it did not. The limit is inih's build's: read it from the
 * error for a line one character too long, then fill a line exactly.
 */
START_TEST(line_that_prints_too_long)
{
	struct config c;
	char path[64], err[512], text[1024], want[256];
	const char *at;
	int max;

	memset(text, 'a', sizeof text);
	memcpy(text, "[source]\nxe =", 13);
	strcpy(text + sizeof text - 2, "\n");
	ck_assert_int_eq(load_text(text, &c, path, err, sizeof err), -EINVAL);
	at = strstr(err, "at most ");
	ck_assert_msg(at != NULL && sscanf(at, "at most %d", &max) == 1 && max > 10 &&
	              max < 1000, "no limit in: %s", err);
	/* "xe =" and max - 4 more: the longest line inih takes */
	snprintf(text + 9 + max, sizeof text - 9 - (size_t)max, "\n");
	ck_assert_int_eq(load_text(text, &c, path, err, sizeof err), -EINVAL);
	snprintf(want, sizeof want, "%s:2: key 'xe': 'xe = value' is too long (at most %d characters)",
	         path, max);
	ck_assert_str_eq(err, want);
	/* two characters fewer, and it prints back as a line that fits */
	snprintf(text + 9 + max - 2, sizeof text - 7 - (size_t)max, "\n");
	ck_assert_msg(load_text(text, &c, path, err, sizeof err) == 0, "refused: %s", err);
}
END_TEST

START_TEST(print_has_every_key)
{
	struct config c;
	char *text, line[128];

	config_defaults(&c);
	text = print_str(&c);
	for (const struct config_key *k = config_keys; k->name != NULL; k++) {
		const char *sec, *next, *hit;

		snprintf(line, sizeof line, "[%s]\n", k->section);
		sec = strstr(text, line);
		ck_assert_msg(sec != NULL, "no [%s]", k->section);
		next = strchr(sec + 1, '[');
		snprintf(line, sizeof line, "\n%s = %s\n", k->name, k->defval);
		hit = strstr(sec, line);
		ck_assert_msg(hit != NULL && (next == NULL || hit < next), "%s.%s = %s not printed",
		              k->section, k->name, k->defval);
	}
	free(text);
}
END_TEST

START_TEST(apply_reload_copies_params_and_watchdog_only)
{
	struct config live, fresh;

	config_defaults(&live);
	fresh = live;
	ck_assert_int_eq(config_apply_reload(&live, &fresh), 0);
	ck_assert_ptr_null(config_static_change(&live, &fresh));

	fresh.gain = 0.5;
	fresh.pan = 0.25;
	ck_assert_int_eq(config_apply_reload(&live, &fresh), 1);
	ck_assert_double_eq(live.gain, 0.5);
	ck_assert_double_eq(live.pan, 0.25);

	fresh.interval_ms = 5;
	fresh.start_limit = 9;
	fresh.replicas = 4;
	fresh.sample_rate = 44100;
	fresh.log_level = LOG_LEVEL_DEBUG;
	snprintf(fresh.name, sizeof fresh.name, "other");
	ck_assert_int_eq(config_apply_reload(&live, &fresh), 2);
	ck_assert_uint_eq(live.interval_ms, 5);
	ck_assert_uint_eq(live.start_limit, 9);
	ck_assert_uint_eq(live.replicas, 2);
	ck_assert_uint_eq(live.sample_rate, 48000);
	ck_assert_int_eq(live.log_level, LOG_LEVEL_INFO);
	ck_assert_str_eq(live.name, "default");
	ck_assert_str_eq(config_static_change(&live, &fresh)->name, "log_level");

	fresh.gain = 2;
	fresh.restart_backoff_max_ms = 6000;
	ck_assert_int_eq(config_apply_reload(&live, &fresh), 3);
	ck_assert_int_eq(config_apply_reload(&live, &fresh), 0);
}
END_TEST

START_TEST(enum_names)
{
	ck_assert_str_eq(config_sink_name(SINK_NULL), "null");
	ck_assert_str_eq(config_sink_name(SINK_WAV), "wav");
	ck_assert_str_eq(config_sink_name(SINK_JACK), "jack");
	ck_assert_str_eq(config_sink_name(SINK_ALSA), "alsa");
	ck_assert_str_eq(config_sink_name(4), "?");
	ck_assert_str_eq(config_standby_name(STANDBY_HOT), "hot");
	ck_assert_str_eq(config_standby_name(STANDBY_WARM), "warm");
	ck_assert_str_eq(config_standby_name(7), "?");
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, defaults_are_documented_values);
	tcase_add_test(tc, empty_file_gives_defaults);
	tcase_add_test(tc, full_valid_file);
	tcase_add_test(tc, jack_follows_build);
	tcase_add_test(tc, alsa_follows_build);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, directory_is_an_error);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, config_errors_tcase());  /* check_config_errors.c */

	tc = tcase_create("print");
	tcase_add_test(tc, print_load_round_trip);
	tcase_add_test(tc, print_round_trip_leading_semicolon);
	tcase_add_test(tc, line_that_prints_too_long);
	tcase_add_test(tc, print_has_every_key);
	tcase_add_test(tc, apply_reload_copies_params_and_watchdog_only);
	tcase_add_test(tc, enum_names);
	suite_add_tcase(s, tc);
	return s;
}

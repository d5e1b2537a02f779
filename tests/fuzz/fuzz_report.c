/*
 * fuzz_report.c - libFuzzer target: the daemon's reader of a renderer's
 * --check report (daemon/params.c), an untrusted program's output.
 *
 * What it does: hands arbitrary bytes (cut at the first NUL, as a read of a
 * pipe into a NUL-terminated buffer would be) to params_parse_report() and
 * checks its contract: on 0 the table holds 2..LAYOUT_MAX_PARAMS entries,
 * gain and pan first, every one valid (layout_param_decl_ok) and unique, and
 * params_values() then gives every value inside its range; on 1 or -1 the
 * message is a NUL-terminated string. A broken property aborts.
 *
 * What it does not do: run a renderer (params_check's process handling is
 * tested by config_errors.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_report: property broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	static struct params p;
	char err[512];
	double v[LAYOUT_MAX_PARAMS];
	char *buf = malloc(size + 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	config_defaults(&c);
	memset(err, 0x55, sizeof err);
	int rc = params_parse_report(&p, buf, &c, "fuzz.conf", err, sizeof err);
	require(rc == 0 || rc == 1 || rc == -1, "result is 0, 1 or -1");
	if (rc != 0) {
		require(memchr(err, '\0', sizeof err) != NULL, "message terminated");
	} else {
		require(p.n >= 2 && p.n <= LAYOUT_MAX_PARAMS, "table size");
		require(strcmp(p.decl[0].name, "gain") == 0 && strcmp(p.decl[1].name, "pan") == 0,
		        "gain and pan first");
		for (uint32_t i = 0; i < p.n; i++) {
			require(layout_param_decl_ok(&p.decl[i]) == 0, "every entry valid");
			require(params_index(&p, p.decl[i].name) == (int)i, "names unique");
		}
		require(params_values(&p, &c, "fuzz.conf", v, err, sizeof err) == 0, "defaults");
		for (uint32_t i = 0; i < p.n; i++)
			require(v[i] >= p.decl[i].min && v[i] <= p.decl[i].max, "values in range");
	}
	free(buf);
	return 0;
}

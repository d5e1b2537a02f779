/*
 * fuzz_config.c - libFuzzer target: the configuration file loader.
 *
 * What it does: writes arbitrary bytes into a memory file (memfd) and loads
 * it with config_load() through /proc/self/fd/N, exactly as rtaudiod loads
 * /etc/rtaudiod/rtaudiod.conf (same fopen, same inih reader). Then checks the
 * contract: an error is one NUL-terminated "PATH..." message and -EINVAL; a
 * success gives a config that config_print() renders into a file which loads
 * again to the same values (config_static_change() finds no difference and
 * config_apply_reload() changes nothing). A broken property aborts.
 *
 * What it does not do: act on the values (no sockets, segments or groups
 * are created). Linux only (memfd_create).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: property broken: %s\n", what);
		abort();
	}
}

/* A memfd holding `len` bytes, and the path that opens it afresh. */
static int fill(int *fd, char *path, size_t pathlen, const void *data, size_t len)
{
	if (*fd < 0) {
		*fd = memfd_create("fuzz-config", MFD_CLOEXEC);
		if (*fd < 0)
			return -1;
		snprintf(path, pathlen, "/proc/self/fd/%d", *fd);
	}
	if (ftruncate(*fd, 0) != 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t n = pwrite(*fd, (const char *)data + off, len - off, (off_t)off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1, fd2 = -1;
	static char path[64], path2[64];
	struct config c, again, live;
	char err[512];
	int rc;

	if (fill(&fd, path, sizeof path, data, size) != 0)
		return 0;
	memset(err, 'x', sizeof err);
	config_defaults(&c);
	rc = config_load(&c, path, false, err, sizeof err);
	require(memchr(err, '\0', sizeof err) != NULL, "error text not terminated");
	if (rc != 0) {
		require(rc == -EINVAL, "error other than -EINVAL");
		require(strncmp(err, path, strlen(path)) == 0, "error does not start with the path");
		return 0;
	}
	require(err[0] == '\0', "success with an error text");

	/* What -n prints must load back to the same configuration. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return 0;
	config_print(&c, f);
	if (fclose(f) != 0 || fill(&fd2, path2, sizeof path2, text, len) != 0) {
		free(text);
		return 0;
	}
	config_defaults(&again);
	rc = config_load(&again, path2, false, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "fuzz_config: printed config does not load: %s\n--\n%s--\n", err, text);
	free(text);
	require(rc == 0, "printed config does not load");
	require(config_static_change(&c, &again) == NULL, "printed config differs (static key)");
	live = c;
	require(config_apply_reload(&live, &again) == 0, "printed config differs (reloadable key)");
	return 0;
}

/*
 * replay.c - run a fuzz target's entry point over files, without libFuzzer.
 *
 * What it does: linked with one tests/fuzz/fuzz_*.c (built by the ordinary
 * compiler, sanitizers only if the build has them), it calls
 * LLVMFuzzerTestOneInput once per file named on the command line, and once
 * per regular file inside each directory named there. `make check` runs it
 * over the seed corpus and the saved crash inputs (tests/fuzz/replay.sh), so
 * every crash the fuzzer ever found stays a regression test without clang.
 * A target reports a broken property by aborting, which fails the test.
 *
 * What it does not do: mutate inputs or measure coverage (that is `make
 * fuzz`). Inputs are read whole into a heap buffer of exactly their size,
 * as libFuzzer does, so an ASan build still catches a one-byte over-read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads `path` whole and runs the target on it. 0, or -1 if unreadable. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *p = realloc(buf, cap = cap * 2 + 4096);
			if (p == NULL) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size copy: the bytes past `len` must not be addressable. */
	uint8_t *exact = malloc(len > 0 ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	if (len > 0)
		memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned inputs = 0;
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]) != 0;
			inputs++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			bad |= replay_file(path) != 0;
			inputs++;
		}
		closedir(d);
	}
	printf("replay: %u inputs\n", inputs);
	if (inputs == 0)
		fprintf(stderr, "replay: no inputs: nothing was tested\n");
	return bad || inputs == 0 ? 1 : 0;
}

/*
 * file.c - the file source (see file.h): playlist parsing, decoding at open
 * with libsndfile, rate conversion with libsamplerate, channel mapping, the
 * render callback (copies out of memory), and the watcher thread.
 *
 * Why decode at open, not a reader thread: a reader thread would put the
 * disk's timing between a block and its samples. When it falls behind, the
 * render must either wait (forbidden on the audio path) or play something
 * else (and then replicas differ). Decoded items make block s a copy from
 * memory, the same in every replica whatever the disk does, at the price of
 * memory (bounded by `memory`) and of a start-up that takes the decode time
 * (tests/integration/file_lv2.sh prints it). For playout of jingles,
 * announcements and installation loops that price is small.
 *
 * Why libsamplerate, not libsoxr: an item is converted once, whole, at
 * open (src_simple), so soxr's speed matters little, and libsamplerate has
 * no optional OpenMP threading: the conversion is one thread running the
 * same code on the same input in every replica. SRC_SINC_MEDIUM_QUALITY
 * (121 dB SNR, 90 % bandwidth) keeps a respawn's decode short.
 *
 * What it does not do: stream, seek on disk, or make any system call in
 * render (status and event texts are formatted by hand, not by snprintf).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sndfile.h>
#ifdef HAVE_SAMPLERATE
#include <samplerate.h>
#endif

#include "file.h"

#define FILE_ITEMS_MAX     1024
#define FILE_MEMORY_DEF    512u    /* MiB per replica */
#define FILE_MEMORY_MAX    65536u
#define FILE_WATCH_NS      1000000000LL

struct file_item {
	char *path;          /* as opened (playlist-relative paths resolved) */
	const char *name;    /* the last path component, for status */
	float *data;         /* frames * channels, at the stream's rate */
	uint64_t frames;
	uint64_t start;      /* first frame of the item in the playlist */
	bool lost;           /* could not be read at open (real run only) */
	struct stat st;      /* what the watcher compares with */
	int fd;              /* held open for the watcher's fstat, or -1 */
	_Atomic bool gone;   /* set by the watcher */
	bool gone_told;      /* render's own: the event was emitted */
};

struct file_impl {
	struct rta_host *host;
	struct rta_stream st;
	struct file_item *items;
	unsigned n;
	uint64_t total;      /* frames in the playlist */
	bool loop;
	bool ended;          /* render's own: source-end emitted */
	bool lost_told;
	uint64_t last_sec;   /* the status text's second, +1 (0: none yet) */
	unsigned last_item;
	const char *suffix;
	bool last_suffix;    /* the status text had the suffix */
	pthread_t watcher;
	bool watching;
	_Atomic bool stop;
	char text[RTA_TEXT_MAX + 1];
};

/* libsndfile's reason, cleaned: "System error : No such file or
 * directory." reads "No such file or directory". */
static const char *file_reason(SNDFILE *sf, char *buf, size_t len)
{
	const char *r = sf_strerror(sf);
	const char *p = strstr(r, " : ");

	if (strncmp(r, "System error", 12) == 0 && p != NULL)
		r = p + 3;
	snprintf(buf, len, "%s", r);
	size_t n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '.' || buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

/* Map a file's frames onto the stream's channels (file.h: channel mapping). */
static void file_map_channels(float *out, const float *in, uint64_t frames, int fch,
                              uint32_t sch)
{
	for (uint64_t f = 0; f < frames; f++) {
		const float *src = in + f * (uint64_t)fch;
		float *dst = out + f * sch;
		for (uint32_t c = 0; c < sch; c++)
			dst[c] = fch == 1 ? src[0] : (int)c < fch ? src[c] : 0.0f;
	}
}

/*
 * Decode item *it into memory: read, map the channels, convert the rate.
 * Returns 0, or -1 with why[] set. *budget is what is left of the memory
 * bound, in bytes.
 */
static int file_decode(struct file_impl *fs, struct file_item *it, uint64_t *budget,
                       char *why, size_t wlen)
{
	SF_INFO info;
	char reason[160];
	uint32_t sch = fs->st.channels, rate = fs->st.sample_rate;

	memset(&info, 0, sizeof info);
	SNDFILE *sf = sf_open(it->path, SFM_READ, &info);
	if (sf == NULL) {
		snprintf(why, wlen, "%s", file_reason(NULL, reason, sizeof reason));
		return -1;
	}
	if (info.channels < 1 || info.samplerate < 1 || info.frames < 0) {
		sf_close(sf);
		snprintf(why, wlen, "no audio in it");
		return -1;
	}
	uint64_t in_frames = (uint64_t)info.frames;
	double ratio = (double)rate / info.samplerate;
	uint64_t out_frames = (uint64_t)ceil((double)in_frames * ratio) + 1;
	uint64_t need = (in_frames * (uint64_t)info.channels + in_frames * sch +
	                 (info.samplerate != (int)rate ? out_frames * sch : 0)) * sizeof(float);
	if (need > *budget) {
		sf_close(sf);
		snprintf(why, wlen, "decoding it needs %llu MiB more than the memory bound left "
		         "(raise memory)", (unsigned long long)((need - *budget) >> 20) + 1);
		return -1;
	}
	float *raw = malloc((size_t)(in_frames ? in_frames : 1) * (size_t)info.channels *
	                    sizeof(float));
	float *mapped = malloc((size_t)(in_frames ? in_frames : 1) * sch * sizeof(float));
	if (raw == NULL || mapped == NULL) {
		free(raw);
		free(mapped);
		sf_close(sf);
		snprintf(why, wlen, "out of memory");
		return -1;
	}
	sf_count_t got = sf_readf_float(sf, raw, (sf_count_t)in_frames);
	if (got < 0 || (uint64_t)got < in_frames) {
		/* A truncated file: keep what it has, say so. */
		if (sf_error(sf) != SF_ERR_NO_ERROR || got <= 0) {
			snprintf(why, wlen, "read failed: %s", file_reason(sf, reason, sizeof reason));
			free(raw);
			free(mapped);
			sf_close(sf);
			return -1;
		}
		in_frames = (uint64_t)got;
	}
	sf_close(sf);
	file_map_channels(mapped, raw, in_frames, info.channels, sch);
	free(raw);
	if (info.samplerate == (int)rate) {
		it->data = mapped;
		it->frames = in_frames;
	} else {
#ifdef HAVE_SAMPLERATE
		float *conv = malloc((size_t)out_frames * sch * sizeof(float));
		SRC_DATA d = {
			.data_in = mapped, .input_frames = (long)in_frames,
			.data_out = conv, .output_frames = (long)out_frames,
			.src_ratio = ratio, .end_of_input = 1,
		};
		int e = conv == NULL ? -1 : src_simple(&d, SRC_SINC_MEDIUM_QUALITY, (int)sch);
		free(mapped);
		if (e != 0) {
			free(conv);
			snprintf(why, wlen, "rate conversion %d -> %u Hz failed: %s", info.samplerate,
			         rate, e < 0 ? "out of memory" : src_strerror(e));
			return -1;
		}
		it->data = conv;
		it->frames = (uint64_t)d.output_frames_gen;
#else
		free(mapped);
		snprintf(why, wlen, "its rate (%d Hz) is not the stream's (%u Hz) and this build "
		         "has no libsamplerate", info.samplerate, rate);
		return -1;
#endif
	}
	*budget -= it->frames * sch * sizeof(float);
	return 0;
}

/* Add one item; `dir` is the playlist's directory ("" for path =). */
static int file_add(struct file_impl *fs, const char *dir, const char *path)
{
	if (fs->n == FILE_ITEMS_MAX)
		return -E2BIG;
	size_t len = strlen(dir) + strlen(path) + 2;
	char *p = malloc(len);
	if (p == NULL)
		return -ENOMEM;
	if (path[0] == '/' || dir[0] == '\0')
		snprintf(p, len, "%s", path);
	else
		snprintf(p, len, "%s/%s", dir, path);
	struct file_item *it = &fs->items[fs->n++];
	it->path = p;
	it->fd = -1;
	const char *slash = strrchr(p, '/');
	it->name = slash != NULL ? slash + 1 : p;
	return 0;
}

/* Read an m3u playlist into fs->items. Returns 0 or -1 with why[]. */
static int file_playlist(struct file_impl *fs, const char *list, char *why, size_t wlen)
{
	FILE *f = fopen(list, "r");
	char line[4096];
	char dir[4096];

	if (f == NULL) {
		snprintf(why, wlen, "%s: %s", list, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof dir, "%s", list);
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	unsigned lineno = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
		                 line[n - 1] == '\t'))
			line[--n] = '\0';
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (lineno == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
		    (unsigned char)s[2] == 0xbf)
			s += 3; /* a UTF-8 byte order mark */
		if (*s == '\0' || *s == '#')
			continue;
		int rc = file_add(fs, dir, s);
		if (rc < 0) {
			fclose(f);
			snprintf(why, wlen, "%s:%u: %s", list, lineno,
			         rc == -E2BIG ? "more than 1024 items" : strerror(-rc));
			return -1;
		}
	}
	fclose(f);
	if (fs->n == 0) {
		snprintf(why, wlen, "%s: no items in it", list);
		return -1;
	}
	return 0;
}

/*
 * The watcher thread: fstat every item's descriptor (opened at open) once
 * a second; flag the ones removed (no link left), replaced or changed. On a
 * descriptor, not a path: the replica's seccomp allow-list (sandbox =
 * strict) has no path-based stat, and an unlinked file's descriptor still
 * answers. It never touches audio, only the `gone` flags render reads.
 */
static void *file_watch(void *arg)
{
	struct file_impl *fs = arg;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = FILE_WATCH_NS / 10 };

	while (!atomic_load_explicit(&fs->stop, memory_order_acquire)) {
		for (unsigned i = 0; i < fs->n; i++) {
			struct file_item *it = &fs->items[i];
			struct stat now;
			if (it->lost || it->fd < 0 ||
			    atomic_load_explicit(&it->gone, memory_order_relaxed))
				continue;
			if (fstat(it->fd, &now) != 0 || now.st_nlink == 0 ||
			    now.st_ino != it->st.st_ino ||
			    now.st_size != it->st.st_size ||
			    now.st_mtim.tv_sec != it->st.st_mtim.tv_sec)
				atomic_store_explicit(&it->gone, true, memory_order_release);
		}
		for (int i = 0; i < 10 && !atomic_load_explicit(&fs->stop, memory_order_acquire); i++)
			nanosleep(&ts, NULL); /* 10 x 100 ms: close need not wait a second */
	}
	return NULL;
}

static bool file_yesno(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return false;
	return true;
}

static void file_close(void *state);

static int file_open(void *state, struct rta_host *host, const struct rta_stream *st)
{
	struct file_state *s = state;
	const char *path = rta_config_get(host, "source", "path");
	const char *list = rta_config_get(host, "source", "playlist");
	const char *loop = rta_config_get(host, "source", "loop");
	const char *mem = rta_config_get(host, "source", "memory");
	bool check = (st->flags & RTA_STREAM_CHECK) != 0;
	char why[512];

	struct file_impl *fs = calloc(1, sizeof *fs);
	if (fs == NULL)
		return rta_config_error(host, "source", "type", "out of memory");
	s->impl = fs;
	fs->host = host;
	fs->st = *st;
	fs->loop = true;
	fs->items = calloc(FILE_ITEMS_MAX, sizeof *fs->items);
	if (fs->items == NULL)
		return rta_config_error(host, "source", "type", "out of memory");
	if (loop != NULL && !file_yesno(loop, &fs->loop))
		return rta_config_error(host, "source", "loop", "'%s' is not yes or no", loop);
	unsigned long mib = FILE_MEMORY_DEF;
	if (mem != NULL) {
		char *end;
		errno = 0;
		mib = strtoul(mem, &end, 10);
		if (mem[0] < '0' || mem[0] > '9' || *end != '\0' || errno != 0 || mib < 1 ||
		    mib > FILE_MEMORY_MAX)
			return rta_config_error(host, "source", "memory",
			                        "'%s' is not a size in MiB (1..%u)", mem,
			                        FILE_MEMORY_MAX);
	}
	if ((path == NULL) == (list == NULL))
		return rta_config_error(host, "source", path != NULL ? "playlist" : "type",
		                        "type = file needs exactly one of path and playlist");
	const char *key = path != NULL ? "path" : "playlist";
	if (path != NULL) {
		if (path[0] == '\0' || file_add(fs, "", path) < 0)
			return rta_config_error(host, "source", "path", "empty or unusable path");
	} else if (file_playlist(fs, list, why, sizeof why) < 0) {
		return rta_config_error(host, "source", "playlist", "%s", why);
	}

	uint64_t budget = (uint64_t)mib << 20;
	for (unsigned i = 0; i < fs->n; i++) {
		struct file_item *it = &fs->items[i];
		it->fd = -1;
		if (!check && !(st->flags & RTA_STREAM_OFFLINE))
			it->fd = open(it->path, O_RDONLY | O_CLOEXEC);
		if (it->fd < 0 || fstat(it->fd, &it->st) != 0)
			memset(&it->st, 0, sizeof it->st);
		if (file_decode(fs, it, &budget, why, sizeof why) < 0) {
			if (check || strstr(why, "memory") != NULL)
				return rta_config_error(host, "source", key, "%s: %s", it->path, why);
			/* A real run: carry on without it (file.h). */
			fprintf(stderr, "file: %s: %s: playing the playlist without it\n",
			        it->path, why);
			it->lost = true;
			it->frames = 0;
		}
		it->start = fs->total;
		fs->total += it->frames;
	}
	if (!check && !(st->flags & RTA_STREAM_OFFLINE)) {
		if (pthread_create(&fs->watcher, NULL, file_watch, fs) != 0)
			return rta_config_error(host, "source", key, "cannot start the watcher");
		fs->watching = true;
	}
	fs->last_item = fs->n;
	return 0;
}

/* Hand formatting (render path: no snprintf). */
static size_t file_put(char *b, size_t at, const char *s)
{
	while (*s != '\0' && at < RTA_TEXT_MAX)
		b[at++] = *s++;
	b[at] = '\0';
	return at;
}

static size_t file_put_u(char *b, size_t at, uint64_t v, int width)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < 23);
	while (n < width && n < 23)
		d[n++] = '0';
	while (n > 0 && at < RTA_TEXT_MAX)
		b[at++] = d[--n];
	b[at] = '\0';
	return at;
}

static size_t file_put_time(char *b, size_t at, uint64_t sec)
{
	at = file_put_u(b, at, sec / 60, 1);
	at = file_put(b, at, ":");
	return file_put_u(b, at, sec % 60, 2);
}

/* The item holding playlist frame p (< total): binary search. */
static unsigned file_find(const struct file_impl *fs, uint64_t p)
{
	unsigned lo = 0, hi = fs->n;

	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (fs->items[mid].start <= p)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void file_tell(struct file_impl *fs, uint64_t p, bool playing)
{
	char *b = fs->text;
	size_t at = 0;
	uint32_t rate = fs->st.sample_rate;

	if (!playing) {
		rta_status(fs->host, "stopped: end of playlist");
		return;
	}
	unsigned i = file_find(fs, p);
	const struct file_item *it = &fs->items[i];
	uint64_t sec = (p - it->start) / rate;
	bool with_suffix = fs->suffix != NULL && fs->suffix[0] != '\0';
	if (sec + 1 == fs->last_sec && i == fs->last_item && with_suffix == fs->last_suffix)
		return;
	fs->last_suffix = with_suffix;
	fs->last_sec = sec + 1;
	fs->last_item = i;
	at = file_put_u(b, at, i + 1, 1);
	at = file_put(b, at, "/");
	at = file_put_u(b, at, fs->n, 1);
	at = file_put(b, at, " ");
	at = file_put(b, at, it->name);
	at = file_put(b, at, " ");
	at = file_put_time(b, at, sec);
	at = file_put(b, at, "/");
	at = file_put_time(b, at, it->frames / rate);
	if (fs->suffix != NULL && fs->suffix[0] != '\0') {
		at = file_put(b, at, " | ");
		at = file_put(b, at, fs->suffix);
	}
	(void)at;
	rta_status(fs->host, b);
}

static void file_render(void *state, const struct rta_block *blk)
{
	struct file_impl *fs = ((struct file_state *)state)->impl;
	uint32_t ch = blk->channels;
	uint64_t n = blk->seq * blk->frames;

	for (unsigned i = 0; i < fs->n; i++) {
		struct file_item *it = &fs->items[i];
		if (!it->gone_told && (it->lost || atomic_load_explicit(&it->gone,
		                                                        memory_order_acquire))) {
			size_t at = file_put(fs->text, 0, "file-lost ");
			(void)file_put(fs->text, at, it->path);
			rta_event(fs->host, fs->text);
			it->gone_told = true;
			break; /* one event per block */
		}
	}
	if (fs->total == 0)
		return;
	if (!fs->loop && n >= fs->total) {
		if (!fs->ended) {
			rta_event(fs->host, "source-end");
			fs->ended = true;
		}
		file_tell(fs, 0, false);
		return;
	}
	uint64_t p = fs->loop ? n % fs->total : n;
	file_tell(fs, p, true);
	uint32_t done = 0;
	while (done < blk->frames) {
		if (p >= fs->total) {
			if (!fs->loop)
				break; /* the rest of the block stays silent */
			p = 0;
		}
		unsigned i = file_find(fs, p);
		const struct file_item *it = &fs->items[i];
		uint64_t off = p - it->start;
		uint64_t left = it->frames - off;
		uint32_t k = blk->frames - done;
		if (left < k)
			k = (uint32_t)left;
		memcpy(blk->out + (size_t)done * ch, it->data + off * ch,
		       (size_t)k * ch * sizeof(float));
		done += k;
		p += k;
	}
}

void file_status_suffix(struct file_state *s, const char *text)
{
	if (s->impl != NULL)
		s->impl->suffix = text;
}

static void file_close(void *state)
{
	struct file_state *s = state;
	struct file_impl *fs = s->impl;

	if (fs == NULL)
		return;
	if (fs->watching) {
		atomic_store_explicit(&fs->stop, true, memory_order_release);
		pthread_join(fs->watcher, NULL);
	}
	for (unsigned i = 0; fs->items != NULL && i < fs->n; i++) {
		if (fs->items[i].fd >= 0)
			close(fs->items[i].fd);
		free(fs->items[i].path);
		free(fs->items[i].data);
	}
	free(fs->items);
	free(fs);
	s->impl = NULL;
}

const struct rta_renderer file_renderer = {
	.abi = RTA_RENDERER_ABI,
	.name = "file",
	.open = file_open,
	.render = file_render,
	.close = file_close,
};

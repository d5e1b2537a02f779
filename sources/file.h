/*
 * file.h - the file source: a playlist of sound files, decoded at open.
 *
 * What it does: [source] type = file plays `path = FILE` or `playlist =
 * LIST.m3u` (one path per line, relative to the list, '#' lines and blank
 * lines ignored), `loop = yes|no` (default yes), everything libsndfile reads.
 * Every item is decoded at open, converted to the stream's rate (with
 * libsamplerate) and channel count, and kept in memory, within `memory =
 * MIB` (default 512) per replica. Frame n of the stream is then frame n of
 * the concatenated playlist (modulo its length when looping): a pure
 * function of n and the playlist, so a respawned standby that starts at any
 * block is identical to the others at once.
 *
 * Channel mapping: a mono file goes to every channel; a file with more
 * channels than the stream gives its first ones (the rest are dropped); a
 * file with fewer (but more than one) fills the first channels, the others
 * stay silent.
 *
 * What it does not do: read anything on the render path. A watcher thread
 * (normal priority, never touching audio) checks every second (fstat on a
 * descriptor held open: the sandbox allows no path) that the
 * files are still there and unchanged, and when one is not the render path
 * emits a "file-lost" event; the audio is unaffected (the item is in
 * memory). A replica whose open finds an item gone or unreadable (a respawn
 * after the file went away) plays the rest of the playlist without it and
 * says so (event and status): its copy then differs from the others', and
 * the daemon's sync check shows it. The --check run (rtaudiod -n, start-up)
 * instead reports it as a configuration error.
 */
#ifndef RTAUDIO_FILE_H
#define RTAUDIO_FILE_H

#include <rtaudio/renderer.h>

struct file_impl;

/* The file renderer's state: open allocates the rest, close frees it. */
struct file_state {
	struct file_impl *impl;
};

/*
 * Append `text` (a buffer that stays valid and may change in place, e.g.
 * lv2_chain_status) to the status text from now on. After open only.
 */
void file_status_suffix(struct file_state *s, const char *text);
extern const struct rta_renderer file_renderer;

#endif

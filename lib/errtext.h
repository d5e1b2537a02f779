/*
 * errtext.h - libraries' error texts made fit for our messages.
 *
 * What it does: libsndfile reports a failed open as "System error : No
 * such file or directory." (or "Error : ..."): a label and a full stop that
 * read badly inside "FILE:LINE: key 'path': x.wav: ...". errtext_sndfile()
 * keeps the reason only. errtext_signal() names a signal as a log reader
 * knows it ("SIGSEGV", not 11).
 * What it does not do: translate, allocate, or know any library's codes.
 */
#ifndef RTAUDIO_ERRTEXT_H
#define RTAUDIO_ERRTEXT_H

#include <stddef.h>

/*
 * Copy `raw` (NULL: "unknown error") into out[len] without a leading
 * "System error :" / "Error :" label, surrounding blanks or a final full
 * stop, with control bytes replaced by spaces. Returns out. Pure.
 */
char *errtext_sndfile(const char *raw, char *out, size_t len);

/*
 * "SIGSEGV" for signal 11 into out[len] (glibc's abbreviation; elsewhere,
 * or for a number it does not know, "signal N"). Returns out. Pure.
 */
char *errtext_signal(int sig, char *out, size_t len);

#endif

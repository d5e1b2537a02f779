/*
 * lv2.h - an LV2 plugin chain after the source: the [plugin NAME] sections.
 *
 * What it does: each [plugin NAME] section of rtaudiod.conf, in file order,
 * is one stage: `uri = PLUGIN-URI` plus `SYMBOL = VALUE` for its control
 * inputs. The plugins are hosted with lilv, offered what a real host offers
 * (urid map/unmap, options with the block length and rate, bounded, fixed
 * and power-of-two block lengths when true, the default state loaded, a
 * worker run synchronously in the render thread right after run, so its
 * results land at the same block in every replica, log). A plugin that
 * requires anything else, a URI that is not installed, a symbol that is not
 * a control input, a value out of the plugin's range: configuration errors
 * naming the section and key.
 *
 * Audio ports map onto the stream: a plugin with as many audio inputs and
 * outputs as the stream has channels runs once; a mono plugin (one in, one
 * out) on a wider stream runs one instance per channel, with the same
 * controls; anything else is a configuration error.
 *
 * Every control input becomes a parameter NAME.SYMBOL with the plugin's
 * declared range and the configured value (or the plugin's default) as its
 * default, so `rtaudioctl set NAME.SYMBOL V` changes it at one block in all
 * replicas. The plugins' reported latency is in the status text.
 *
 * What it does not do: atom/MIDI input (atom ports get an empty sequence),
 * CV ports, UIs, presets other than the default state. Without lilv at
 * build time any [plugin] section is a configuration error.
 */
#ifndef RTAUDIO_LV2_H
#define RTAUDIO_LV2_H

#include <rtaudio/renderer.h>

struct lv2_chain;

/*
 * Build the chain from the [plugin NAME] sections handed to the renderer
 * (open only): *out is NULL when there are none. Declares the parameters.
 * Returns 0, or -1 after rta_config_error(). Not real-time.
 */
int lv2_chain_open(struct lv2_chain **out, struct rta_host *host, const struct rta_stream *st);

/*
 * Run block b->out (interleaved, as the source wrote it) through every
 * stage, in place, with the chain's parameters from b->params (from the
 * index of its first declaration on). Real-time as far as the plugins are
 * (their run and, when they schedule one, their work).
 */
void lv2_chain_render(struct lv2_chain *c, const struct rta_block *b);

/* "lv2: amp 0, echo 0": stage names and latencies in frames, as of the
 * last render; a pointer that stays valid (and is updated in place) until
 * close. "" without a chain. Real-time safe. */
const char *lv2_chain_status(const struct lv2_chain *c);

/* Free everything (NULL is fine). */
void lv2_chain_close(struct lv2_chain *c);

#endif

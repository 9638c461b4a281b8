/* Audio stage: decode the chosen stream, resample and downmix to mono
 * 24 kHz with libswresample, cut it into Opus-sized frames through an
 * AVAudioFifo, encode with libopus.
 *
 * The start offset is kept: body cameras record a silent pre-event buffer
 * without audio, so audio often starts seconds after video. The FIFO's
 * first sample takes the first decoded frame's timestamp, and every later
 * frame follows by sample count; gaps and overlaps over 0.1 s are evened
 * out by swresample (silence in, samples out) so the sync holds. The
 * source's end (its start + duration, which an MP4 edit list trims) is
 * kept too: decoders return whole frames, up to ~40 ms past it.
 *
 * The downmix to mono is libswresample's matrix normalised so that the
 * sum of its coefficients is TC_MIX_PEAK: however loud and correlated the
 * channels, the mix cannot pass -1 dBFS (see docs/design.md). */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include <libavutil/avstring.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>

#include "base/errors.h"
#include "base/log.h"
#include "media/transcode/transcode_internal.h"

int tc_audio_open_decoder(struct tc_audio *a, AVStream *in_st, int64_t start, int timed_end,
                          struct tc_report *r)
{
    const AVCodec *codec;
    int ret;

    a->r = r;
    a->in_st = in_st;
    a->dec.what = "audio";
    a->fifo_pts = a->first_pts = a->end_pts = AV_NOPTS_VALUE;
    if (!a->in_st)
        return 0;
    if (start != AV_NOPTS_VALUE && a->in_st->duration > 0 && timed_end)
        a->end_pts = av_rescale_q(start + a->in_st->duration,
                                  a->in_st->time_base, (AVRational){ 1, ENC_AUDIO_SAMPLE_RATE });
    codec = avcodec_find_decoder(a->in_st->codecpar->codec_id);
    if (!codec)
        return tc_fail(r, AVERROR_DECODER_NOT_FOUND, "no decoder for audio codec %s",
                       avcodec_get_name(a->in_st->codecpar->codec_id));
    a->dec.ctx = avcodec_alloc_context3(codec);
    if (!a->dec.ctx)
        return tc_fail(r, AVERROR(ENOMEM), "cannot allocate the audio decoder");
    ret = avcodec_parameters_to_context(a->dec.ctx, a->in_st->codecpar);
    if (ret < 0)
        return tc_fail(r, ret, "cannot configure the audio decoder");
    a->dec.ctx->pkt_timebase = a->in_st->time_base;
    ret = avcodec_open2(a->dec.ctx, codec, NULL);
    if (ret < 0)
        return tc_fail(r, ret, "cannot open the %s decoder", codec->name);
    a->dec.frame = av_frame_alloc();
    a->pkt = av_packet_alloc();
    if (!a->dec.frame || !a->pkt)
        return tc_fail(r, AVERROR(ENOMEM), "cannot allocate audio buffers");
    return 0;
}

/* libopus takes s16 or float; float saves a conversion from AAC. */
static enum AVSampleFormat audio_pick_format(const AVCodec *codec)
{
    const enum AVSampleFormat *f = codec->sample_fmts;
    if (!f)
        return AV_SAMPLE_FMT_FLT;
    for (const enum AVSampleFormat *p = f; *p != AV_SAMPLE_FMT_NONE; p++)
        if (*p == AV_SAMPLE_FMT_FLT)
            return *p;
    return f[0];
}

int tc_audio_open_encoder(struct tc_audio *a, int kbps, int global_header,
                          const struct tc_sink *out)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libopus");
    AVDictionary *opts = NULL;
    int ret;

    if (!a->in_st)
        return 0;
    a->out = *out;
    kbps = kbps > 0 ? kbps : ENC_AUDIO_KBPS;
    if (!codec)
        return tc_fail(a->r, AVERROR_ENCODER_NOT_FOUND, "libavcodec has no libopus encoder");
    a->enc = avcodec_alloc_context3(codec);
    if (!a->enc)
        return tc_fail(a->r, AVERROR(ENOMEM), "cannot allocate the audio encoder");
    a->enc->sample_fmt = audio_pick_format(codec);
    a->enc->sample_rate = ENC_AUDIO_SAMPLE_RATE;
    av_channel_layout_default(&a->enc->ch_layout, ENC_AUDIO_CHANNELS);
    a->enc->bit_rate = kbps * 1000LL;
    a->enc->time_base = (AVRational){ 1, ENC_AUDIO_SAMPLE_RATE };
    if (global_header)
        a->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    /* Hard CBR: every 20 ms packet has the same size, so the planner's
     * audio bytes (packets x bytes per packet) are exact. libopus's default
     * VBR ran up to +47% over the nominal rate on tones such as sirens. */
    av_dict_set(&opts, "vbr", "off", 0);
    av_dict_set_int(&opts, "frame_duration", ENC_AUDIO_FRAME_MS, 0);
    ret = avcodec_open2(a->enc, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return tc_fail(a->r, ret, "cannot open libopus (%d kbit/s, mono, %d Hz)", kbps,
                       ENC_AUDIO_SAMPLE_RATE);

    a->fifo = av_audio_fifo_alloc(a->enc->sample_fmt, ENC_AUDIO_CHANNELS, 4 * a->enc->frame_size);
    a->enc_frame = av_frame_alloc();
    if (!a->fifo || !a->enc_frame)
        return tc_fail(a->r, AVERROR(ENOMEM), "cannot allocate audio buffers");
    a->enc_frame->nb_samples = a->enc->frame_size;
    a->enc_frame->format = a->enc->sample_fmt;
    a->enc_frame->sample_rate = a->enc->sample_rate;
    ret = av_channel_layout_copy(&a->enc_frame->ch_layout, &a->enc->ch_layout);
    if (ret >= 0)
        ret = av_frame_get_buffer(a->enc_frame, 0);
    if (ret < 0)
        return tc_fail(a->r, ret, "cannot allocate an audio frame");

    log_info(a->r->lg, "%s: audio out: libopus %d kbit/s CBR, mono, %d Hz, %s, %d-sample frames",
             a->r->name, kbps, ENC_AUDIO_SAMPLE_RATE,
             av_get_sample_fmt_name(a->enc->sample_fmt), a->enc->frame_size);
    return 0;
}

static int audio_resample(struct tc_audio *a, const AVFrame *f);

/* One log line per clip: what the downmix does, with each channel's gain. */
static void audio_log_mix(const struct tc_audio *a, const AVChannelLayout *in, const double *m)
{
    char desc[64], gains[256] = "", one[48], name[16];

    if (av_channel_layout_describe(in, desc, sizeof(desc)) < 0)
        snprintf(desc, sizeof(desc), "?");
    for (int i = 0; i < in->nb_channels; i++) {
        if (av_channel_name(name, sizeof(name),
                            av_channel_layout_channel_from_index(in, i)) < 0)
            snprintf(name, sizeof(name), "%d", i);
        snprintf(one, sizeof(one), "%s%s %.3f", i ? ", " : "", name, m[i]);
        av_strlcat(gains, one, sizeof(gains));
    }
    log_info(a->r->lg, "%s: audio: %d ch %s -> mono, normalised downmix (%s), "
             "peak <= -1 dBFS before coding", a->r->name, in->nb_channels, desc, gains);
}

/* The downmix matrix: libswresample's own coefficients for in -> mono
 * (centre and surrounds at -3 dB, LFE left out), scaled so their absolute
 * sum is TC_MIX_PEAK. A mono source gets the same headroom. */
static int audio_set_matrix(struct tc_audio *a, const AVChannelLayout *in)
{
    double m[64];
    int ret;

    if (in->nb_channels > 64)
        return tc_fail(a->r, AVERROR_PATCHWELCOME, "cannot downmix %d audio channels",
                       in->nb_channels);
    ret = swr_build_matrix2(in, &a->enc->ch_layout, M_SQRT1_2, M_SQRT1_2, 0.0,
                            INT_MAX, 1.0, m, in->nb_channels,
                            AV_MATRIX_ENCODING_NONE, NULL);
    if (ret >= 0) {
        double sum = 0.0;
        for (int i = 0; i < in->nb_channels; i++)
            sum += fabs(m[i]);
        for (int i = 0; sum > 0.0 && i < in->nb_channels; i++)
            m[i] *= TC_MIX_PEAK / sum;
        ret = swr_set_matrix(a->swr, m, in->nb_channels);
    }
    if (ret < 0)
        return tc_fail(a->r, ret, "cannot build the audio downmix matrix");
    audio_log_mix(a, in, m);
    return 0;
}

/* (Re)creates the resampler for f's format. A change mid-clip is rare (an
 * AAC stream switching channel count); the old resampler is drained first. */
static int audio_setup_swr(struct tc_audio *a, const AVFrame *f)
{
    AVChannelLayout in = { 0 };
    int ret;

    if (a->swr && f->format == a->swr_in_format && f->sample_rate == a->swr_in_rate &&
        !av_channel_layout_compare(&f->ch_layout, &a->swr_in_layout))
        return 0;
    if (a->swr) {
        log_warn(a->r->lg, "%s: the audio format changes mid-clip; resampler restarted",
                 a->r->name);
        if ((ret = audio_resample(a, NULL)) < 0)
            return ret;
    }
    swr_free(&a->swr);
    av_channel_layout_uninit(&a->swr_in_layout);
    /* Unspecified (or custom, ambisonic) orders get the default layout of
     * their channel count: the matrix needs named channels. */
    if (f->ch_layout.order != AV_CHANNEL_ORDER_NATIVE)
        av_channel_layout_default(&in, f->ch_layout.nb_channels);
    else if ((ret = av_channel_layout_copy(&in, &f->ch_layout)) < 0)
        return tc_fail(a->r, ret, "cannot copy the audio channel layout");

    ret = swr_alloc_set_opts2(&a->swr, &a->enc->ch_layout, a->enc->sample_fmt,
                              ENC_AUDIO_SAMPLE_RATE, &in, f->format, f->sample_rate, 0, NULL);
    if (ret >= 0 && (ret = audio_set_matrix(a, &in)) < 0) {
        av_channel_layout_uninit(&in);
        return ret;
    }
    /* min_comp turns on swr_next_pts()'s hard compensation: a jump of more
     * than min_hard_comp seconds is filled with silence or trimmed. */
    if (ret >= 0)
        ret = av_opt_set_double(a->swr, "min_comp", 0.001, 0);
    if (ret >= 0)
        ret = av_opt_set_double(a->swr, "min_hard_comp", 0.1, 0);
    if (ret >= 0)
        ret = swr_init(a->swr);
    av_channel_layout_uninit(&in);
    if (ret < 0)
        return tc_fail(a->r, ret, "cannot set up the audio resampler (%d Hz, %d channels)",
                       f->sample_rate, f->ch_layout.nb_channels);
    a->swr_in_format = f->format;
    a->swr_in_rate = f->sample_rate;
    return av_channel_layout_copy(&a->swr_in_layout, &f->ch_layout);
}

/* The matrix bounds the mix for inputs within full scale, but a float
 * decoder (AAC) returns a source that was itself clipped above it (+4 dBFS
 * measured): such samples are held at TC_MIX_PEAK, and counted. */
static void audio_clamp(struct tc_audio *a, int n)
{
    float *x = (float *)a->conv[0];
    if (a->enc->sample_fmt != AV_SAMPLE_FMT_FLT)
        return; /* s16: swresample saturates */
    for (int i = 0; i < n; i++) {
        if (x[i] > (float)TC_MIX_PEAK || x[i] < (float)-TC_MIX_PEAK) {
            x[i] = x[i] > 0 ? (float)TC_MIX_PEAK : (float)-TC_MIX_PEAK;
            a->clamped++;
        }
    }
}

/* Resamples f into the FIFO; f NULL drains the resampler. */
static int audio_resample(struct tc_audio *a, const AVFrame *f)
{
    const uint8_t **in = NULL;
    int in_n = 0, ret;

    if (f) {
        int64_t in_pts = INT64_MIN, out_pts;
        AVRational tb = a->in_st->time_base;
        if ((ret = audio_setup_swr(a, f)) < 0)
            return ret;
        /* swr_next_pts works in 1/(in_rate * out_rate) units. */
        if (f->best_effort_timestamp != AV_NOPTS_VALUE)
            in_pts = av_rescale(f->best_effort_timestamp,
                                (int64_t)tb.num * f->sample_rate * ENC_AUDIO_SAMPLE_RATE, tb.den);
        out_pts = swr_next_pts(a->swr, in_pts);
        if (a->fifo_pts == AV_NOPTS_VALUE && in_pts != INT64_MIN)
            a->fifo_pts = av_rescale(out_pts, 1, f->sample_rate);
        in = (const uint8_t **)f->extended_data;
        in_n = f->nb_samples;
    }
    if (!a->swr)
        return 0;
    if (a->fifo_pts == AV_NOPTS_VALUE)
        a->fifo_pts = 0;
    for (;;) {
        int want = swr_get_out_samples(a->swr, in_n);
        if (want > a->conv_cap) {
            if (a->conv)
                av_freep(&a->conv[0]);
            av_freep(&a->conv);
            ret = av_samples_alloc_array_and_samples(&a->conv, NULL, 1, want,
                                                     a->enc->sample_fmt, 0);
            if (ret < 0)
                return tc_fail(a->r, ret, "cannot allocate audio samples");
            a->conv_cap = want;
        }
        ret = swr_convert(a->swr, a->conv, a->conv_cap, in, in_n);
        if (ret < 0)
            return tc_fail(a->r, ret, "audio resampling failed");
        audio_clamp(a, ret);
        if (ret > 0 && av_audio_fifo_write(a->fifo, (void **)a->conv, ret) < ret)
            return tc_fail(a->r, AVERROR(ENOMEM), "cannot grow the audio FIFO");
        if (f || ret == 0)
            return 0;
    }
}

/* Sends frame (NULL: flush) to libopus and writes the packets. */
static int audio_send(struct tc_audio *a, const AVFrame *frame)
{
    int ret = avcodec_send_frame(a->enc, frame);
    if (ret < 0)
        return tc_fail(a->r, ret, "the audio encoder refused a frame");
    for (;;) {
        ret = avcodec_receive_packet(a->enc, a->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return tc_fail(a->r, ret, "audio encoding failed");
        a->packets_out++;
        ret = a->out.write(a->out.opaque, a->pkt);
        if (ret < 0)
            return ret;
    }
}

/* How many of the FIFO's samples are before the source's end; the rest
 * is dropped, and *at_end says the end is reached. */
static int audio_fifo_usable(struct tc_audio *a, int *at_end)
{
    int avail = av_audio_fifo_size(a->fifo);
    *at_end = 0;
    if (a->end_pts != AV_NOPTS_VALUE && a->fifo_pts + avail >= a->end_pts) {
        *at_end = 1;
        return (int)FFMAX(a->end_pts - a->fifo_pts, 0);
    }
    return avail;
}

/* Encodes whole frames from the FIFO; final (or the source's end) also
 * the short remainder, which is then the last frame the encoder gets. */
static int audio_encode_fifo(struct tc_audio *a, int final)
{
    const int fs = a->enc->frame_size;
    const int small_last = a->enc->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME;

    while (!a->ended) {
        int at_end, avail = audio_fifo_usable(a, &at_end);
        int n = FFMIN(avail, fs), ret;
        if (at_end && avail <= fs)
            a->ended = 1;
        if (n <= 0 || (n < fs && !final && !a->ended)) {
            if (a->ended)
                av_audio_fifo_reset(a->fifo);
            return 0;
        }
        a->enc_frame->nb_samples = fs;
        ret = av_frame_make_writable(a->enc_frame);
        if (ret < 0)
            return tc_fail(a->r, ret, "cannot allocate an audio frame");
        if (av_audio_fifo_read(a->fifo, (void **)a->enc_frame->data, n) < n)
            return tc_fail(a->r, AVERROR_BUG, "audio FIFO underrun");
        if (a->ended)
            av_audio_fifo_reset(a->fifo);
        if (n < fs && !small_last)
            av_samples_set_silence(a->enc_frame->data, n, fs - n, 1, a->enc->sample_fmt);
        else
            a->enc_frame->nb_samples = n;
        if (a->first_pts == AV_NOPTS_VALUE)
            a->first_pts = a->fifo_pts;
        a->enc_frame->pts = a->fifo_pts;
        a->fifo_pts += n;
        ret = audio_send(a, a->enc_frame);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* Per decoded frame: resampled into the FIFO, then the whole encoder
 * frames it holds are encoded. */
static int audio_on_frame(void *opaque, AVFrame *frame)
{
    struct tc_audio *a = opaque;
    int ret = a->ended ? 0 : audio_resample(a, frame);
    return ret < 0 ? ret : audio_encode_fifo(a, 0);
}

int tc_audio_decode(struct tc_audio *a, const AVPacket *pkt)
{
    return tc_decode_packet(a->r, &a->dec, pkt, audio_on_frame, a);
}

int tc_audio_finish(struct tc_audio *a)
{
    int ret;
    if (!a->enc)
        return 0;
    if ((ret = tc_audio_decode(a, NULL)) < 0 ||
        (!a->ended && (ret = audio_resample(a, NULL)) < 0) ||
        (ret = audio_encode_fifo(a, 1)) < 0)
        return ret;
    return audio_send(a, NULL);
}

void tc_audio_close(struct tc_audio *a)
{
    tc_decoder_close(&a->dec);
    avcodec_free_context(&a->enc);
    swr_free(&a->swr);
    av_channel_layout_uninit(&a->swr_in_layout);
    av_audio_fifo_free(a->fifo);
    a->fifo = NULL;
    if (a->conv)
        av_freep(&a->conv[0]);
    av_freep(&a->conv);
    a->conv_cap = 0;
    av_frame_free(&a->enc_frame);
    av_packet_free(&a->pkt);
}

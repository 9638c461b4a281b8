/* Unit tests of the final guard's loop (plan_guard_loop) and the fill
 * pass's (plan_fill_loop), the ones the job runs with the real encoder:
 * when they call the re-encode, with what, and how they end (fits, gives
 * up or no clip left, the callback fails, the round bound). */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "plan/planner.h"

static const struct plan_clip clip100 = { .size = 100 * 1000 * 1000, .duration = 100.0,
                                          .video_frames = 3000, .has_audio = 1 };

static int64_t disc_total(const struct progress *p)
{
    int64_t total = 0;
    for (size_t i = 0; i < p->nb_clips; i++)
        if (p->clips[i].status == CLIP_DONE)
            total += plan_sector_round(p->clips[i].output_size);
    return total;
}

static void free_progress(struct progress **p)
{
    if (*p)
        free((*p)->clips);
    free(*p);
    *p = NULL;
}

/* Three clips done at 600 kbit/s; clip 1 overshot its prediction most and
 * the batch is over the disc by over_by bytes. */
static struct progress *mk_over(int64_t over_by)
{
    struct progress *p = calloc(1, sizeof(*p));
    int64_t pred = plan_predict_bytes(&clip100, 600, 64);
    if (!p || !(p->clips = calloc(3, sizeof(*p->clips)))) {
        free(p);
        return NULL;
    }
    p->mode = MODE_ENCODE;
    p->kbps = 600;
    p->audio_kbps = 64;
    p->nb_clips = 3;
    for (size_t i = 0; i < 3; i++) {
        p->clips[i].duration = clip100.duration;
        p->clips[i].video_frames = clip100.video_frames;
        p->clips[i].has_audio = clip100.has_audio;
        p->clips[i].status = CLIP_DONE;
        p->clips[i].target_kbps = 600;
        p->clips[i].encodes = 1;
        p->clips[i].output_size = pred - 100 * 1000;
    }
    p->clips[1].output_size = pred + 400 * 1000;
    p->disc_bytes = disc_total(p) - over_by;
    return p;
}

/* The re-encode as the test sees it: what it was called with, and an
 * encoder that hits kbps exactly (or does nothing, or fails). */
struct calls {
    struct progress *p;
    int n;
    size_t idx[16];
    int64_t kbps[16], total[16];
    int fail;        /* return this from the first call */
    int noop;        /* change nothing: the loop must still end */
};

static int record(void *opaque, size_t idx, int64_t kbps, int64_t total)
{
    struct calls *c = opaque;
    struct clip *cl = &c->p->clips[idx];
    if (c->n < 16) {
        c->idx[c->n] = idx;
        c->kbps[c->n] = kbps;
        c->total[c->n] = total;
    }
    c->n++;
    if (c->fail)
        return c->fail;
    if (c->noop)
        return 0;
    cl->output_size = plan_predict_bytes(&clip100, kbps, 64);
    cl->target_kbps = kbps;
    cl->encodes++;
    return 0;
}

/* Over the disc: the loop re-encodes the clip plan_guard_pick names, at
 * its kbps, tells the callback the total before it, and stops once the
 * batch fits. */
static void test_loop_reencodes_until_it_fits(void)
{
    struct progress *p = mk_over(300 * 1000);
    struct calls c = { .p = p };
    struct plan_guard_result res;
    size_t idx = 99;
    int64_t kbps = 0, before;
    CHECK(p != NULL);
    if (!p)
        return;
    before = disc_total(p);
    CHECK_INT(plan_guard_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(plan_guard_loop(p, 0, record, &c, &res), 0);
    CHECK_INT(c.n, 1);
    CHECK_INT(c.idx[0], idx);
    CHECK_INT(c.kbps[0], kbps);
    CHECK_INT(c.total[0], before);
    CHECK_INT(res.reencodes, 1);
    CHECK_INT(res.gave_up, 0);
    CHECK_INT(res.total, disc_total(p));
    CHECK(res.total <= p->disc_bytes);
    free_progress(&p);
}

/* Within the disc: nothing to do. */
static void test_loop_fits_already(void)
{
    struct progress *p = mk_over(-1);
    struct calls c = { .p = p };
    struct plan_guard_result res;
    if (!p)
        return;
    CHECK_INT(plan_guard_loop(p, 0, record, &c, &res), 0);
    CHECK_INT(c.n, 0);
    CHECK_INT(res.reencodes, 0);
    CHECK_INT(res.gave_up, 0);
    CHECK_INT(res.total, disc_total(p));
    free_progress(&p);
}

/* No clip may be encoded again: the loop gives up without a call, and
 * says how far over the batch is. */
static void test_loop_gives_up(void)
{
    struct progress *p = mk_over(300 * 1000);
    struct calls c = { .p = p };
    struct plan_guard_result res;
    if (!p)
        return;
    for (size_t i = 0; i < p->nb_clips; i++)
        p->clips[i].encodes = PLAN_GUARD_MAX_ENCODES;
    CHECK_INT(plan_guard_loop(p, 0, record, &c, &res), 0);
    CHECK_INT(c.n, 0);
    CHECK_INT(res.gave_up, 1);
    CHECK_INT(res.total, disc_total(p));
    CHECK(res.total > p->disc_bytes);
    free_progress(&p);
}

/* A failed re-encode ends the loop with its code. */
static void test_loop_stops_on_error(void)
{
    struct progress *p = mk_over(300 * 1000);
    struct calls c = { .p = p, .fail = -5 };
    struct plan_guard_result res;
    if (!p)
        return;
    CHECK_INT(plan_guard_loop(p, 0, record, &c, &res), -5);
    CHECK_INT(c.n, 1);
    CHECK_INT(res.reencodes, 0);
    free_progress(&p);
}

/* A re-encode that changes nothing cannot make the loop run forever. */
static void test_loop_is_bounded(void)
{
    struct progress *p = mk_over(300 * 1000);
    struct calls c = { .p = p, .noop = 1 };
    struct plan_guard_result res;
    if (!p)
        return;
    CHECK_INT(plan_guard_loop(p, 0, record, &c, &res), 0);
    CHECK_INT(c.n, 2 * 3 + 1);
    CHECK_INT(res.reencodes, 2 * 3 + 1);
    CHECK_INT(res.gave_up, 0);
    free_progress(&p);
}

/* A disc with room_pct % of it free: clips 0 and 2 took 100 kB under
 * their predictions (fill candidates), clip 1 400 kB over (none). */
static struct progress *mk_room(int room_pct)
{
    struct progress *p = mk_over(0);
    if (p)
        p->disc_bytes = p->disc_bytes * 100 / (100 - room_pct);
    return p;
}

/* Room on the disc: the loop re-encodes the clip plan_fill_pick names, at
 * its kbps, tells the callback the total before it, and stops once no
 * more than PLAN_FILL_FREE_PCT % is free. */
static void test_fill_loop_fills(void)
{
    struct progress *p = mk_room(30);
    struct calls c = { .p = p };
    struct plan_fill_result res;
    size_t idx = 99;
    int64_t kbps = 0, before;
    if (!p)
        return;
    before = disc_total(p);
    CHECK_INT(plan_fill_pick(p, 0, &idx, &kbps), 1);
    CHECK_INT(plan_fill_loop(p, 0, record, &c, &res), 0);
    CHECK(c.n >= 1);
    CHECK_INT(c.idx[0], idx);
    CHECK_INT(c.kbps[0], kbps);
    CHECK_INT(c.total[0], before);
    CHECK_INT(res.attempts, c.n);
    CHECK_INT(res.end, PLAN_FILL_END_FULL);
    CHECK_INT(res.total, disc_total(p));
    CHECK(res.total <= p->disc_bytes);
    CHECK(res.total > p->disc_bytes - p->disc_bytes * PLAN_FILL_FREE_PCT / 100);
    free_progress(&p);
}

/* Room, but every clip took more than its prediction: no call, and the
 * loop says why it ended. */
static void test_fill_loop_no_clip(void)
{
    struct progress *p = mk_room(30);
    struct calls c = { .p = p };
    struct plan_fill_result res;
    if (!p)
        return;
    p->clips[0].output_size = p->clips[2].output_size = p->clips[1].output_size;
    CHECK_INT(plan_fill_loop(p, 0, record, &c, &res), 0);
    CHECK_INT(c.n, 0);
    CHECK_INT(res.end, PLAN_FILL_END_NO_CLIP);
    CHECK_INT(res.total, disc_total(p));
    free_progress(&p);
}

/* Outputs over the disc, or as good as full: nothing to fill. */
static void test_fill_loop_nothing_to_do(void)
{
    struct progress *over = mk_over(300 * 1000), *full = mk_room(2);
    struct calls c = { .p = over };
    struct plan_fill_result res;
    if (over) {
        CHECK_INT(plan_fill_loop(over, 0, record, &c, &res), 0);
        CHECK_INT(res.end, PLAN_FILL_END_OVER);
    }
    if (full) {
        c.p = full;
        CHECK_INT(plan_fill_loop(full, 0, record, &c, &res), 0);
        CHECK_INT(res.end, PLAN_FILL_END_FULL);
    }
    CHECK_INT(c.n, 0);
    free_progress(&over);
    free_progress(&full);
}

/* The callback's error ends the loop and is returned; a callback that
 * changes nothing cannot make it run forever. */
static void test_fill_loop_error_and_bound(void)
{
    struct progress *p = mk_room(30);
    struct calls c = { .p = p, .fail = -7 };
    struct plan_fill_result res;
    if (!p)
        return;
    CHECK_INT(plan_fill_loop(p, 0, record, &c, &res), -7);
    CHECK_INT(c.n, 1);
    CHECK_INT(res.attempts, 0);
    c = (struct calls){ .p = p, .noop = 1 };
    CHECK_INT(plan_fill_loop(p, 0, record, &c, &res), 0);
    CHECK_INT(c.n, PLAN_FILL_MAX_TRIES * 3);
    CHECK_INT(res.end, PLAN_FILL_END_ROUNDS);
    free_progress(&p);
}

int main(void)
{
    RUN(test_loop_reencodes_until_it_fits);
    RUN(test_loop_fits_already);
    RUN(test_loop_gives_up);
    RUN(test_loop_stops_on_error);
    RUN(test_loop_is_bounded);
    RUN(test_fill_loop_fills);
    RUN(test_fill_loop_no_clip);
    RUN(test_fill_loop_nothing_to_do);
    RUN(test_fill_loop_error_and_bound);
    return check_done();
}

/* The loops of the final guard (re-encode the clip plan_guard_pick names
 * until the outputs fit or no re-encode can help) and of the fill pass
 * (re-encode the clip plan_fill_pick names while it names one). The job
 * runs them with the real encoder, the unit tests with a simulated one,
 * so both run these loops. */
#include "plan/plan_arith.h"
#include "plan/planner.h"

int64_t plan_disc_total(const struct progress *p, int64_t other_files)
{
    int64_t total = other_files;
    for (size_t i = 0; i < p->nb_clips; i++)
        if (p->clips[i].status == CLIP_DONE)
            total = sat_add(total, plan_sector_round(p->clips[i].output_size));
    return total;
}

int plan_guard_loop(const struct progress *p, int64_t other_files, plan_reencode_fn reencode,
                    void *opaque, struct plan_guard_result *res)
{
    int64_t usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    *res = (struct plan_guard_result){ .reencodes = 0 };
    /* Each pick raises the clip's encodes, capped at PLAN_GUARD_MAX_ENCODES:
     * the bound on rounds only guards against a callback that does not. */
    for (size_t round = 0; round < 2 * p->nb_clips + 1; round++) {
        int64_t kbps;
        size_t idx;
        int ret;
        res->total = plan_disc_total(p, other_files);
        if (res->total <= usable)
            return 0;
        if (!plan_guard_pick(p, other_files, &idx, &kbps)) {
            res->gave_up = 1;
            return 0;
        }
        if ((ret = reencode(opaque, idx, kbps, res->total)) < 0)
            return ret;
        res->reencodes++;
    }
    return 0;
}

int plan_fill_loop(const struct progress *p, int64_t other_files, plan_reencode_fn reencode,
                   void *opaque, struct plan_fill_result *res)
{
    int64_t usable = plan_usable_bytes(p->disc_bytes, p->safety_bytes);
    *res = (struct plan_fill_result){ .end = PLAN_FILL_END_ROUNDS };
    /* The pick's candidates shrink with each attempt (plan_fill_ratio):
     * the bound only guards against a callback that does not count it. */
    for (size_t round = 0; round < PLAN_FILL_MAX_TRIES * p->nb_clips; round++) {
        int64_t kbps;
        size_t idx;
        int ret;
        res->total = plan_disc_total(p, other_files);
        if (res->total > usable) {
            res->end = PLAN_FILL_END_OVER;
            return 0;
        }
        if (!plan_fill_pick(p, other_files, &idx, &kbps)) {
            res->end = sat_sub(usable, res->total) > pct_floor(usable, PLAN_FILL_FREE_PCT) ?
                       PLAN_FILL_END_NO_CLIP : PLAN_FILL_END_FULL;
            return 0;
        }
        if ((ret = reencode(opaque, idx, kbps, res->total)) < 0)
            return ret;
        res->attempts++;
    }
    res->total = plan_disc_total(p, other_files);
    return 0;
}

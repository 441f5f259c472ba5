#include "runq.h"

int runq_add(struct runq *rq, struct runq_entry *e) {
  if (rq->n == RUNQ_MAX || e->weight == 0)
    return -1;
  e->vruntime = rq->min_vruntime;
  e->runnable = false;
  rq->e[rq->n++] = e;
  return 0;
}

void runq_remove(struct runq *rq, struct runq_entry *e) {
  for (unsigned i = 0; i < rq->n; i++)
    if (rq->e[i] == e) {
      runq_set_runnable(rq, e, false);
      for (unsigned j = i + 1; j < rq->n; j++)
        rq->e[j - 1] = rq->e[j];
      rq->n--;
      return;
    }
}

struct runq_entry *runq_pick(struct runq *rq) {
  struct runq_entry *best = 0;
  for (unsigned i = 0; i < rq->n; i++) {
    struct runq_entry *e = rq->e[i];
    if (e->runnable && (!best || e->vruntime < best->vruntime))
      best = e;
  }
  if (best && best->vruntime > rq->min_vruntime)
    rq->min_vruntime = best->vruntime;
  return best;
}

void runq_charge(struct runq_entry *e, uint64_t ticks) {
  e->vruntime += ticks * RUNQ_WEIGHT_DEFAULT / e->weight;
}

void runq_wake(struct runq *rq, struct runq_entry *e, uint64_t slice) {
  uint64_t floor = rq->min_vruntime > slice ? rq->min_vruntime - slice : 0;
  if (e->vruntime < floor)
    e->vruntime = floor;
}

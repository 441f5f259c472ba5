/* A run queue of vCPUs by weighted virtual runtime: the runnable entry that
 * has had the least CPU time per unit of weight runs next. Pure: the caller
 * says which entries are runnable (runq_set_runnable, whenever it learns of a
 * change) and holds its hart's lock. */
#ifndef RV_RUNQ_H
#define RV_RUNQ_H
#include <stdbool.h>
#include <stdint.h>

#define RUNQ_MAX 64
#define RUNQ_WEIGHT_DEFAULT 1024

struct runq_entry {
  void *item;
  unsigned weight;   /* > 0; RUNQ_WEIGHT_DEFAULT is "1" */
  bool runnable;     /* as last set by runq_set_runnable */
  uint64_t vruntime; /* ticks run, scaled by RUNQ_WEIGHT_DEFAULT / weight */
};

struct runq {
  struct runq_entry *e[RUNQ_MAX];
  unsigned n;
  unsigned nr_runnable;  /* entries marked runnable */
  uint64_t min_vruntime; /* of the runnable entries at the last pick */
};

/* Queue e, not runnable, at the queue's current virtual time. -1 when full. */
int runq_add(struct runq *rq, struct runq_entry *e);
void runq_remove(struct runq *rq, struct runq_entry *e);
/* Mark e runnable or not; keeps rq->nr_runnable. */
static inline void runq_set_runnable(struct runq *rq, struct runq_entry *e, bool runnable) {
  if (e->runnable == runnable)
    return;
  e->runnable = runnable;
  if (runnable)
    rq->nr_runnable++;
  else
    rq->nr_runnable--;
}
/* The runnable entry with the least vruntime; ties go to the earliest added.
 * Returns NULL when none is runnable. */
struct runq_entry *runq_pick(struct runq *rq);
void runq_charge(struct runq_entry *e, uint64_t ticks);
/* An entry that slept must not come back with a credit that lets it run
 * alone for long: it rejoins at most one slice behind the others. */
void runq_wake(struct runq *rq, struct runq_entry *e, uint64_t slice);

#endif

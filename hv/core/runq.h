/* A run queue of vCPUs by weighted virtual runtime: the runnable entry that
 * has had the least CPU time per unit of weight runs next. Pure: the caller
 * says what is runnable and holds its hart's lock. */
#ifndef RV_RUNQ_H
#define RV_RUNQ_H
#include <stdbool.h>
#include <stdint.h>

#define RUNQ_MAX 64
#define RUNQ_WEIGHT_DEFAULT 1024

struct runq_entry {
  void *item;
  unsigned weight;   /* > 0; RUNQ_WEIGHT_DEFAULT is "1" */
  uint64_t vruntime; /* ticks run, scaled by RUNQ_WEIGHT_DEFAULT / weight */
};

struct runq {
  struct runq_entry *e[RUNQ_MAX];
  unsigned n;
  uint64_t min_vruntime; /* of the runnable entries at the last pick */
};

int runq_add(struct runq *rq, struct runq_entry *e); /* -1 when full */
void runq_remove(struct runq *rq, struct runq_entry *e);
/* The runnable entry with the least vruntime; ties go to the earliest added.
 * Returns NULL when none is runnable. */
struct runq_entry *runq_pick(struct runq *rq, bool (*runnable)(void *item));
/* Count of runnable entries. */
unsigned runq_count_runnable(const struct runq *rq, bool (*runnable)(void *item));
void runq_charge(struct runq_entry *e, uint64_t ticks);
/* An entry that slept must not come back with a credit that lets it run
 * alone for long: it rejoins at most one slice behind the others. */
void runq_wake(struct runq *rq, struct runq_entry *e, uint64_t slice);

#endif

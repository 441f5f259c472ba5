/* Host tests of the weighted run queue (hv/core/runq.c): who runs next,
 * fairness by weight over many slices, blocked entries, the runnable count,
 * wake-up credit. */
#include "check.h"
#include "hv/core/runq.h"
#include <stdbool.h>

struct item {
  bool runnable; /* what the queue is told at add time */
  uint64_t ran;
};

/* Queue e for it and mark it as it says. */
static void add(struct runq *rq, struct runq_entry *e, struct item *it, unsigned weight) {
  *e = (struct runq_entry){.item = it, .weight = weight};
  CHECK_EQ_INT(runq_add(rq, e), 0);
  runq_set_runnable(rq, e, it->runnable);
}

/* Run n slices of `slice` ticks, charging whoever is picked. */
static void run_slices(struct runq *rq, int n, uint64_t slice) {
  for (int i = 0; i < n; i++) {
    struct runq_entry *e = runq_pick(rq);
    if (!e)
      return;
    ((struct item *)e->item)->ran += slice;
    runq_charge(e, slice);
  }
}

static void test_empty_and_full(void) {
  struct runq rq = {0};
  CHECK(runq_pick(&rq) == NULL);
  static struct item it[RUNQ_MAX + 1];
  static struct runq_entry e[RUNQ_MAX + 1];
  for (int i = 0; i < RUNQ_MAX; i++)
    add(&rq, &e[i], &it[i], RUNQ_WEIGHT_DEFAULT);
  e[RUNQ_MAX] = (struct runq_entry){.item = &it[RUNQ_MAX], .weight = RUNQ_WEIGHT_DEFAULT};
  CHECK_EQ_INT(runq_add(&rq, &e[RUNQ_MAX]), -1);
  CHECK(runq_pick(&rq) == NULL); /* none runnable */
  CHECK_EQ(rq.nr_runnable, 0);
  struct runq_entry zero = {.item = &it[0], .weight = 0};
  struct runq rq2 = {0};
  CHECK_EQ_INT(runq_add(&rq2, &zero), -1); /* weight 0 refused */
}

static void test_round_robin_and_remove(void) {
  struct runq rq = {0};
  struct item it[3] = {{true, 0}, {true, 0}, {true, 0}};
  struct runq_entry e[3];
  for (int i = 0; i < 3; i++)
    add(&rq, &e[i], &it[i], RUNQ_WEIGHT_DEFAULT);
  /* Equal weights: strict rotation in the order added. */
  for (int round = 0; round < 4; round++)
    for (int i = 0; i < 3; i++) {
      struct runq_entry *p = runq_pick(&rq);
      CHECK(p == &e[i]);
      runq_charge(p, 100);
    }
  runq_set_runnable(&rq, &e[1], false);
  CHECK_EQ(rq.nr_runnable, 2);
  for (int i = 0; i < 6; i++) {
    struct runq_entry *p = runq_pick(&rq);
    CHECK(p != &e[1]);
    runq_charge(p, 100);
  }
  runq_remove(&rq, &e[0]);
  CHECK_EQ(rq.n, 2);
  CHECK_EQ(rq.nr_runnable, 1); /* a runnable entry removed is no longer counted */
  CHECK(runq_pick(&rq) == &e[2]);
  runq_remove(&rq, &e[0]); /* not queued: no effect */
  CHECK_EQ(rq.n, 2);
  CHECK_EQ(rq.nr_runnable, 1);
  runq_remove(&rq, &e[1]); /* not runnable: the count stays */
  CHECK_EQ(rq.nr_runnable, 1);
}

static void test_weights(void) {
  struct runq rq = {0};
  struct item it[3] = {{true, 0}, {true, 0}, {true, 0}};
  unsigned w[3] = {1024, 2048, 512};
  struct runq_entry e[3];
  for (int i = 0; i < 3; i++)
    add(&rq, &e[i], &it[i], w[i]);
  run_slices(&rq, 7000, 10);
  uint64_t total = it[0].ran + it[1].ran + it[2].ran;
  /* Shares 2/7, 4/7, 1/7, within one slice each. */
  CHECK(it[0].ran * 7 >= total * 2 - 70 && it[0].ran * 7 <= total * 2 + 70);
  CHECK(it[1].ran * 7 >= total * 4 - 70 && it[1].ran * 7 <= total * 4 + 70);
  CHECK(it[2].ran * 7 >= total * 1 - 70 && it[2].ran * 7 <= total * 1 + 70);
}

static void test_equal_shares_of_eight(void) {
  struct runq rq = {0};
  struct item it[8] = {0};
  struct runq_entry e[8];
  for (int i = 0; i < 8; i++) {
    it[i].runnable = true;
    add(&rq, &e[i], &it[i], RUNQ_WEIGHT_DEFAULT);
  }
  run_slices(&rq, 8000, 50);
  for (int i = 0; i < 8; i++)
    CHECK_EQ(it[i].ran, 50000);
}

static void test_wake_credit(void) {
  struct runq rq = {0};
  struct item a = {true, 0}, b = {false, 0};
  struct runq_entry ea, eb;
  add(&rq, &ea, &a, RUNQ_WEIGHT_DEFAULT);
  add(&rq, &eb, &b, RUNQ_WEIGHT_DEFAULT);
  run_slices(&rq, 100, 1000); /* b sleeps while a runs 100 slices */
  CHECK_EQ(a.ran, 100000);
  runq_set_runnable(&rq, &eb, true);
  runq_wake(&rq, &eb, 1000);
  /* b comes back at most one slice behind: it runs once or twice, then
   * they alternate, instead of b running alone for 100 slices. */
  run_slices(&rq, 10, 1000);
  CHECK(b.ran >= 5000 && b.ran <= 6000);
  /* A new entry starts at the queue's current virtual time. */
  struct item c = {true, 0};
  struct runq_entry ec;
  add(&rq, &ec, &c, RUNQ_WEIGHT_DEFAULT);
  CHECK(ec.vruntime >= ea.vruntime - 1000);
}

/* The runnable count follows every change of an entry's mark, and only
 * changes: marking twice counts once; a new entry is not runnable. */
static void test_runnable_count(void) {
  struct runq rq = {0};
  struct item it[4] = {{false, 0}, {false, 0}, {false, 0}, {false, 0}};
  struct runq_entry e[4];
  for (int i = 0; i < 4; i++)
    add(&rq, &e[i], &it[i], RUNQ_WEIGHT_DEFAULT);
  CHECK_EQ(rq.nr_runnable, 0);
  CHECK(!e[0].runnable);
  runq_set_runnable(&rq, &e[2], true);
  runq_set_runnable(&rq, &e[2], true);
  CHECK_EQ(rq.nr_runnable, 1);
  CHECK(runq_pick(&rq) == &e[2]);
  runq_set_runnable(&rq, &e[0], true);
  runq_set_runnable(&rq, &e[3], true);
  CHECK_EQ(rq.nr_runnable, 3);
  runq_set_runnable(&rq, &e[1], false); /* was not runnable */
  CHECK_EQ(rq.nr_runnable, 3);
  runq_set_runnable(&rq, &e[2], false);
  runq_set_runnable(&rq, &e[2], false);
  CHECK_EQ(rq.nr_runnable, 2);
  CHECK(runq_pick(&rq) == &e[0]); /* equal vruntime: the earliest added */
  runq_charge(&e[0], 10);
  CHECK(runq_pick(&rq) == &e[3]);
  runq_set_runnable(&rq, &e[0], false);
  runq_set_runnable(&rq, &e[3], false);
  CHECK_EQ(rq.nr_runnable, 0);
  CHECK(runq_pick(&rq) == NULL);
  /* Random marks against a recount. */
  unsigned seed = 12345;
  for (int step = 0; step < 1000; step++) {
    seed = seed * 1103515245 + 12345;
    runq_set_runnable(&rq, &e[(seed >> 8) & 3], (seed >> 16) & 1);
    unsigned n = 0;
    for (int i = 0; i < 4; i++)
      n += e[i].runnable;
    CHECK_EQ(rq.nr_runnable, n);
    struct runq_entry *p = runq_pick(&rq);
    CHECK(n ? p && p->runnable : p == NULL);
  }
}

int main(void) {
  test_empty_and_full();
  test_round_robin_and_remove();
  test_weights();
  test_equal_shares_of_eight();
  test_wake_credit();
  test_runnable_count();
  return check_report("runq");
}

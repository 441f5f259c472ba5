/* Host tests of the weighted run queue (hv/core/runq.c): who runs next,
 * fairness by weight over many slices, blocked entries, wake-up credit. */
#include "check.h"
#include "hv/core/runq.h"
#include <stdbool.h>

struct item {
  bool runnable;
  uint64_t ran;
};

static bool is_runnable(void *p) { return ((struct item *)p)->runnable; }

/* Run n slices of `slice` ticks, charging whoever is picked. */
static void run_slices(struct runq *rq, int n, uint64_t slice) {
  for (int i = 0; i < n; i++) {
    struct runq_entry *e = runq_pick(rq, is_runnable);
    if (!e)
      return;
    ((struct item *)e->item)->ran += slice;
    runq_charge(e, slice);
  }
}

static void test_empty_and_full(void) {
  struct runq rq = {0};
  CHECK(runq_pick(&rq, is_runnable) == NULL);
  static struct item it[RUNQ_MAX + 1];
  static struct runq_entry e[RUNQ_MAX + 1];
  for (int i = 0; i < RUNQ_MAX; i++) {
    e[i] = (struct runq_entry){&it[i], RUNQ_WEIGHT_DEFAULT, 0};
    CHECK_EQ_INT(runq_add(&rq, &e[i]), 0);
  }
  e[RUNQ_MAX] = (struct runq_entry){&it[RUNQ_MAX], RUNQ_WEIGHT_DEFAULT, 0};
  CHECK_EQ_INT(runq_add(&rq, &e[RUNQ_MAX]), -1);
  CHECK(runq_pick(&rq, is_runnable) == NULL); /* none runnable */
  CHECK_EQ(runq_count_runnable(&rq, is_runnable), 0);
  struct runq_entry zero = {&it[0], 0, 0};
  struct runq rq2 = {0};
  CHECK_EQ_INT(runq_add(&rq2, &zero), -1); /* weight 0 refused */
}

static void test_round_robin_and_remove(void) {
  struct runq rq = {0};
  struct item it[3] = {{true, 0}, {true, 0}, {true, 0}};
  struct runq_entry e[3];
  for (int i = 0; i < 3; i++) {
    e[i] = (struct runq_entry){&it[i], RUNQ_WEIGHT_DEFAULT, 0};
    runq_add(&rq, &e[i]);
  }
  /* Equal weights: strict rotation in the order added. */
  for (int round = 0; round < 4; round++)
    for (int i = 0; i < 3; i++) {
      struct runq_entry *p = runq_pick(&rq, is_runnable);
      CHECK(p == &e[i]);
      runq_charge(p, 100);
    }
  it[1].runnable = false;
  CHECK_EQ(runq_count_runnable(&rq, is_runnable), 2);
  for (int i = 0; i < 6; i++) {
    struct runq_entry *p = runq_pick(&rq, is_runnable);
    CHECK(p != &e[1]);
    runq_charge(p, 100);
  }
  runq_remove(&rq, &e[0]);
  CHECK_EQ(rq.n, 2);
  CHECK(runq_pick(&rq, is_runnable) == &e[2]);
  runq_remove(&rq, &e[0]); /* not queued: no effect */
  CHECK_EQ(rq.n, 2);
}

static void test_weights(void) {
  struct runq rq = {0};
  struct item it[3] = {{true, 0}, {true, 0}, {true, 0}};
  unsigned w[3] = {1024, 2048, 512};
  struct runq_entry e[3];
  for (int i = 0; i < 3; i++) {
    e[i] = (struct runq_entry){&it[i], w[i], 0};
    runq_add(&rq, &e[i]);
  }
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
    e[i] = (struct runq_entry){&it[i], RUNQ_WEIGHT_DEFAULT, 0};
    runq_add(&rq, &e[i]);
  }
  run_slices(&rq, 8000, 50);
  for (int i = 0; i < 8; i++)
    CHECK_EQ(it[i].ran, 50000);
}

static void test_wake_credit(void) {
  struct runq rq = {0};
  struct item a = {true, 0}, b = {false, 0};
  struct runq_entry ea = {&a, RUNQ_WEIGHT_DEFAULT, 0}, eb = {&b, RUNQ_WEIGHT_DEFAULT, 0};
  runq_add(&rq, &ea);
  runq_add(&rq, &eb);
  run_slices(&rq, 100, 1000); /* b sleeps while a runs 100 slices */
  CHECK_EQ(a.ran, 100000);
  b.runnable = true;
  runq_wake(&rq, &eb, 1000);
  /* b comes back at most one slice behind: it runs once or twice, then
   * they alternate, instead of b running alone for 100 slices. */
  run_slices(&rq, 10, 1000);
  CHECK(b.ran >= 5000 && b.ran <= 6000);
  /* A new entry starts at the queue's current virtual time. */
  struct item c = {true, 0};
  struct runq_entry ec = {&c, RUNQ_WEIGHT_DEFAULT, 0};
  runq_add(&rq, &ec);
  CHECK(ec.vruntime >= ea.vruntime - 1000);
}

int main(void) {
  test_empty_and_full();
  test_round_robin_and_remove();
  test_weights();
  test_equal_shares_of_eight();
  test_wake_credit();
  return check_report("runq");
}

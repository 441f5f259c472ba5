/* Test-and-test-and-set spinlock for state shared between harts. */
#ifndef RV_SPINLOCK_H
#define RV_SPINLOCK_H

typedef struct {
  volatile int locked;
} spinlock_t;

#define SPINLOCK_INIT                                                                              \
  { 0 }

static inline void spin_lock(spinlock_t *l) {
  for (;;) {
    if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
      return;
    while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
      ;
  }
}

static inline void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

#endif

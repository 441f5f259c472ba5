/* The exit path (exit.c): every trap out of a guest is classified once, its
 * handler says what it did (an outcome), and one function acts on that
 * outcome, the only place a guest's sepc moves past a trapped instruction. */
#ifndef RV_EXIT_H
#define RV_EXIT_H
#include <stdbool.h>

struct vcpu;
struct vcpu_arch;

/* What an exit handler did, and so where the guest resumes. */
enum exit_outcome {
  EXIT_NEXT,     /* done: resume after the trapped instruction (sepc += len) */
  EXIT_BLOCKED,  /* done, and the vCPU now waits (WFI, retentive suspend):
                  * it resumes after the instruction once woken (sepc += len) */
  EXIT_RETRY,    /* nothing emulated (an interrupt): resume at the same sepc */
  EXIT_INJECTED, /* a trap was sent into the guest: it resumes at its vstvec */
  EXIT_STOPPED,  /* the vCPU stopped, or its VM stops or reboots, or it
                  * resumes elsewhere (non-retentive suspend): whoever starts
                  * it again sets sepc */
};

/* An outcome and how far it steps sepc: the length of the trapped
 * instruction (2 or 4 bytes: a compressed load or store is 2) for
 * EXIT_NEXT and EXIT_BLOCKED, 0 for the others. One word, outcome in the
 * low byte and length above it: GCC returns a one-word struct in a0, where
 * two fields would go through the stack on every exit. */
struct exit_result {
  unsigned long bits;
};

#define EXIT_LEN_SHIFT 8

/* The only constructor: len counts only for the outcomes that step (the
 * test folds away where the outcome is a constant). */
static inline struct exit_result exit_result(enum exit_outcome outcome, unsigned long len) {
  bool steps = outcome == EXIT_NEXT || outcome == EXIT_BLOCKED;
  return (struct exit_result){(unsigned long)outcome | (steps ? len : 0) << EXIT_LEN_SHIFT};
}

static inline enum exit_outcome exit_outcome(struct exit_result r) {
  return (enum exit_outcome)(r.bits & ((1UL << EXIT_LEN_SHIFT) - 1));
}

/* How far sepc steps: 0, 2 or 4. */
static inline unsigned long exit_len(struct exit_result r) { return r.bits >> EXIT_LEN_SHIFT; }

void vcpu_handle_exit(struct vcpu *v);
/* The fast paths, called by trap.S: v's vcpu_arch when the guest may resume
 * at once, NULL for the full path (marked handled if it was). */
struct vcpu_arch *vcpu_fast_exit(struct vcpu *v);
struct vcpu_arch *vcpu_fast_fault(struct vcpu *v);

#endif

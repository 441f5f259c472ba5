/* The host's PLIC: the console UART's receive interrupt, routed to the
 * boot hart's S-mode context, and the host devices' interrupts (disks),
 * routed to every hart's. */
#ifndef RV_PLIC_H
#define RV_PLIC_H
#include <stdbool.h>
#include <stdint.h>

struct dt;

/* Finds the PLIC, the boot hart's S-mode context and the stdout UART's
 * source in the FDT and enables that source. False if any is missing. */
bool plic_host_init(const struct dt *dt, unsigned long boot_hartid);
/* Claim the pending source (0 if none) and complete it. */
uint32_t plic_host_claim(void);
void plic_host_complete(uint32_t src);
uint32_t plic_host_uart_irq(void);

/* Per-hart routing, for the host's devices whose interrupts any hart may
 * take (each hart claims and completes on its own S-mode context). */
/* Find the PLIC (idempotent); false without one. */
bool plic_host_probe(const struct dt *dt);
/* The PLIC context of hart hartid's S-mode external interrupt, or -1. */
int plic_host_context_of(const struct dt *dt, unsigned long hartid);
/* Let source src interrupt context ctx (priority 1, threshold 0). */
void plic_host_enable_ctx(unsigned ctx, uint32_t src);
uint32_t plic_host_claim_ctx(unsigned ctx);
void plic_host_complete_ctx(unsigned ctx, uint32_t src);

#endif

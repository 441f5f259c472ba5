/* The host's PLIC, driven only for the console UART's receive interrupt,
 * routed to the boot hart's S-mode context. */
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

#endif

/* The emulated devices of a VM and the MMIO path to them: a PLIC at
 * 0x0c000000 (contexts = the vCPUs' S-mode external interrupts) and an
 * ns16550a UART at 0x10000000 on PLIC source 10, as on QEMU's virt. */
#ifndef RV_VDEV_H
#define RV_VDEV_H
#include "../lib/spinlock.h"
#include "vplic.h"
#include "vuart.h"
#include <stdbool.h>
#include <stdint.h>

#define VDEV_PLIC_BASE 0x0c000000UL
#define VDEV_PLIC_SOURCES 64
#define VDEV_UART_BASE 0x10000000UL
#define VDEV_UART_SIZE 0x100UL
#define VDEV_UART_IRQ 10
#define VDEV_UART_CLOCK 3686400

struct vm;
struct vcpu;

/* Guarded by lock: every access to the models, from any vCPU's hart. */
struct vdev {
  spinlock_t lock;
  bool has_uart;
  struct vplic plic;
  struct vuart uart;
  /* Console input for this VM, in the order typed, until the UART receives
   * it or SBI getchar takes it (vdev.c: which reader gets a byte). */
  uint8_t in[256];
  unsigned in_head, in_count;
  unsigned lsr_run; /* LSR reads in a row, no other UART access between */
};

void vdev_init(struct vm *vm, bool with_uart);
/* Emulate the load/store that faulted at gpa if a device claims it:
 * returns true when handled (the vCPU steps over the instruction or gets a
 * fault for a malformed access). */
bool vdev_mmio(struct vcpu *v, uint64_t gpa);
/* A byte typed on the console for this VM: it waits in the VM's input
 * queue for the first reader that asks (vdev.c). False (byte dropped) when
 * the queue is full. */
bool vdev_console_input(struct vm *vm, uint8_t byte);
/* The oldest input byte no reader has taken, for SBI getchar / DBCN read:
 * one the UART received but the guest has not read, else the queue's; or -1. */
int vdev_console_getc(struct vm *vm);

#endif

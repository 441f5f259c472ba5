/* The host's devices that any hart serves: their interrupts (claimed from
 * the host PLIC on whichever hart takes them) and the host disks given to
 * VMs (hv/backend/hostdisk.h), with the watchdog that fails the requests of
 * a disk that stops answering. */
#ifndef RV_HOSTIO_H
#define RV_HOSTIO_H
#include "../backend/hostdisk.h"
#include <stdbool.h>
#include <stdint.h>

struct dt;

/* Host interrupts: the handler of source src runs on the hart that claims
 * it (any hart, or only the boot hart with boot_only). At most
 * HOSTIRQ_MAX of them, registered by the boot hart before the VMs run. */
#define HOSTIRQ_MAX 16
bool hostirq_register(uint32_t src, bool boot_only, void (*fn)(void *ctx), void *ctx);
/* This hart took its S-mode external interrupt: claim, dispatch and
 * complete until nothing is pending. */
void hostirq_handle(void);

/* Host disks: each virtio-blk device of the host, by its slot number (QEMU
 * virt's bus=virtio-mmio-bus.N), with its GPT if it has one. Found once,
 * by the boot hart, after the boot images were read from the first disk
 * (the polled driver) and before any VM is created. */
void hostdisks_init(const void *fdt);
/* The disk in host slot `slot`, opened, or NULL (err says why). */
struct hostdisk *hostdisk_get(unsigned slot, char *err, size_t errlen);
/* Host slots that hold a disk, in slot order, at most max; how many. */
unsigned hostdisk_slots(unsigned *out, unsigned max);
/* The sectors of partition `number` (1-based) or, with number 0, of the
 * one named `name`, or of the whole disk with neither. 0, or -1 with err. */
int hostdisk_range(struct hostdisk *hd, unsigned number, const char *name, uint64_t *start,
                   uint64_t *sectors, char *err, size_t errlen);

/* VMs are created one by one; first each VM's disks are planned (so that a
 * disk's queue is shared out evenly among its ports: hostdisk_share), then
 * each one claimed: a range written by one VM overlaps no other VM's range
 * on that disk (read-only ranges may overlap each other). 0, or -1 with
 * err naming the VM that has it. */
void hostdisk_plan(unsigned slot);
int hostdisk_claim(struct hostdisk *hd, uint64_t start, uint64_t sectors, bool read_only,
                   const char *vm, char *err, size_t errlen);
unsigned hostdisk_share(const struct hostdisk *hd);

/* The boot hart's timer: when the watchdog must look next (UINT64_MAX:
 * nothing in flight), and the look. */
extern volatile uint64_t hostdisks_watch_at;
void hostdisks_watchdog(uint64_t now);

#endif

/* The core's side of a VM's devices (hv/dev/vdev.h): where the vUART's
 * bytes and the vPLIC's outputs go. Small and apart from vm.c so that the
 * host test of the MMIO path (tests/unit/test_vdev.c) links the real wiring
 * with fakes of vm_console_output() and vcpu_post(). */
#include "../backend/hostdisk.h"
#include "vm.h"

static void uart_tx(void *ctx, uint8_t byte) {
  char c = (char)byte;
  vm_console_output(ctx, &c, 1);
}

static void vcon_tx(void *ctx, const uint8_t *p, size_t n) {
  vm_console_output(ctx, (const char *)p, n);
}

/* The vPLIC's context c is vCPU c's S-mode external interrupt: its VSEIP,
 * set by its own hart when it takes REQ_EIP. */
static void eip_set(void *ctx, unsigned c, bool level) {
  struct vm *vm = ctx;
  if (c >= vm->nvcpus)
    return;
  struct vcpu *t = &vm->vcpu[c];
  __atomic_store_n(&t->eip, level, __ATOMIC_SEQ_CST);
  vcpu_post(t, REQ_EIP);
}

int vm_dev_init(struct vm *vm, bool with_uart) {
  struct vdev_host host = {.console_tx = uart_tx,
                           .console_out = vcon_tx,
                           .vcon = vm->vcon,
                           .ctx = vm,
                           .eip = {eip_set, vm, 0},
                           .ram = {vm->ram_base, vm->ram_size, (uint8_t *)vm->ram_hpa}};
  unsigned present = (with_uart ? VDEV_HAS_UART : 0) | (vm->vcon ? VDEV_HAS_VCON : 0);
  for (unsigned i = 0; i < vm->ndisks; i++) {
    const struct vm_disk *k = &vm->disk[i];
    host.disk[i] = (struct vdev_disk){
        .state = k->state,
        .be = k->port ? &k->port->be : 0,
        .ramdisk = k->port ? 0 : (uint8_t *)vm->ramdisk_hpa,
        .ramdisk_bytes = k->port ? 0 : vm->ramdisk_bytes,
        .serial = k->serial,
    };
    present |= VDEV_HAS_BLK(i);
  }
  for (unsigned i = 0; i < vm->nnics; i++) {
    const struct cfg_nic *c = &vm->nic[i].cfg;
    host.nic[i] = (struct vdev_nic_cfg){
        .state = vm->nic[i].state, .mtu = c->mtu, .any_source = c->any_source};
    for (unsigned b = 0; b < 6; b++)
      host.nic[i].mac[b] = c->mac[b];
    present |= VDEV_HAS_NIC(i);
  }
  host.now_us = vm_now_us;
  return vdev_init(&vm->dev, vm->nvcpus, present, &host);
}

/* The VM configuration: a flattened device tree (compiled by dtc from a
 * .dts, see docs/configuration.md) with one node per VM under /vms:
 *
 *   / { compatible = "rustyvisor,config";
 *       vms { web { memory = /bits/ 64 <0x80000000 0x8000000>; vcpus = <2>;
 *                   kernel = /incbin/("Image"); bootargs = "console=ttyS0"; }; }; };
 *
 * config_parse() checks the whole tree. A broken tree is one error; a VM
 * with a bad property is rejected alone (its message names the VM and the
 * property) and the others are kept. Pure: no hardware, host-testable. */
#ifndef RV_CONFIG_H
#define RV_CONFIG_H
#include "platform.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_COMPATIBLE "rustyvisor,config"
#define CFG_MAX_VMS 16
#define CFG_NAME_MAX 16 /* including the NUL */
#define CFG_VCPUS_MAX 8
#define CFG_BOOTARGS_MAX 512
#define CFG_MEM_ALIGN (2UL << 20)
#define CFG_MEM_MIN (4UL << 20)
#define CFG_GPA_LIMIT (1ULL << 41) /* Sv39x4 guest-physical space */
#define CFG_DEFAULT_MEM_BASE 0x80000000ULL
#define CFG_DEFAULT_MEM_SIZE (128ULL << 20)
#define CFG_WEIGHT_DEFAULT 100
#define CFG_WEIGHT_MAX 10000
#define CFG_RAMDISK_MAX (64ULL << 20) /* a RAM disk's image, in bytes */

/* Where an image (a VM's kernel, its initramfs) comes from. */
enum cfg_kernel { CFG_KERNEL_EMBEDDED, CFG_KERNEL_INITRD, CFG_KERNEL_DISK };

#define CFG_DEV_UART (1U << 0)
#define CFG_DEV_VCON (1U << 1) /* "virtio-console" */

/* A VM's disks: the RAM disk (if any) first, then its disk@ nodes. */
#define CFG_DISKS_MAX 4
#define CFG_SERIAL_MAX 20 /* virtio-blk GET_ID bytes */
#define CFG_PARTNAME_MAX 37

/* One disk@N node: a host disk (by host slot), whole or one partition. */
struct cfg_disk {
  unsigned host_slot;                    /* host-disk = <N>: QEMU's bus=virtio-mmio-bus.N */
  unsigned partition;                    /* partition = <N>, 1-based; 0: none */
  char partition_name[CFG_PARTNAME_MAX]; /* partition-name = "..."; "": none */
  bool read_only;
  char serial[CFG_SERIAL_MAX + 1]; /* "": rustyvisor-hostN[-pN] */
  char node[CFG_NAME_MAX];         /* its node name, for messages */
};

/* A VM's NICs (nic@N nodes): virtio-net devices, each a port of a switch. */
#define CFG_NICS_MAX 2
#define CFG_SWITCH_NAME_MAX 16 /* including the NUL */
#define CFG_NIC_SWITCH_DEFAULT "lan"

/* One nic@N node. */
struct cfg_nic {
  char sw[CFG_SWITCH_NAME_MAX]; /* switch = "name"; default "lan" */
  uint8_t mac[6];               /* mac = [..]; default config_default_mac(VM, N) */
  bool have_mac;
  uint16_t mtu;    /* mtu = <68..1500>; default 1500 */
  bool any_source; /* any-source: may send frames with other source MACs */
  unsigned unit;   /* N of nic@N (the node's place without one) */
  char node[CFG_NAME_MAX];
};

/* One VM as the configuration describes it. */
struct vm_spec {
  char name[CFG_NAME_MAX];
  uint64_t mem_base, mem_size;
  unsigned nvcpus;
  enum cfg_kernel kernel;
  const uint8_t *image; /* CFG_KERNEL_EMBEDDED: inside the blob */
  size_t image_size;
  const char *bootargs; /* inside the blob, or "" */
  unsigned devices;     /* CFG_DEV_* */
  uint32_t affinity;    /* hart indices the vCPUs may run on; 0: any */
  unsigned weight;      /* scheduling weight, 1..CFG_WEIGHT_MAX */
  bool has_initramfs;   /* it has one, from initramfs_src: */
  enum cfg_kernel initramfs_src;
  const uint8_t *initramfs; /* CFG_KERNEL_EMBEDDED: inside the blob */
  size_t initramfs_size;
  bool stats;             /* print its exit counters when it stops */
  const uint8_t *ramdisk; /* its RAM disk's image (inside the blob), or NULL */
  size_t ramdisk_size;    /* whole 512-byte sectors, 1 .. CFG_RAMDISK_MAX */
  unsigned ndisks;        /* disk@ nodes (host disks), after the RAM disk */
  struct cfg_disk disk[CFG_DISKS_MAX];
  unsigned nnics; /* nic@ nodes, in guest slot order */
  struct cfg_nic nic[CFG_NICS_MAX];
};

/* What the machine offers, for validation. */
struct cfg_limits {
  unsigned nharts;           /* harts running the hypervisor */
  uint64_t host_mem;         /* memory the VMs may have in all */
  const struct region *busy; /* guest-physical windows of the virtual devices */
  int nbusy;
  uint64_t ramdisk_max; /* largest RAM disk image in bytes; 0: CFG_RAMDISK_MAX */
};

struct hv_config {
  unsigned nvms; /* accepted VMs, in the order of the tree */
  struct vm_spec vm[CFG_MAX_VMS];
  unsigned nrejected;
};

/* Called once per problem; vm is NULL for an error of the whole tree. */
typedef void (*cfg_report_fn)(void *ctx, const char *vm, const char *msg);

/* Does the blob look like a configuration (an FDT whose root is compatible
 * with CFG_COMPATIBLE)? */
bool config_is_config(const void *blob, size_t max_size);
/* Returns 0 with every good VM in out (possibly none), or -1 when the tree
 * itself is unusable. */
int config_parse(const void *blob, size_t max_size, const struct cfg_limits *lim,
                 struct hv_config *out, cfg_report_fn report, void *ctx);
const char *config_kernel_name(enum cfg_kernel k);
/* The MAC a VM's NIC N gets without a mac property: locally administered
 * unicast (02:...), the rest a hash of the VM's name and N: stable across
 * boots and configurations. */
void config_default_mac(const char *vm, unsigned n, uint8_t mac[6]);
/* Give s (named already) one NIC on switch "lan" with its default MAC: the
 * VM of a machine without a configuration. */
void config_default_nic(struct vm_spec *s);
/* A VM with every property at its default (no name, no kernel). */
void config_spec_defaults(struct vm_spec *s);

#endif

/* Images read from the first virtio-blk disk (the seed's workflow:
 * `-drive file=my-kernel.elf` runs the user's kernel with no C to write;
 * the disk may also hold a VM's initramfs). */
#ifndef RV_DISK_H
#define RV_DISK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The disk's contents when it starts with an ELF or a Linux Image, read
 * whole into host memory on the first call and kept (reboots reload from
 * it). Returns 0; 1 when there is no disk or no kernel on it (err says
 * which); -1 on a read error. */
int disk_kernel(const void *fdt, const uint8_t **image, size_t *size, char *err, size_t errlen);
/* The disk's contents whatever they are (an initramfs), read and kept the
 * same way; its size is the disk's capacity (QEMU pads a raw file with
 * zeros to whole sectors). Returns 0; 1 when there is no disk; -1 on a read
 * error. */
int disk_contents(const void *fdt, const uint8_t **data, size_t *size, char *err, size_t errlen);

/* The slot address of the disk read whole (a kernel or an initramfs came
 * from it), or 0. */
uint64_t disk_read_base(void);

#endif

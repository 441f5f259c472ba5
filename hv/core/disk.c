#include "disk.h"
#include "../drivers/virtio_blk.h"
#include "../lib/image.h"
#include "../lib/printf.h"
#include "console.h"
#include "frame.h"

/* Boot hart only, before any VM runs. */
static struct vblk disk;
static bool looked; /* state holds what disk_kernel returns */
static int state;
static char state_err[160];
static const uint8_t *kernel;
static size_t kernel_size;

static int load(const void *fdt) {
  char *err = state_err;
  size_t errlen = sizeof(state_err);
  int r = vblk_probe_first(fdt, &disk, err, errlen);
  if (r == 1) {
    rv_snprintf(err, errlen, "no virtio-blk disk");
    return 1;
  }
  if (r < 0)
    return -1;
  uint64_t bytes = vblk_capacity_bytes(&disk);
  uint64_t head_sectors = bytes < 4096 ? bytes / VBLK_SECTOR_SIZE : 4096 / VBLK_SECTOR_SIZE;
  uint8_t *buf = (uint8_t *)(uintptr_t)frame_alloc(4096, 4096);
  if (!buf) {
    rv_snprintf(err, errlen, "disk: no memory for its first sectors");
    goto fail;
  }
  r = vblk_read(&disk, 0, buf, head_sectors, err, errlen);
  int is_kernel = r == 0 && image_is_kernel(buf, head_sectors * VBLK_SECTOR_SIZE);
  frame_free((uintptr_t)buf, 4096);
  if (r)
    goto fail;
  if (!is_kernel) {
    rv_snprintf(err, errlen, "the disk at 0x%lx holds no ELF or Linux Image",
                (unsigned long)disk.base);
    vblk_release(&disk);
    return 1;
  }
  /* Half of what is free at most: the VMs need the rest. */
  if (bytes > frame_free_bytes() / 2) {
    rv_snprintf(err, errlen, "disk of %lu MiB is too large to load (%lu MiB free)",
                (unsigned long)(bytes >> 20), (unsigned long)(frame_free_bytes() >> 20));
    goto fail;
  }
  buf = (uint8_t *)(uintptr_t)frame_alloc(bytes, 4096);
  if (!buf) {
    rv_snprintf(err, errlen, "disk: no memory for %lu bytes", (unsigned long)bytes);
    goto fail;
  }
  if (vblk_read(&disk, 0, buf, bytes / VBLK_SECTOR_SIZE, err, errlen)) {
    frame_free((uintptr_t)buf, bytes);
    goto fail;
  }
  hv_log("disk: read %lu KiB, a kernel image", (unsigned long)(bytes >> 10));
  kernel = buf;
  kernel_size = bytes;
  vblk_release(&disk); /* the hypervisor needs it no more */
  return 0;
fail:
  vblk_release(&disk);
  return -1;
}

int disk_kernel(const void *fdt, const uint8_t **image, size_t *size, char *err, size_t errlen) {
  if (!looked)
    state = load(fdt);
  looked = true;
  if (state == 0) {
    *image = kernel;
    *size = kernel_size;
  } else {
    rv_snprintf(err, errlen, "%s", state_err);
  }
  return state;
}

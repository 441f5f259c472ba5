#include "disk.h"
#include "../drivers/virtio_blk.h"
#include "../lib/image.h"
#include "../lib/printf.h"
#include "console.h"
#include "frame.h"
#include "platform.h"

/* Boot hart only, before any VM runs. The disk is probed once (its first
 * sectors tell a kernel from data) and read whole at most once. */
static struct vblk disk;

/* What the driver gets from the core (hv/drivers/ includes nothing of it). */
static struct vblk_host disk_host = {
    .alloc = frame_alloc, .free = frame_free, .log = hv_log, .timebase = 0};
static bool probed;
static int probe_state; /* 0: a disk is there (is_kernel says what), 1: none, -1: error */
static bool is_kernel;
static bool read_done;
static int read_state;
static char probe_err[160], read_err[160];
static const uint8_t *contents;
static size_t contents_size;

/* Find the first disk and read its first sectors, which tell a kernel
 * from data; the device stays claimed for read_whole() (released on an
 * error). 0, 1 (no disk) or -1, with probe_err. */
static int probe(const void *fdt) {
  char *err = probe_err;
  size_t errlen = sizeof(probe_err);
  disk_host.timebase = plat.timebase;
  int r = vblk_probe_first(fdt, &disk_host, &disk, err, errlen);
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
    vblk_release(&disk);
    return -1;
  }
  r = vblk_read(&disk, 0, buf, head_sectors, err, errlen);
  is_kernel = r == 0 && image_is_kernel(buf, head_sectors * VBLK_SECTOR_SIZE);
  frame_free((uintptr_t)buf, 4096);
  if (r) {
    vblk_release(&disk);
    return -1;
  }
  return 0;
}

/* Read the probed disk whole, then let it go. */
static int read_whole(void) {
  char *err = read_err;
  size_t errlen = sizeof(read_err);
  uint64_t bytes = vblk_capacity_bytes(&disk);
  /* Half of what is free at most: the VMs need the rest. */
  if (bytes > frame_free_bytes() / 2) {
    rv_snprintf(err, errlen, "disk of %lu MiB is too large to load (%lu MiB free)",
                (unsigned long)(bytes >> 20), (unsigned long)(frame_free_bytes() >> 20));
    goto fail;
  }
  uint8_t *buf = (uint8_t *)(uintptr_t)frame_alloc(bytes, 4096);
  if (!buf) {
    rv_snprintf(err, errlen, "disk: no memory for %lu bytes", (unsigned long)bytes);
    goto fail;
  }
  if (vblk_read(&disk, 0, buf, bytes / VBLK_SECTOR_SIZE, err, errlen)) {
    frame_free((uintptr_t)buf, bytes);
    goto fail;
  }
  hv_log("disk: read %lu KiB, %s", (unsigned long)(bytes >> 10),
         is_kernel ? "a kernel image" : "data (no ELF or Linux Image)");
  contents = buf;
  contents_size = bytes;
  vblk_release(&disk); /* the hypervisor needs it no more */
  return 0;
fail:
  vblk_release(&disk);
  return -1;
}

/* The disk read whole, probing it first if nobody has; kernel_only: only
 * if it holds a kernel. */
static int get(const void *fdt, bool kernel_only, const uint8_t **data, size_t *size, char *err,
               size_t errlen) {
  if (!probed)
    probe_state = probe(fdt);
  probed = true;
  if (probe_state) {
    rv_snprintf(err, errlen, "%s", probe_err);
    return probe_state;
  }
  if (kernel_only && !is_kernel) {
    rv_snprintf(err, errlen, "the disk at 0x%lx holds no ELF or Linux Image",
                (unsigned long)disk.base);
    return 1;
  }
  if (!read_done)
    read_state = read_whole();
  read_done = true;
  if (read_state) {
    rv_snprintf(err, errlen, "%s", read_err);
    return -1;
  }
  *data = contents;
  *size = contents_size;
  return 0;
}

uint64_t disk_read_base(void) { return read_done && !read_state ? disk.base : 0; }

int disk_kernel(const void *fdt, const uint8_t **image, size_t *size, char *err, size_t errlen) {
  return get(fdt, true, image, size, err, errlen);
}

int disk_contents(const void *fdt, const uint8_t **data, size_t *size, char *err, size_t errlen) {
  return get(fdt, false, data, size, err, errlen);
}

/*
 * rvinit: the /init of rustyvisor's Linux guest (static, riscv64-linux-gnu).
 *
 * Prints what the guest sees, one "rvinit: " line each, so that a boot test can
 * check it: uptime at init, CPUs online, the ISA string from the device tree,
 * the virtio devices, a deterministic compute checksum and how long it took.
 * With rvinit.read on the kernel command line it then reads one line from
 * its console (the boot tests type it while the kernel boots) and prints it.
 * With rv.disk=<mode> it works on a virtio disk instead of the compute loop
 * (see disk_main below): check, reboot and bench (an ext4 file system, a
 * reboot that keeps what was written, the disk benchmark).
 * Then powers off through reboot(RB_POWER_OFF) (SBI SRST on RISC-V).
 * Anything unexpected prints "FAILED: <what>", which boot tests fail on.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "diskutil.h"

/* Compute loop size: about 1-3 s under QEMU TCG. Changing it changes the checksum. */
#define COMPUTE_ITERATIONS 300000000u
#define COMPUTE_TABLE_WORDS (1u << 18) /* 1 MiB: touches 256 pages */

static int failures;

/* Writes one line to the console unbuffered, so lines survive a crash or power-off. */
static void say(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n > sizeof(line) - 2)
    n = sizeof(line) - 2;
  line[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(STDOUT_FILENO, line + off, (size_t)(n - off));
    if (w <= 0 && errno != EINTR)
      return;
    if (w > 0)
      off += (int)w;
  }
}

#define fail(...)                                                                                  \
  do {                                                                                             \
    failures++;                                                                                    \
    say("FAILED: " __VA_ARGS__);                                                                   \
  } while (0)

/* Reads a whole small file into buf (NUL-terminated); returns its length or -1. */
static ssize_t read_file(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t len = 0;
  while (len < size - 1) {
    ssize_t r = read(fd, buf + len, size - 1 - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    len += (size_t)r;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

static void strip_trailing(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
    s[--n] = '\0';
}

static void mount_fs(const char *type, const char *dir) {
  mkdir(dir, 0755);
  if (mount(type, dir, type, 0, NULL) != 0 && errno != EBUSY)
    fail("mount %s on %s: %s", type, dir, strerror(errno));
}

static void report_uptime(void) {
  char buf[128];
  if (read_file("/proc/uptime", buf, sizeof(buf)) <= 0) {
    fail("read /proc/uptime: %s", strerror(errno));
    return;
  }
  char *space = strchr(buf, ' ');
  if (space)
    *space = '\0';
  say("rvinit: uptime at init %s", buf);
}

/*
 * The time CSR counts from machine reset at the DT's timebase-frequency, so this is the time from
 * reset to init. Unlike /proc/uptime it does not depend on when the kernel switched away from
 * the jiffies clocksource (jiffies lag when a loaded host delays timer ticks under TCG).
 */
static void report_time_since_reset(void) {
  static const char path[] = "/proc/device-tree/cpus/timebase-frequency";
  unsigned char be[8];
  ssize_t len = -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    len = read(fd, be, sizeof(be));
    close(fd);
  }
  if (len != 4 && len != 8) {
    say("rvinit: time since reset unknown (no %s)", path);
    return;
  }
  uint64_t hz = 0;
  for (ssize_t i = 0; i < len; i++)
    hz = hz << 8 | be[i];
  uint64_t ticks;
  __asm__ volatile("rdtime %0" : "=r"(ticks));
  if (hz == 0) {
    fail("%s is 0", path);
    return;
  }
  say("rvinit: time since reset %" PRIu64 ".%03" PRIu64 " s (timebase %" PRIu64 " Hz)", ticks / hz,
      ticks % hz * 1000 / hz, hz);
}

static void report_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  char online[64] = "";
  if (read_file("/sys/devices/system/cpu/online", online, sizeof(online)) <= 0)
    fail("read /sys/devices/system/cpu/online: %s", strerror(errno));
  strip_trailing(online);
  if (n < 1)
    fail("sysconf(_SC_NPROCESSORS_ONLN) = %ld", n);
  say("rvinit: cpus online %ld (%s)", n, online);
}

static void report_isa(void) {
  static const char *const paths[] = {
      "/proc/device-tree/cpus/cpu@0/riscv,isa",
      "/sys/firmware/devicetree/base/cpus/cpu@0/riscv,isa",
  };
  char isa[256];
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    if (read_file(paths[i], isa, sizeof(isa)) > 0) {
      strip_trailing(isa);
      say("rvinit: riscv,isa %s", isa);
      return;
    }
  }
  say("rvinit: riscv,isa unknown");
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  /* virtio2 before virtio10 */
  size_t la = strlen((*a)->d_name), lb = strlen((*b)->d_name);
  return la != lb ? (la < lb ? -1 : 1) : strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d) { return d->d_name[0] != '.'; }

/* One line per device on the virtio bus: its device id and bound driver. */
static void report_virtio(void) {
  static const char bus[] = "/sys/bus/virtio/devices";
  struct dirent **list;
  int n = scandir(bus, &list, not_dot, by_name);
  if (n < 0) {
    fail("scandir %s: %s", bus, strerror(errno));
    return;
  }
  say("rvinit: virtio devices %d", n);
  for (int i = 0; i < n; i++) {
    char path[320], id[32] = "", driver[256];
    snprintf(path, sizeof(path), "%s/%s/device", bus, list[i]->d_name);
    if (read_file(path, id, sizeof(id)) <= 0)
      fail("read %s: %s", path, strerror(errno));
    strip_trailing(id);
    snprintf(path, sizeof(path), "%s/%s/driver", bus, list[i]->d_name);
    ssize_t len = readlink(path, driver, sizeof(driver) - 1);
    const char *drv = "none";
    if (len > 0) {
      driver[len] = '\0';
      const char *slash = strrchr(driver, '/');
      drv = slash ? slash + 1 : driver;
    }
    say("rvinit: virtio %s device %s driver %s", list[i]->d_name, id, drv);
    free(list[i]);
  }
  free(list);
}

static uint32_t table[COMPUTE_TABLE_WORDS];

/*
 * A fixed integer workload: an LCG drives read-modify-writes scattered over a
 * 1 MiB table, folded into a 64-bit checksum. Deterministic by construction.
 */
static uint64_t compute(void) {
  uint64_t x = 0x2545f4914f6cdd1dull, sum = 0;
  for (uint32_t i = 0; i < COMPUTE_ITERATIONS; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t idx = (uint32_t)(x >> 40) & (COMPUTE_TABLE_WORDS - 1);
    table[idx] += (uint32_t)(x >> 16) ^ i;
    sum = (sum << 5 | sum >> 59) ^ table[idx];
  }
  for (uint32_t i = 0; i < COMPUTE_TABLE_WORDS; i++)
    sum = sum * 31 + table[i];
  return sum;
}

static double now_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    fail("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void report_compute(void) {
  double t0 = now_ms();
  uint64_t sum = compute();
  double t1 = now_ms();
  say("rvinit: compute result %016" PRIx64 " in %.0f ms", sum, t1 - t0);
}

/* rvinit.read on /proc/cmdline: read one line from the console (fd 0, the
 * tty in canonical mode) within 60 s and print it, so that a boot test can
 * check that keys typed at any time during boot arrive, whole and once. */
static void read_console_line(void) {
  char cmdline[1024];
  if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0 || !strstr(cmdline, "rvinit.read"))
    return;
  say("rvinit: reading a line from the console");
  char line[128];
  size_t n = 0;
  while (n < sizeof(line) - 1) {
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    int r = poll(&p, 1, 60000);
    if (r == 0) {
      fail("no line on the console within 60 s (got '%.*s')", (int)n, line);
      return;
    }
    if (r < 0 && errno == EINTR)
      continue;
    ssize_t got = r < 0 ? -1 : read(STDIN_FILENO, line + n, sizeof(line) - 1 - n);
    if (got <= 0) {
      fail("reading the console: %s", got < 0 ? strerror(errno) : "end of file");
      return;
    }
    n += (size_t)got;
    if (memchr(line, '\n', n))
      break;
  }
  line[n] = '\0';
  strip_trailing(line);
  say("rvinit: console line '%s'", line);
}

/* ---- rv.disk=<mode>: a virtio disk ---------------------------------------------------------
 *
 * rv.disk=check   mount /dev/<dev> (rv.disk.dev, default vda) as ext4, check the SHA-256 of
 *                 /known.bin against rv.disk.sha256, write /newfile (rv.disk.tag's pattern,
 *                 NEWFILE_BYTES), fsync it and the directory, unmount, mount again read-only
 *                 and read it back from the disk, unmount, power off. The host then reads
 *                 /newfile out of the image (debugfs) and compares.
 * rv.disk=reboot  the same mount and /known.bin check; no /reboot.bin: write it (pattern of
 *                 rv.disk.tag), fsync, unmount and reboot; /reboot.bin there: check it holds
 *                 what the first boot wrote and power off.
 * rv.disk=bench   the raw /dev/<dev> (rv.disk.dev): 1 MiB O_DIRECT sequential reads over
 *                 rv.disk.mib MiB, 4 KiB O_DIRECT random reads at queue depth 1 and 32 (native
 *                 AIO: io_setup/io_submit/io_getevents through syscall(2)), 1 MiB O_DIRECT
 *                 sequential writes followed by fsync (it overwrites the disk). One line each:
 *                 "rvinit: bench: <name> <figure> <unit> (...)", timed with CLOCK_MONOTONIC,
 *                 with the requests the disk completed (/sys/block/<dev>/stat) and the
 *                 interrupts the guest took on its virtio lines (/proc/interrupts).
 * rv.disk=idle    nothing: the boot alone, the baseline of the hypervisor's exit counters.
 */

#define NEWFILE_BYTES 300001u    /* not whole blocks or pages, on purpose */
#define DISK_MAX_FILE (2u << 20) /* the largest file the check modes read */
#define MNT "/mnt"

static char cmdline[4096];

/* The value of key=value on the kernel command line, copied into out; NULL if absent. */
static const char *cmdline_get(const char *key, char *out, size_t size) {
  return cmdline_find(cmdline, key, out, size);
}

static unsigned long cmdline_ulong(const char *key, unsigned long dflt) {
  char buf[32];
  if (!cmdline_get(key, buf, sizeof(buf)))
    return dflt;
  char *end;
  errno = 0;
  unsigned long v = strtoul(buf, &end, 0);
  if (errno || *end || end == buf) {
    fail("%s=%s: not a number", key, buf);
    return dflt;
  }
  return v;
}

static unsigned char file_buf[DISK_MAX_FILE], want_buf[DISK_MAX_FILE];

/* Reads a whole file (at most DISK_MAX_FILE bytes) into file_buf; its length, or -1. */
static ssize_t disk_read_file(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd, file_buf + len, sizeof(file_buf) - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      fail("read %s: %s", path, strerror(errno));
      close(fd);
      return -1;
    }
    if (r == 0 || (len += (size_t)r) == sizeof(file_buf))
      break;
  }
  close(fd);
  return (ssize_t)len;
}

/* Waits for the kernel to create /dev/<dev> (virtio-blk probes before init, but its partition
 * scan may still run): up to 10 s, checked every 10 ms. */
static int disk_wait(const char *dev) {
  char path[64];
  snprintf(path, sizeof(path), "/dev/%s", dev);
  for (int i = 0; i < 1000; i++) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISBLK(st.st_mode))
      return 0;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  fail("no block device %s after 10 s", path);
  return -1;
}

static int disk_mount(const char *dev, unsigned long flags) {
  char path[64];
  snprintf(path, sizeof(path), "/dev/%s", dev);
  mkdir(MNT, 0755);
  if (mount(path, MNT, "ext4", flags, NULL) != 0) {
    fail("mount %s on " MNT " as ext4: %s", path, strerror(errno));
    return -1;
  }
  say("rvinit: disk: %s mounted ext4%s", path, flags & MS_RDONLY ? " read-only" : "");
  return 0;
}

static int disk_umount(void) {
  if (umount(MNT) != 0) {
    fail("umount " MNT ": %s", strerror(errno));
    return -1;
  }
  return 0;
}

/* /known.bin's SHA-256 must be rv.disk.sha256's. */
static int disk_check_known(void) {
  char want[80];
  if (!cmdline_get("rv.disk.sha256", want, sizeof(want))) {
    fail("rv.disk needs rv.disk.sha256=<the SHA-256 of /known.bin>");
    return -1;
  }
  ssize_t n = disk_read_file(MNT "/known.bin");
  if (n < 0) {
    fail("open " MNT "/known.bin: %s", strerror(errno));
    return -1;
  }
  struct sha256 c;
  char hex[65];
  sha256_init(&c);
  sha256_update(&c, file_buf, (size_t)n);
  sha256_hex(&c, hex);
  if (strcmp(hex, want)) {
    fail("/known.bin (%zd bytes) has sha256 %s, want %s", n, hex, want);
    return -1;
  }
  say("rvinit: disk: /known.bin sha256 %s (%zd bytes): as expected", hex, n);
  return 0;
}

/* Writes <size> bytes of <tag>'s pattern to path, then fsyncs the file and its directory. */
static int disk_write_file(const char *path, uint64_t tag, size_t size) {
  pattern_fill(tag, want_buf, size);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail("create %s: %s", path, strerror(errno));
    return -1;
  }
  for (size_t off = 0; off < size;) {
    size_t chunk = size - off < 65536 ? size - off : 65536; /* several writes, a partial end */
    ssize_t w = write(fd, want_buf + off, chunk);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      fail("write %s: %s", path, w < 0 ? strerror(errno) : "wrote nothing");
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fail("fsync/close %s: %s", path, strerror(errno));
    return -1;
  }
  int dir = open(MNT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || fsync(dir) != 0) {
    fail("fsync " MNT ": %s", strerror(errno));
    if (dir >= 0)
      close(dir);
    return -1;
  }
  close(dir);
  return 0;
}

/* path must hold exactly <size> bytes of <tag>'s pattern. */
static int disk_check_file(const char *path, uint64_t tag, size_t size) {
  ssize_t n = disk_read_file(path);
  if (n < 0) {
    fail("open %s: %s", path, strerror(errno));
    return -1;
  }
  pattern_fill(tag, want_buf, size);
  if ((size_t)n != size) {
    fail("%s has %zd bytes, want %zu", path, n, size);
    return -1;
  }
  for (size_t i = 0; i < size; i++)
    if (file_buf[i] != want_buf[i]) {
      fail("%s differs at byte %zu: 0x%02x, want 0x%02x", path, i, file_buf[i], want_buf[i]);
      return -1;
    }
  return 0;
}

static void disk_check(const char *dev) {
  uint64_t tag = cmdline_ulong("rv.disk.tag", 1);
  if (disk_mount(dev, 0) || disk_check_known())
    return;
  if (disk_write_file(MNT "/newfile", tag, NEWFILE_BYTES))
    return;
  say("rvinit: disk: wrote /newfile (%u bytes, tag %" PRIu64 "), fsynced", NEWFILE_BYTES, tag);
  if (disk_umount())
    return;
  say("rvinit: disk: unmounted");
  /* Mounted again, /newfile's pages are gone from the cache: this reads the disk. */
  if (disk_mount(dev, MS_RDONLY) || disk_check_file(MNT "/newfile", tag, NEWFILE_BYTES))
    return;
  say("rvinit: disk: /newfile read back after the remount: as written");
  if (!disk_umount())
    say("rvinit: disk: check done");
}

static void disk_reboot(const char *dev) {
  uint64_t tag = cmdline_ulong("rv.disk.tag", 1);
  if (disk_mount(dev, 0) || disk_check_known())
    return;
  struct stat st;
  if (stat(MNT "/reboot.bin", &st) != 0) {
    if (disk_write_file(MNT "/reboot.bin", tag, NEWFILE_BYTES) || disk_umount())
      return;
    say("rvinit: disk: no /reboot.bin: wrote it (%u bytes, tag %" PRIu64 "), fsynced, rebooting",
        NEWFILE_BYTES, tag);
    sync();
    reboot(RB_AUTOBOOT);
    fail("reboot(RB_AUTOBOOT): %s", strerror(errno));
    return;
  }
  if (disk_check_file(MNT "/reboot.bin", tag, NEWFILE_BYTES))
    return;
  say("rvinit: disk: /reboot.bin found after the reboot: as written (tag %" PRIu64 ")", tag);
  if (!disk_umount())
    say("rvinit: disk: reboot check done");
}

/* Requests the disk completed (reads, writes, discards, flushes: /sys/block/<dev>/stat, see
 * Documentation/block/stat.rst) and interrupts taken on lines named virtio (/proc/interrupts). */
struct disk_counts {
  unsigned long long requests, irqs;
};

static void disk_counts_get(const char *dev, struct disk_counts *c) {
  char path[64], buf[4096];
  unsigned long long f[17] = {0};
  snprintf(path, sizeof(path), "/sys/block/%s/stat", dev);
  c->requests = c->irqs = 0;
  if (read_file(path, buf, sizeof(buf)) <= 0) {
    fail("read %s: %s", path, strerror(errno));
    return;
  }
  char *p = buf;
  for (int i = 0; i < 17; i++) {
    char *end;
    f[i] = strtoull(p, &end, 10);
    if (end == p)
      break;
    p = end;
  }
  c->requests = f[0] + f[4] + f[11] + f[15];
  if (read_file("/proc/interrupts", buf, sizeof(buf)) <= 0) {
    fail("read /proc/interrupts: %s", strerror(errno));
    return;
  }
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strstr(line, "virtio"))
      continue;
    char *q = strchr(line, ':');
    while (q) { /* one count per CPU column, then the chip and name */
      char *end;
      unsigned long long v = strtoull(q + 1, &end, 10);
      if (end == q + 1)
        break;
      c->irqs += v;
      q = end;
    }
  }
}

#define BENCH_SEQ_BLOCK (1u << 20)
#define BENCH_RAND_BLOCK 4096u
#define BENCH_QD 32u

static unsigned char *bench_buf; /* BENCH_SEQ_BLOCK * ... aligned for O_DIRECT */

static long io_setup_(unsigned nr, aio_context_t *ctx) { return syscall(SYS_io_setup, nr, ctx); }
static long io_destroy_(aio_context_t ctx) { return syscall(SYS_io_destroy, ctx); }
static long io_submit_(aio_context_t ctx, long n, struct iocb **iocbs) {
  return syscall(SYS_io_submit, ctx, n, iocbs);
}
static long io_getevents_(aio_context_t ctx, long min, long max, struct io_event *ev) {
  return syscall(SYS_io_getevents, ctx, min, max, ev, NULL);
}

/* A random 4 KiB-aligned offset below span (an LCG: the same sequence every run). */
static uint64_t bench_offset(uint64_t *x, uint64_t span) {
  *x = *x * 6364136223846793005ull + 1442695040888963407ull;
  return (*x >> 20) % (span / BENCH_RAND_BLOCK) * BENCH_RAND_BLOCK;
}

static void bench_report(const char *name, double figure, const char *unit, unsigned long ops,
                         double ms, const struct disk_counts *a, const struct disk_counts *b) {
  say("rvinit: bench: %s %.1f %s (%lu ops in %.0f ms, %llu requests, %llu interrupts)", name,
      figure, unit, ops, ms, b->requests - a->requests, b->irqs - a->irqs);
}

/* Sequential 1 MiB O_DIRECT reads (write=0) or writes + fsync (write=1) over span bytes. */
static int bench_seq(int fd, const char *dev, uint64_t span, int write_) {
  struct disk_counts a, b;
  unsigned long ops = 0;
  disk_counts_get(dev, &a);
  double t0 = now_ms();
  for (uint64_t off = 0; off < span; off += BENCH_SEQ_BLOCK, ops++) {
    ssize_t r = write_ ? pwrite(fd, bench_buf, BENCH_SEQ_BLOCK, (off_t)off)
                       : pread(fd, bench_buf, BENCH_SEQ_BLOCK, (off_t)off);
    if (r != (ssize_t)BENCH_SEQ_BLOCK) {
      fail("bench: %s at %" PRIu64 ": %s", write_ ? "pwrite" : "pread", off,
           r < 0 ? strerror(errno) : "short");
      return -1;
    }
  }
  if (write_ && fsync(fd) != 0) {
    fail("bench: fsync: %s", strerror(errno));
    return -1;
  }
  double ms = now_ms() - t0;
  disk_counts_get(dev, &b);
  bench_report(write_ ? "seqwrite-1m-fsync" : "seqread-1m", (double)span / 1e3 / ms, "MB/s", ops,
               ms, &a, &b);
  return 0;
}

/* n random 4 KiB O_DIRECT reads with qd in flight, through the native AIO syscalls (qd 1 too,
 * so both depths take the same path). */
static int bench_rand(int fd, const char *dev, uint64_t span, unsigned long n, unsigned qd) {
  static struct iocb cbs[BENCH_QD];
  static struct iocb *ptrs[BENCH_QD];
  static struct io_event ev[BENCH_QD];
  aio_context_t ctx = 0;
  if (io_setup_(qd, &ctx) != 0) {
    fail("bench: io_setup(%u): %s", qd, strerror(errno));
    return -1;
  }
  struct disk_counts a, b;
  uint64_t x = 0x5eed0000u + qd;
  unsigned long submitted = 0, done = 0;
  int ret = -1;
  disk_counts_get(dev, &a);
  double t0 = now_ms();
  /* Fill the queue, then put one request back for each that completes. */
  unsigned free_slots[BENCH_QD], nfree = qd;
  for (unsigned i = 0; i < qd; i++)
    free_slots[i] = qd - 1 - i;
  while (done < n) {
    long batch = 0;
    while (nfree && submitted < n) {
      unsigned s = free_slots[--nfree];
      memset(&cbs[s], 0, sizeof(cbs[s]));
      cbs[s].aio_fildes = (uint32_t)fd;
      cbs[s].aio_lio_opcode = IOCB_CMD_PREAD;
      cbs[s].aio_buf = (uint64_t)(uintptr_t)(bench_buf + (size_t)s * BENCH_RAND_BLOCK);
      cbs[s].aio_nbytes = BENCH_RAND_BLOCK;
      cbs[s].aio_offset = (int64_t)bench_offset(&x, span);
      cbs[s].aio_data = s;
      ptrs[batch++] = &cbs[s];
      submitted++;
    }
    if (batch && io_submit_(ctx, batch, ptrs) != batch) {
      fail("bench: io_submit of %ld: %s", batch, strerror(errno));
      goto out;
    }
    long got = io_getevents_(ctx, 1, qd, ev);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      fail("bench: io_getevents: %s", got < 0 ? strerror(errno) : "none");
      goto out;
    }
    for (long i = 0; i < got; i++) {
      if (ev[i].res != BENCH_RAND_BLOCK) {
        fail("bench: random read: result %lld", (long long)ev[i].res);
        goto out;
      }
      free_slots[nfree++] = (unsigned)ev[i].data;
    }
    done += (unsigned long)got;
  }
  double ms = now_ms() - t0;
  disk_counts_get(dev, &b);
  char name[32];
  snprintf(name, sizeof(name), "randread-4k-qd%u", qd);
  bench_report(name, (double)n * 1000.0 / ms, "IOPS", n, ms, &a, &b);
  ret = 0;
out:
  io_destroy_(ctx);
  return ret;
}

static void disk_bench(const char *dev) {
  char path[64];
  snprintf(path, sizeof(path), "/dev/%s", dev);
  int fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
  if (fd < 0) {
    fail("bench: open %s O_DIRECT: %s", path, strerror(errno));
    return;
  }
  uint64_t bytes = 0;
  if (ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
    fail("bench: BLKGETSIZE64 %s: %s", path, strerror(errno));
    close(fd);
    return;
  }
  uint64_t span = (uint64_t)cmdline_ulong("rv.disk.mib", 64) << 20;
  if (span > bytes)
    span = bytes & ~(uint64_t)(BENCH_SEQ_BLOCK - 1);
  unsigned long qd1 = cmdline_ulong("rv.disk.qd1", 2000);
  unsigned long qd32 = cmdline_ulong("rv.disk.qd32", 8000);
  if (!span || !qd1 || !qd32) {
    fail("bench: %s: %" PRIu64 " bytes, nothing to measure", path, bytes);
    close(fd);
    return;
  }
  bench_buf = aligned_alloc(4096, BENCH_SEQ_BLOCK);
  if (!bench_buf) {
    fail("bench: no memory for the buffer");
    close(fd);
    return;
  }
  say("rvinit: bench: %s, %" PRIu64 " bytes, measuring %" PRIu64 " MiB", path, bytes, span >> 20);
  if (!bench_seq(fd, dev, span, 0) && !bench_rand(fd, dev, span, qd1, 1) &&
      !bench_rand(fd, dev, span, qd32, BENCH_QD) && !bench_seq(fd, dev, span, 1))
    say("rvinit: bench: done");
  free(bench_buf);
  close(fd);
}

/* rv.disk=<mode>: returns 1 when it ran one (the compute loop is then left out). */
static int disk_main(void) {
  char mode[16], dev[32];
  if (!cmdline_get("rv.disk", mode, sizeof(mode)))
    return 0;
  if (!cmdline_get("rv.disk.dev", dev, sizeof(dev)))
    snprintf(dev, sizeof(dev), "vda");
  if (strchr(dev, '/') || !strcmp(dev, "..")) {
    fail("rv.disk.dev=%s: want a name in /dev such as vda", dev);
    return 1;
  }
  if (strcmp(mode, "idle") && disk_wait(dev))
    return 1;
  if (!strcmp(mode, "check"))
    disk_check(dev);
  else if (!strcmp(mode, "reboot"))
    disk_reboot(dev);
  else if (!strcmp(mode, "bench"))
    disk_bench(dev);
  else if (!strcmp(mode, "idle"))
    say("rvinit: disk: idle");
  else
    fail("rv.disk=%s: not check, reboot, bench or idle", mode);
  return 1;
}

int main(void) {
  say("rvinit: started");
  mount_fs("proc", "/proc");
  mount_fs("sysfs", "/sys");
  mount_fs("devtmpfs", "/dev");
  report_uptime();
  report_time_since_reset();

  struct utsname u;
  if (uname(&u) == 0)
    say("rvinit: kernel %s %s", u.release, u.machine);
  else
    fail("uname: %s", strerror(errno));

  report_cpus();
  report_isa();
  report_virtio();
  if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
    fail("read /proc/cmdline: %s", strerror(errno));
  if (!disk_main())
    report_compute();
  read_console_line();

  if (failures)
    say("rvinit: %d check(s) failed", failures);
  say("rvinit: powering off");
  sync();
  reboot(RB_POWER_OFF);
  fail("reboot(RB_POWER_OFF): %s", strerror(errno));
  for (;;)
    pause();
}

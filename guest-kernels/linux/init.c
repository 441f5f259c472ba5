/*
 * rvinit: the /init of rustyvisor's Linux guest (static, riscv64-linux-gnu).
 *
 * Prints what the guest sees, one "rvinit: " line each, so that a boot test can
 * check it: uptime at init, CPUs online, the ISA string from the device tree,
 * the virtio devices, a deterministic compute checksum and how long it took.
 * With rvinit.read on the kernel command line it then reads one line from
 * its console (the boot tests type it while the kernel boots) and prints it.
 * Then powers off through reboot(RB_POWER_OFF) (SBI SRST on RISC-V).
 * Anything unexpected prints "FAILED: <what>", which boot tests fail on.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

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

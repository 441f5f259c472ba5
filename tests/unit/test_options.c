/* Host tests of the run-time options parser (hv/core/options.c). */
#include "check.h"
#include "hv/core/options.h"
#include <stdlib.h>

static struct hv_options opt;
static char err[200];

static int parse(const char *s) {
  strcpy(err, "<untouched>");
  memset(&opt, 0x5A, sizeof(opt)); /* the parser must reset every field */
  return options_parse(s, &opt, err, sizeof(err));
}

/* A rejected string: -1, and the message mentions `mention`. */
static void check_rejected(const char *s, const char *mention, const char *file, int line) {
  int r = parse(s);
  if (!check_result(r == -1, file, line))
    fprintf(stderr, "options_parse(\"%s\") returned %d, expected -1\n", s, r);
  if (!check_result(strstr(err, mention) != NULL, file, line))
    fprintf(stderr, "options_parse(\"%s\"): error \"%s\" does not mention \"%s\"\n", s, err,
            mention);
}
#define REJECTED(s, mention) check_rejected((s), (mention), __FILE__, __LINE__)

static void test_accepted(void) {
  CHECK_EQ_INT(parse(""), 0);
  CHECK_EQ(opt.mem, 0);
  CHECK_EQ(opt.vcpus, 0);
  CHECK_EQ_INT(opt.have_guest_args, 0);
  CHECK_STR(opt.guest_args, "");
  CHECK_EQ_INT(parse(NULL), 0);
  CHECK_EQ(opt.mem, 0);
  CHECK_EQ_INT(opt.have_guest_args, 0);
  CHECK_EQ_INT(parse("   \t "), 0);
  CHECK_EQ(opt.mem, 0);

  CHECK_EQ_INT(parse("mem=64M"), 0);
  CHECK_EQ(opt.mem, 64ULL << 20);
  CHECK_EQ(opt.vcpus, 0);
  CHECK_EQ_INT(opt.have_guest_args, 0);
  CHECK_EQ_INT(parse("mem=64m"), 0);
  CHECK_EQ(opt.mem, 64ULL << 20);
  CHECK_EQ_INT(parse("mem=2G"), 0);
  CHECK_EQ(opt.mem, 2ULL << 30);
  CHECK_EQ_INT(parse("mem=64G"), 0); /* the maximum */
  CHECK_EQ(opt.mem, 64ULL << 30);
  CHECK_EQ_INT(parse("mem=4M"), 0); /* the minimum */
  CHECK_EQ(opt.mem, 4ULL << 20);
  CHECK_EQ_INT(parse("mem=4194304"), 0); /* bytes */
  CHECK_EQ(opt.mem, 4ULL << 20);
  CHECK_EQ_INT(parse("mem=6144k"), 0);
  CHECK_EQ(opt.mem, 6ULL << 20);
  CHECK_EQ_INT(parse("mem=0064M"), 0);
  CHECK_EQ(opt.mem, 64ULL << 20);

  CHECK_EQ_INT(parse("vcpus=1"), 0);
  CHECK_EQ(opt.vcpus, 1);
  CHECK_EQ_INT(parse("vcpus=8"), 0);
  CHECK_EQ(opt.vcpus, OPT_VCPUS_MAX);
  CHECK_EQ(opt.mem, 0);

  CHECK_EQ_INT(parse("  mem=128M\tvcpus=2  "), 0);
  CHECK_EQ(opt.mem, 128ULL << 20);
  CHECK_EQ(opt.vcpus, 2);
  CHECK_EQ_INT(opt.have_guest_args, 0);
}

static void test_guest_args(void) {
  CHECK_EQ_INT(parse("mem=64M -- console=hvc0 earlycon=sbi"), 0);
  CHECK_EQ(opt.mem, 64ULL << 20);
  CHECK_EQ_INT(opt.have_guest_args, 1);
  CHECK_STR(opt.guest_args, "console=hvc0 earlycon=sbi");
  /* Only the guest's arguments; surrounding blanks trimmed, inner ones kept. */
  CHECK_EQ_INT(parse("--   root=/dev/vda  ro \t "), 0);
  CHECK_EQ(opt.mem, 0);
  CHECK_EQ(opt.vcpus, 0);
  CHECK_EQ_INT(opt.have_guest_args, 1);
  CHECK_STR(opt.guest_args, "root=/dev/vda  ro");
  /* Whatever follows -- is the guest's, even our own option names or garbage. */
  CHECK_EQ_INT(parse("vcpus=2 -- mem=128M vcpus=9 -- bogus"), 0);
  CHECK_EQ(opt.vcpus, 2);
  CHECK_EQ(opt.mem, 0);
  CHECK_STR(opt.guest_args, "mem=128M vcpus=9 -- bogus");
  /* An empty guest command line is still given. */
  CHECK_EQ_INT(parse("--"), 0);
  CHECK_EQ_INT(opt.have_guest_args, 1);
  CHECK_STR(opt.guest_args, "");
  CHECK_EQ_INT(parse("mem=8M --   "), 0);
  CHECK_EQ_INT(opt.have_guest_args, 1);
  CHECK_STR(opt.guest_args, "");
  CHECK_EQ_INT(parse("\t--\tconsole=ttyS0"), 0);
  CHECK_STR(opt.guest_args, "console=ttyS0");

  /* The longest guest command line that fits, and one byte more. */
  char *s = malloc(OPT_GUEST_ARGS_MAX + 16);
  strcpy(s, "-- ");
  memset(s + 3, 'a', OPT_GUEST_ARGS_MAX - 1);
  s[3 + OPT_GUEST_ARGS_MAX - 1] = '\0';
  CHECK_EQ_INT(parse(s), 0);
  CHECK_EQ(strlen(opt.guest_args), OPT_GUEST_ARGS_MAX - 1);
  strcat(s, "   "); /* trailing blanks do not count */
  CHECK_EQ_INT(parse(s), 0);
  CHECK_EQ(strlen(opt.guest_args), OPT_GUEST_ARGS_MAX - 1);
  s[3 + OPT_GUEST_ARGS_MAX - 1] = 'a';
  s[3 + OPT_GUEST_ARGS_MAX] = '\0';
  REJECTED(s, "guest bootargs longer than 511 bytes");
  CHECK_EQ_INT(opt.have_guest_args, 0);
  free(s);
}

static void test_rejected(void) {
  REJECTED("foo", "unknown option 'foo'");
  REJECTED("mem=64M foo=1", "unknown option 'foo=1'");
  REJECTED("mem", "unknown option 'mem'");
  REJECTED("MEM=64M", "unknown option 'MEM=64M'");
  REJECTED("memory=64M", "unknown option 'memory=64M'");
  REJECTED("vcpus", "unknown option 'vcpus'");
  REJECTED("--x", "unknown option '--x'");
  REJECTED("---", "unknown option '---'");
  REJECTED("-", "unknown option '-'");
  REJECTED("=", "unknown option '='");

  REJECTED("mem=", "bad value in 'mem='");
  REJECTED("mem=12Q", "bad value in 'mem=12Q'");
  REJECTED("mem=3M", "multiple of 2M"); /* not a 2 MiB multiple */
  REJECTED("mem=5000000", "multiple of 2M");
  REJECTED("mem=2M", "between 4M and 64G"); /* below the minimum */
  REJECTED("mem=0", "bad value");
  REJECTED("mem=66G", "bad value");
  REJECTED("mem=65538M", "bad value in 'mem=65538M'"); /* 64G + 2M */
  REJECTED("mem=M", "bad value");
  REJECTED("mem=64MB", "bad value");
  REJECTED("mem=64 M", "bad value");
  REJECTED("mem=-64M", "bad value");
  REJECTED("mem=+64M", "bad value");
  REJECTED("mem=0x4000000", "bad value");
  REJECTED("mem=18446744073709551616", "bad value"); /* 2^64 */
  REJECTED("mem=99999999999999999999999", "bad value");
  REJECTED("mem=17179869184G", "bad value"); /* 2^64 after the shift */
  REJECTED("mem=18014398509481984K", "bad value");
  REJECTED("mem=64M=", "bad value");
  CHECK_EQ(opt.mem, 0); /* not left half-set */

  REJECTED("vcpus=", "bad value in 'vcpus='");
  REJECTED("vcpus=0", "vcpus= takes 1 to 8");
  REJECTED("vcpus=9", "vcpus= takes 1 to 8");
  REJECTED("vcpus=-1", "bad value");
  REJECTED("vcpus=2K", "bad value");
  REJECTED("vcpus=1x", "bad value");
  REJECTED("vcpus=4294967297", "bad value"); /* 2^32 + 1 must not wrap to 1 */
  REJECTED("vcpus=99999999999999999999999", "bad value");
  CHECK_EQ(opt.vcpus, 0);

  REJECTED("mem=64M mem=64M", "option 'mem' given twice");
  REJECTED("mem=64M vcpus=1 mem=128M", "option 'mem' given twice");
  REJECTED("vcpus=1 vcpus=1", "option 'vcpus' given twice");
  /* The first error wins, and options after it are not looked at. */
  REJECTED("bogus mem=64M", "unknown option 'bogus'");
}

static void test_error_buffer(void) {
  char small[8];
  memset(small, 'x', sizeof(small));
  CHECK_EQ_INT(options_parse("bogus", &opt, small, sizeof(small)), -1);
  CHECK_STR(small, "unknown");
  CHECK_EQ_INT(options_parse("bogus", &opt, NULL, 0), -1);
  /* A long unknown option is quoted in full in a big enough buffer. */
  char longopt[300];
  memset(longopt, 'z', sizeof(longopt) - 1);
  longopt[sizeof(longopt) - 1] = '\0';
  char big[512];
  CHECK_EQ_INT(options_parse(longopt, &opt, big, sizeof(big)), -1);
  CHECK(strstr(big, longopt) != NULL);
}

static void test_parse_size(void) {
  uint64_t v = 12345;
  CHECK_EQ_INT(options_parse_size("0", 1, &v), 0);
  CHECK_EQ(v, 0);
  CHECK_EQ_INT(options_parse_size("1K", 2, &v), 0);
  CHECK_EQ(v, 1024);
  CHECK_EQ_INT(options_parse_size("3g", 2, &v), 0);
  CHECK_EQ(v, 3ULL << 30);
  CHECK_EQ_INT(options_parse_size("18446744073709551609", 20, &v), 0);
  CHECK_EQ(v, UINT64_MAX - 6);
  CHECK_EQ_INT(options_parse_size("17179869183G", 12, &v), 0);
  CHECK_EQ(v, 17179869183ULL << 30);
  /* Only len characters are read. */
  CHECK_EQ_INT(options_parse_size("64Mxyz", 3, &v), 0);
  CHECK_EQ(v, 64ULL << 20);
  CHECK_EQ_INT(options_parse_size("64Mxyz", 2, &v), 0);
  CHECK_EQ(v, 64);
  v = 777;
  CHECK_EQ_INT(options_parse_size("64", 0, &v), -1);
  CHECK_EQ_INT(options_parse_size("K", 1, &v), -1);
  CHECK_EQ_INT(options_parse_size("1KK", 3, &v), -1);
  CHECK_EQ_INT(options_parse_size("1T", 2, &v), -1);
  CHECK_EQ_INT(options_parse_size("18446744073709551616", 20, &v), -1);
  CHECK_EQ_INT(options_parse_size("17179869184G", 12, &v), -1);
  CHECK_EQ(v, 777); /* untouched on failure */
}

/* initramfs= and stats=: the words they take, each option once. */
static void test_initramfs_and_stats(void) {
  CHECK_EQ_INT(parse(""), 0);
  CHECK_EQ_INT(opt.initramfs, OPT_INITRAMFS_NONE);
  CHECK_EQ_INT(opt.stats, -1);
  CHECK_EQ_INT(parse("initramfs=disk"), 0);
  CHECK_EQ_INT(opt.initramfs, OPT_INITRAMFS_DISK);
  CHECK_EQ_INT(parse("initramfs=initrd mem=64M -- x"), 0);
  CHECK_EQ_INT(opt.initramfs, OPT_INITRAMFS_INITRD);
  CHECK_EQ(opt.mem, 64ULL << 20);
  CHECK_EQ_INT(parse("stats=on"), 0);
  CHECK_EQ_INT(opt.stats, 1);
  CHECK_EQ_INT(parse("stats=off vcpus=2"), 0);
  CHECK_EQ_INT(opt.stats, 0);
  CHECK_EQ_INT(parse("-- stats=on initramfs=disk"), 0); /* the guest's, not ours */
  CHECK_EQ_INT(opt.stats, -1);
  CHECK_EQ_INT(opt.initramfs, OPT_INITRAMFS_NONE);
  REJECTED("initramfs=", "initramfs= takes disk or initrd");
  REJECTED("initramfs=Disk", "initramfs= takes disk or initrd");
  REJECTED("initramfs=disks", "initramfs= takes disk or initrd");
  REJECTED("initramfs", "unknown option 'initramfs'");
  REJECTED("initramfs=disk initramfs=initrd", "option 'initramfs' given twice");
  REJECTED("stats=yes", "stats= takes on or off");
  REJECTED("stats=o", "stats= takes on or off");
  REJECTED("stats", "unknown option 'stats'");
  REJECTED("stats=off stats=on", "option 'stats' given twice");
}

int main(void) {
  test_accepted();
  test_initramfs_and_stats();
  test_guest_args();
  test_rejected();
  test_error_buffer();
  test_parse_size();
  return check_report("options");
}

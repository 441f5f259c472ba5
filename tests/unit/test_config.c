/* Host tests of the VM configuration parser (hv/core/config.c): sources are
 * written here as .dts text and compiled by the real dtc, as a user's would
 * be; each bad case must name the VM and the property and keep the others. */
#include "check.h"
#include "hv/core/config.h"
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/rv-config-XXXXXX";
static uint8_t blob[1 << 20];
static size_t blob_size;
static struct hv_config cfg;
static char reports[4096];
static int nreports;

static void report(void *ctx, const char *vm, const char *msg) {
  (void)ctx;
  size_t n = strlen(reports);
  snprintf(reports + n, sizeof(reports) - n, "%s: %s\n", vm ? vm : "(config)", msg);
  nreports++;
}

static const struct region busy[] = {{0x0c000000, 0x10000000}, {0x10000000, 0x10000100}};
static const struct cfg_limits limits = {
    .nharts = 2, .host_mem = 512ULL << 20, .busy = busy, .nbusy = 2};

/* Compile `body` (the nodes under /vms) with dtc; the kernel file
 * "k.bin" (16 bytes) is there for /incbin/. */
static void compile_raw(const char *dts) {
  char path[256], cmd[768];
  snprintf(path, sizeof(path), "%s/c.dts", tmpdir);
  FILE *f = fopen(path, "w");
  fputs(dts, f);
  fclose(f);
  snprintf(cmd, sizeof(cmd), "%s -q -I dts -O dtb -i %s -o %s/c.dtb %s", RV_DTC, tmpdir, tmpdir,
           path);
  if (system(cmd) != 0) {
    fprintf(stderr, "dtc failed on:\n%s\n", dts);
    exit(1);
  }
  snprintf(path, sizeof(path), "%s/c.dtb", tmpdir);
  f = fopen(path, "rb");
  blob_size = fread(blob, 1, sizeof(blob), f);
  fclose(f);
}

static int parse_with(const struct cfg_limits *lim, const char *vms) {
  char dts[4096];
  snprintf(dts, sizeof(dts),
           "/dts-v1/;\n/ {\n compatible = \"rustyvisor,config\";\n vms {\n%s\n };\n};\n", vms);
  compile_raw(dts);
  reports[0] = '\0';
  nreports = 0;
  memset(&cfg, 0x5A, sizeof(cfg));
  return config_parse(blob, blob_size, lim, &cfg, report, NULL);
}

static int parse(const char *vms) { return parse_with(&limits, vms); }

/* One good VM beside one bad one: the good one is kept, the bad one's
 * message names it and mentions `mention`. */
static void check_rejected(const char *bad_vm, const char *mention, const char *file, int line) {
  char vms[2048];
  snprintf(vms, sizeof(vms), "good { kernel = /incbin/(\"k.bin\"); };\nbad { %s };", bad_vm);
  int r = parse(vms);
  int ok = r == 0 && cfg.nvms == 1 && cfg.nrejected == 1 && !strcmp(cfg.vm[0].name, "good") &&
           nreports == 1 && !strncmp(reports, "bad: ", 5) && strstr(reports, mention);
  if (!check_result(ok, file, line))
    fprintf(stderr, "bad VM { %s }: r=%d nvms=%u nrejected=%u reports:\n%s(expected \"%s\")\n",
            bad_vm, r, cfg.nvms, cfg.nrejected, reports, mention);
}
#define REJECTED(bad, mention) check_rejected((bad), (mention), __FILE__, __LINE__)

static void test_defaults(void) {
  CHECK_EQ_INT(parse("a { kernel = /incbin/(\"k.bin\"); };"), 0);
  CHECK_EQ(cfg.nvms, 1);
  CHECK_EQ(cfg.nrejected, 0);
  CHECK_STR(cfg.vm[0].name, "a");
  CHECK_EQ(cfg.vm[0].mem_base, 0x80000000ULL);
  CHECK_EQ(cfg.vm[0].mem_size, 128ULL << 20);
  CHECK_EQ(cfg.vm[0].nvcpus, 1);
  CHECK_EQ(cfg.vm[0].kernel, CFG_KERNEL_EMBEDDED);
  CHECK_EQ(cfg.vm[0].image_size, 16);
  CHECK(cfg.vm[0].image && !memcmp(cfg.vm[0].image, "0123456789abcdef", 16));
  CHECK_STR(cfg.vm[0].bootargs, "");
  CHECK_EQ(cfg.vm[0].devices, CFG_DEV_UART);
  CHECK_EQ(cfg.vm[0].affinity, 0);
  CHECK_EQ(cfg.vm[0].weight, CFG_WEIGHT_DEFAULT);
  CHECK(!cfg.vm[0].has_initramfs);
  CHECK(!cfg.vm[0].stats);
  CHECK_EQ_INT(nreports, 0);
}

/* initramfs (embedded), initramfs-source, stats. */
static void test_initramfs_and_stats(void) {
  CHECK_EQ_INT(
      parse("a { kernel = /incbin/(\"k.bin\"); initramfs = /incbin/(\"k.bin\"); stats; };\n"
            "b { kernel-source = \"disk\"; initramfs-source = \"initrd\"; };\n"
            "c { kernel-source = \"initrd\"; initramfs-source = \"disk\"; };"),
      0);
  CHECK_EQ(cfg.nvms, 3);
  CHECK(cfg.vm[0].has_initramfs && cfg.vm[0].stats);
  CHECK_EQ(cfg.vm[0].initramfs_src, CFG_KERNEL_EMBEDDED);
  CHECK_EQ(cfg.vm[0].initramfs_size, 16);
  CHECK(cfg.vm[0].initramfs && !memcmp(cfg.vm[0].initramfs, "0123456789abcdef", 16));
  CHECK(cfg.vm[1].has_initramfs && !cfg.vm[1].stats);
  CHECK_EQ(cfg.vm[1].kernel, CFG_KERNEL_DISK);
  CHECK_EQ(cfg.vm[1].initramfs_src, CFG_KERNEL_INITRD);
  CHECK_EQ(cfg.vm[2].initramfs_src, CFG_KERNEL_DISK);
  REJECTED("kernel = /incbin/(\"k.bin\"); initramfs = [];", "'initramfs': empty");
  REJECTED("kernel = /incbin/(\"k.bin\"); initramfs-source = \"tape\";", "'initramfs-source'");
  REJECTED("kernel = /incbin/(\"k.bin\"); initramfs = /incbin/(\"k.bin\"); "
           "initramfs-source = \"disk\";",
           "'initramfs' and 'initramfs-source' both given");
  REJECTED("kernel-source = \"initrd\"; initramfs-source = \"initrd\";", "both name the initrd");
  REJECTED("kernel-source = \"disk\"; initramfs-source = \"disk\";", "both name the disk");
  REJECTED("kernel = /incbin/(\"k.bin\"); stats = \"on\";", "'stats': takes no value");
}

static void test_everything(void) {
  CHECK_EQ_INT(parse("linux { memory = /bits/ 64 <0x90000000 0x10000000>; vcpus = <2>;\n"
                     "  kernel-source = \"initrd\"; bootargs = \"console=ttyS0\";\n"
                     "  devices = \"uart\"; hart-affinity = <1>; weight = <300>; };\n"
                     "bare { kernel-source = \"disk\"; devices; memory = /bits/ 64 <0x80000000 "
                     "0x400000>; };"),
               0);
  CHECK_EQ(cfg.nvms, 2);
  CHECK_STR(cfg.vm[0].name, "linux");
  CHECK_EQ(cfg.vm[0].mem_base, 0x90000000ULL);
  CHECK_EQ(cfg.vm[0].mem_size, 256ULL << 20);
  CHECK_EQ(cfg.vm[0].nvcpus, 2);
  CHECK_EQ(cfg.vm[0].kernel, CFG_KERNEL_INITRD);
  CHECK_STR(cfg.vm[0].bootargs, "console=ttyS0");
  CHECK_EQ(cfg.vm[0].devices, CFG_DEV_UART);
  CHECK_EQ(cfg.vm[0].affinity, 2);
  CHECK_EQ(cfg.vm[0].weight, 300);
  CHECK_STR(cfg.vm[1].name, "bare");
  CHECK_EQ(cfg.vm[1].kernel, CFG_KERNEL_DISK);
  CHECK_EQ(cfg.vm[1].devices, 0);
  CHECK_EQ(cfg.vm[1].mem_size, 4ULL << 20);
  CHECK_STR(config_kernel_name(cfg.vm[1].kernel), "disk");
}

static void test_bad_vms(void) {
  REJECTED("", "missing kernel");
  REJECTED("kernel = /incbin/(\"k.bin\"); kernel-source = \"disk\";", "both given");
  REJECTED("kernel-source = \"floppy\";", "'kernel-source'");
  REJECTED("kernel = /incbin/(\"k.bin\"); colour = \"red\";", "unknown property 'colour'");
  REJECTED("kernel = /incbin/(\"k.bin\"); vcpus = <0>;", "'vcpus'");
  REJECTED("kernel = /incbin/(\"k.bin\"); vcpus = <9>;", "'vcpus'");
  REJECTED("kernel = /incbin/(\"k.bin\"); vcpus = \"two\";", "'vcpus'");
  REJECTED("kernel = /incbin/(\"k.bin\"); weight = <0>;", "'weight'");
  REJECTED("kernel = /incbin/(\"k.bin\"); weight = <10001>;", "'weight'");
  REJECTED("kernel = /incbin/(\"k.bin\"); hart-affinity = <2>;", "hart 2 does not exist");
  REJECTED("kernel = /incbin/(\"k.bin\"); hart-affinity;", "'hart-affinity'");
  REJECTED("kernel = /incbin/(\"k.bin\"); devices = \"uart\", \"gpu\";", "unknown device 'gpu'");
  REJECTED("kernel = /incbin/(\"k.bin\"); bootargs = <1>;", "'bootargs'");
  REJECTED("kernel = [];", "'kernel': empty");
  /* Memory: malformed, misaligned, too small, overlapping a device window,
   * past the guest-physical limit, more than the host has. */
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = <0x80000000 0x1000000>;", "16 bytes");
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x80100000 0x1000000>;",
           "multiples of 2 MiB");
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x80000000 0x200000>;",
           "at least 4 MiB");
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x0 0x20000000>;",
           "overlaps the VM's device window 0xc000000-0x10000000");
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x1ffffe00000 0x400000>;",
           "guest-physical limit");
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0xffffffffffe00000 0x400000>;",
           "guest-physical limit");
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x80000000 0x40000000>;",
           "more than the host has");
  /* The good VM's 128 MiB leave 384. */
  REJECTED("kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x80000000 0x1a000000>;",
           "only 384 MiB of host memory are left");
  REJECTED("kernel = /incbin/(\"k.bin\"); sub { };", "unexpected child node 'sub'");
}

static void test_names_and_counts(void) {
  /* A name too long for a console label. */
  CHECK_EQ_INT(parse("a-very-long-vm-name { kernel = /incbin/(\"k.bin\"); };"), 0);
  CHECK_EQ(cfg.nvms, 0);
  CHECK_EQ(cfg.nrejected, 1);
  CHECK_CONTAINS(reports, "a-very-long-vm-name: bad VM name");
  /* At most CFG_MAX_VMS; the rest are rejected by name. */
  char vms[4096] = "";
  for (int i = 0; i < CFG_MAX_VMS + 2; i++) {
    size_t n = strlen(vms);
    snprintf(vms + n, sizeof(vms) - n,
             "v%d { kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x80000000 0x400000>; };\n",
             i);
  }
  CHECK_EQ_INT(parse(vms), 0);
  CHECK_EQ(cfg.nvms, CFG_MAX_VMS);
  CHECK_EQ(cfg.nrejected, 2);
  CHECK_CONTAINS(reports, "v16: too many VMs");
  CHECK_CONTAINS(reports, "v17: too many VMs");
  CHECK_STR(cfg.vm[CFG_MAX_VMS - 1].name, "v15");
}

static void test_bad_trees(void) {
  compile_raw("/dts-v1/;\n/ { compatible = \"acme,board\"; vms { }; };\n");
  CHECK_EQ_INT(config_parse(blob, blob_size, &limits, &cfg, report, NULL), -1);
  CHECK(!config_is_config(blob, blob_size));
  compile_raw("/dts-v1/;\n/ { compatible = \"rustyvisor,config\"; };\n");
  CHECK(config_is_config(blob, blob_size));
  reports[0] = '\0';
  CHECK_EQ_INT(config_parse(blob, blob_size, &limits, &cfg, report, NULL), -1);
  CHECK_CONTAINS(reports, "no /vms node");
  compile_raw("/dts-v1/;\n/ { compatible = \"rustyvisor,config\"; vms { }; vm { }; };\n");
  reports[0] = '\0';
  CHECK_EQ_INT(config_parse(blob, blob_size, &limits, &cfg, report, NULL), -1);
  CHECK_CONTAINS(reports, "unknown node /vm");
  /* An empty /vms is a valid tree with nothing in it. */
  CHECK_EQ_INT(parse(""), 0);
  CHECK_EQ(cfg.nvms, 0);
  /* Every truncation of a good blob is refused or parsed within bounds. */
  parse("a { kernel = /incbin/(\"k.bin\"); bootargs = \"x\"; };");
  size_t full = blob_size;
  for (size_t n = 0; n < full; n++) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, blob, n);
    reports[0] = '\0';
    CHECK_EQ_INT(config_parse(copy, n, &limits, &cfg, report, NULL), -1);
    free(copy);
  }
  uint8_t junk[64] = {0xd0, 0x0d, 0xfe, 0xed};
  CHECK(!config_is_config(junk, sizeof(junk)));
}

/* A file of n bytes (byte i is i mod 251) in tmpdir, for /incbin/. */
static void write_file(const char *name, size_t n) {
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  for (size_t i = 0; i < n; i++)
    fputc((int)(i % 251), f);
  fclose(f);
}

/* ramdisk: whole sectors, not empty, not past the limit, counted against
 * host memory with the VM's RAM. */
static void test_ramdisk(void) {
  write_file("d.img", 1024);
  write_file("odd.img", 1000);
  write_file("big.img", 4096);
  struct cfg_limits lim = limits;
  lim.ramdisk_max = 2048;
  CHECK_EQ_INT(parse_with(&lim,
                          "a { kernel = /incbin/(\"k.bin\"); ramdisk = /incbin/(\"d.img\"); };\n"
                          "b { kernel = /incbin/(\"k.bin\"); };"),
               0);
  CHECK_EQ(cfg.nvms, 2);
  CHECK_EQ(cfg.vm[0].ramdisk_size, 1024);
  CHECK(cfg.vm[0].ramdisk && cfg.vm[0].ramdisk[0] == 0 && cfg.vm[0].ramdisk[1000] == 1000 % 251);
  CHECK(!cfg.vm[1].ramdisk && cfg.vm[1].ramdisk_size == 0);
  REJECTED("kernel = /incbin/(\"k.bin\"); ramdisk = /incbin/(\"odd.img\");",
           "'ramdisk': 1000 bytes is not a whole number of 512-byte sectors");
  REJECTED("kernel = /incbin/(\"k.bin\"); ramdisk = [];", "'ramdisk': empty");
  REJECTED("kernel = /incbin/(\"k.bin\"); ramdisk;", "'ramdisk': empty");
  /* The default limit (64 MiB) lets 4 KiB through; 2 KiB does not. */
  CHECK_EQ_INT(parse("a { kernel = /incbin/(\"k.bin\"); ramdisk = /incbin/(\"big.img\"); };"), 0);
  CHECK_EQ(cfg.nvms, 1);
  CHECK_EQ(cfg.vm[0].ramdisk_size, 4096);
  CHECK_EQ_INT(
      parse_with(&lim, "good { kernel = /incbin/(\"k.bin\"); };\n"
                       "bad { kernel = /incbin/(\"k.bin\"); ramdisk = /incbin/(\"big.img\"); };"),
      0);
  CHECK(cfg.nvms == 1 && cfg.nrejected == 1 && nreports == 1);
  CHECK(strstr(reports, "bad: property 'ramdisk': 4 KiB is more than the limit of 2 KiB") != NULL);
  /* RAM disk and RAM together past what the host has left. */
  lim = limits;
  lim.host_mem = 4ULL << 20;
  CHECK_EQ_INT(parse_with(&lim, "a { kernel = /incbin/(\"k.bin\"); memory = /bits/ 64 <0x80000000 "
                                "0x400000>; ramdisk = /incbin/(\"d.img\"); };"),
               0);
  CHECK(cfg.nvms == 0 && cfg.nrejected == 1);
  CHECK(strstr(reports, "a: properties 'memory' and 'ramdisk'") != NULL);
}

/* nic@N nodes: switch, mac, mtu, any-source; default MACs from the VM's
 * name and N, stable and locally administered; bad ones refused by name,
 * duplicate MACs across VMs included. */
static void test_nics(void) {
  CHECK_EQ_INT(parse("a { kernel = /incbin/(\"k.bin\"); nic@0 { switch = \"lab\"; mac = [02 00 00 "
                     "00 00 01]; mtu = <9>; }; };"),
               0);
  CHECK(cfg.nvms == 0 &&
        strstr(reports, "a: node 'nic@0': property 'mtu': expected <N>, 68..1500"));
  CHECK_EQ_INT(parse("a { kernel = /incbin/(\"k.bin\"); nic@0 { switch = \"lab\"; mac = [02 00 00 "
                     "00 00 01]; mtu = <1400>; any-source; }; nic@3 { }; };\n"
                     "b { kernel = /incbin/(\"k.bin\"); };"),
               0);
  CHECK_EQ(cfg.nvms, 2);
  CHECK_EQ(cfg.vm[0].nnics, 2);
  const struct cfg_nic *n0 = &cfg.vm[0].nic[0], *n1 = &cfg.vm[0].nic[1];
  CHECK_STR(n0->sw, "lab");
  CHECK_EQ(n0->mtu, 1400);
  CHECK(n0->any_source);
  CHECK(n0->mac[0] == 2 && n0->mac[5] == 1);
  CHECK_STR(n1->sw, "lan");
  CHECK_EQ(n1->mtu, 1500);
  CHECK(!n1->any_source);
  CHECK_EQ(n1->unit, 3);
  uint8_t m[6];
  config_default_mac("a", 3, m);
  CHECK(!memcmp(n1->mac, m, 6));
  CHECK(m[0] == 0x02 && m[1] == 0x52); /* locally administered, unicast */
  CHECK_EQ(cfg.vm[1].nnics, 0);        /* with a configuration, no NIC unless named */
  uint8_t m2[6], m3[6];
  config_default_mac("a", 0, m2);
  config_default_mac("b", 3, m3);
  CHECK(memcmp(m, m2, 6) && memcmp(m, m3, 6));
  config_default_mac("vm0", 0, m);
  CHECK(m[2] == 0x30 && m[3] == 0xf9 && m[4] == 0xf5 && m[5] == 0x7c); /* the docs' example */
  struct vm_spec def;
  config_spec_defaults(&def);
  snprintf(def.name, sizeof(def.name), "vm0");
  config_default_nic(&def);
  CHECK(def.nnics == 1 && !strcmp(def.nic[0].sw, "lan") && !memcmp(def.nic[0].mac, m, 6));

  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { mac = [02 00 00 00 01]; };",
           "node 'nic@0': property 'mac': expected [6 bytes]");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { mac = [01 00 5e 00 00 01]; };",
           "a unicast address");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { mac = [00 00 00 00 00 00]; };",
           "other than 00:00:00:00:00:00");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { speed = <1>; };",
           "node 'nic@0': unknown property 'speed' (known: switch mac mtu any-source)");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { switch = \"a b\"; };", "property 'switch'");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { switch = \"0123456789abcdef\"; };",
           "property 'switch'");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { any-source = <1>; };", "takes no value");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@x { };", "expected nic@N");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { }; nic@1 { }; nic@2 { };", "more than 2 NICs");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@1 { }; nic { };", "a second nic@1");
  REJECTED("kernel = /incbin/(\"k.bin\"); nic@0 { mac = [02 00 00 00 00 07]; }; nic@1 { mac = [02 "
           "00 00 00 00 07]; };",
           "node 'nic@1': duplicate MAC 02:00:00:00:00:07: this VM's node 'nic@0' has it");
  REJECTED("kernel = /incbin/(\"k.bin\"); nix@0 { };", "a VM's children are disk@N and nic@N");
  /* A MAC another VM has, given or by default. */
  CHECK_EQ_INT(parse("a { kernel = /incbin/(\"k.bin\"); nic@0 { mac = [02 00 00 00 00 07]; }; };\n"
                     "b { kernel = /incbin/(\"k.bin\"); nic@0 { mac = [02 00 00 00 00 07]; }; };"),
               0);
  CHECK(cfg.nvms == 1 && cfg.nrejected == 1);
  CHECK(strstr(reports, "b: node 'nic@0': duplicate MAC 02:00:00:00:00:07: VM a's node 'nic@0'"));
  config_default_mac("a", 0, m);
  char vms[1024];
  snprintf(vms, sizeof(vms),
           "a { kernel = /incbin/(\"k.bin\"); nic@0 { }; };\n"
           "b { kernel = /incbin/(\"k.bin\"); nic@0 { mac = [%02x %02x %02x %02x %02x %02x]; }; };",
           m[0], m[1], m[2], m[3], m[4], m[5]);
  CHECK_EQ_INT(parse(vms), 0);
  CHECK(cfg.nvms == 1 && cfg.nrejected == 1 && strstr(reports, "b: node 'nic@0': duplicate MAC"));
}

int main(void) {
  if (!mkdtemp(tmpdir))
    return 1;
  char path[256];
  snprintf(path, sizeof(path), "%s/k.bin", tmpdir);
  FILE *f = fopen(path, "wb");
  fputs("0123456789abcdef", f);
  fclose(f);
  test_ramdisk();
  test_defaults();
  test_everything();
  test_initramfs_and_stats();
  test_bad_vms();
  test_names_and_counts();
  test_bad_trees();
  test_nics();
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  if (system(cmd) != 0)
    return 1;
  return check_report("config");
}

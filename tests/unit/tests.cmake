# The one list of host unit tests and fuzz targets, included by register.cmake
# (which registers them with CTest in the top-level project) and by the host
# projects in tests/unit and tests/fuzz (which build them).
# Each unit test is tests/unit/test_<name>.c built into the executable <name>.
set(RV_UNIT_TESTS
  fdt_reader
  fdt_writer
  gstage
  mm
  image
  options
  isa
  printf
  sbi_proxy
  runq
  insn
  vplic
  vuart
  vdev
  bus
  config
  conmux
  virtq
  honest_workload
  vm_fdt
  vq_dev
  virtio_mmio
  virtio_blk
  gpt
  virtio_console
  rvinit_disk
  monitor_cmd
  vswitch
  virtio_net)

# Each fuzz target is tests/fuzz/<name>.c.
set(RV_FUZZ_TARGETS
  fuzz_fdt
  fuzz_image
  fuzz_options
  fuzz_virtq
  fuzz_config
  fuzz_insn
  fuzz_vplic
  fuzz_vuart
  fuzz_vdev
  fuzz_sbi
  fuzz_vq_dev
  fuzz_gpt
  fuzz_monitor
  fuzz_vnet)

# Device trees compiled by dtc for the FDT reader test and as fuzz seeds
# (tests/unit/dts/<name>.dts).
set(RV_UNIT_DTS
  virt
  minimal
  stdout_opts
  stdout_alias
  stdout_legacy
  stdout_badalias
  no_chosen)

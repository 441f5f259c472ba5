# The monitor (hv/core/monitor.c, docs/usage.md#the-monitor): tests/boot/test_monitor.py types
# its commands on the console of four VMs (configs/monitor.dts, one on a host disk) and checks each effect, with
# Sstc and without (the guests' timers emulated by the hypervisor).
rv_add_config(monitor SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/configs/monitor.dts
  DEPENDS guest-kernels vblk-data)
hostdisk_drive(MON_D1 d1 ${CMAKE_BINARY_DIR}/guest-kernels/hostdisk-1.img 1 snapshot=on)
foreach(cpu "rv64" "rv64,sstc=off")
  string(REPLACE "rv64,sstc=off" "nosstc" suffix "${cpu}")
  string(REPLACE "rv64" "sstc" suffix "${suffix}")
  add_test(NAME boot.monitor.${suffix}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/test_monitor.py --timeout 300
            -- ${QEMU_RISCV64} -M virt -cpu ${cpu} -smp 2 -m 512M -nographic -monitor none
            -serial stdio -bios ${RV_FW_JUMP} -kernel ${CMAKE_BINARY_DIR}/rustyvisor.bin
            -initrd ${CMAKE_BINARY_DIR}/configs/monitor.dtb ${MON_D1})
  set_tests_properties(boot.monitor.${suffix} PROPERTIES LABELS qemu TIMEOUT 330)
endforeach()

# Console input to a guest that polls its UART (IER receive interrupt off), and the rule
# for which reader, the UART or SBI getchar, gets each typed byte (hv/dev/vdev.c, the vUART's window).

set(UARTPOLL_INPUT "type a line (polled)=pong\\r"
                   "type a line (sbi then uart)=abcdef\\r"
                   "type a line (uart then sbi)=0123456789\\r"
                   "type a line (fifo reset)=kept\\r")
set(UARTPOLL_MARKERS
  "uartpoll: guest running, UART receive interrupt off"
  "uartpoll: polled: 'pong'"
  "uartpoll: sbi then uart: 'abcdef'"
  "uartpoll: uart then sbi: '0123456789'")
# The bare-metal guest under the hypervisor: a line by LSR polling, then lines that change
# reader in the middle, both ways: each arrives whole, in order, no byte twice; then a line
# the guest has started to receive when it resets its FIFO: it is kept.
add_qemu_test(boot.uart.poll INITRD ${CMAKE_BINARY_DIR}/guest-kernels/uartpoll.elf
  EXPECT "VM vm0: ELF image from initrd" ${UARTPOLL_MARKERS}
         "uartpoll: after the fifo reset: 'kept'" "uartpoll: all checks passed"
         "VM vm0 stopped: shutdown requested by the guest" "powering off"
  FORBID "checks failed"
  INPUT ${UARTPOLL_INPUT})
# ... and natively on OpenSBI, which proves what the guest checks.
add_qemu_test(boot.uart.poll.native KERNEL ${CMAKE_BINARY_DIR}/guest-kernels/uartpoll.bin
  EXPECT ${UARTPOLL_MARKERS} "uartpoll: no FIFO reset step natively" "uartpoll: all checks passed"
  FORBID "checks failed"
  INPUT ${UARTPOLL_INPUT})

# Debian's U-Boot (package u-boot-qemu, installed by scripts/setup.sh) as the guest, handed
# over with -initrd like any raw image. Its ns16550 driver polls LSR.DR: a key stops the
# autoboot, then each command typed at its prompt answers; `poweroff` stops the VM through
# SBI SRST. printenv prints U-Boot's own "EFI LOAD FAILED:" script text, hence ALLOW.
set(RV_UBOOT /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin CACHE FILEPATH
    "U-Boot for QEMU virt in S-mode (Debian package u-boot-qemu), for test boot.uboot")
if(NOT EXISTS ${RV_UBOOT})
  message(WARNING "RV_UBOOT: ${RV_UBOOT} not found: run scripts/setup.sh (package u-boot-qemu); "
                  "test boot.uboot will fail until it is there")
endif()
add_qemu_test(boot.uboot INITRD ${RV_UBOOT} TIMEOUT 180
  EXPECT "VM vm0: raw binary image from initrd"
         "U-Boot 2023.01"
         "In:    serial@10000000"
         "Hit any key to stop autoboot"
         "=> version"
         "riscv64-linux-gnu-gcc"
         "GNU ld"
         "=> printenv"
         "bootcmd="
         "stdin=serial@10000000"
         "Environment size:"
         "=> coninfo"
         "List of available devices:"
         "serial@10000000 "
         "=> poweroff"
         "VM vm0 stopped: shutdown requested by the guest"
         "powering off"
  FORBID "scanning bus for devices" "Unknown command"
  ALLOW "FAILED:"
  INPUT "Net:= "
        "Hit any key to stop autoboot=version\\r"
        "GNU ld=printenv\\r"
        "Environment size:=coninfo\\r"
        "List of available devices:=poweroff\\r")

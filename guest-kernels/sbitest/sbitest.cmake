# sbitest: the SBI conformance checker (guest-kernels/sbitest/sbitest.c).
add_guest_kernel(sbitest SOURCES ${CMAKE_CURRENT_LIST_DIR}/sbitest.c
                                 ${CMAKE_CURRENT_LIST_DIR}/sbitest_asm.S)

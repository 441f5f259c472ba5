# Cross toolchain for the hypervisor and the bare-metal guests.
# The prefix is a cache variable: -DRV_CROSS_PREFIX=riscv64-linux-gnu- works too.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(RV_CROSS_PREFIX "riscv64-unknown-elf-" CACHE STRING "Prefix of the riscv64 cross toolchain")
set(CMAKE_C_COMPILER ${RV_CROSS_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${RV_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${RV_CROSS_PREFIX}objcopy CACHE FILEPATH "objcopy of the cross toolchain")
set(CMAKE_SIZE ${RV_CROSS_PREFIX}size CACHE FILEPATH "size of the cross toolchain")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

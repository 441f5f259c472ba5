# cmake -DIN=<asm_offsets.s> -DOUT=<asm_offsets.h> -P asm_offsets.cmake
# Turns the "->SYM value" lines that hv/arch/riscv/asm_offsets.c leaves in
# its assembly into "#define SYM value" lines (Linux's asm-offsets pattern).
# Fails if none is found, so that a compiler that prints them differently
# breaks the build rather than the context switch.
file(STRINGS ${IN} lines REGEX "->[A-Za-z_0-9]+ ")
set(text "/* Generated from hv/arch/riscv/asm_offsets.c by cmake/asm_offsets.cmake: do not edit. */\n")
string(APPEND text "#ifndef RV_ASM_OFFSETS_H\n#define RV_ASM_OFFSETS_H\n")
set(n 0)
foreach(line IN LISTS lines)
  if(NOT line MATCHES "->([A-Za-z_0-9]+) [$#]?(-?[0-9]+)")
    message(FATAL_ERROR "asm_offsets: cannot read '${line}'")
  endif()
  string(APPEND text "#define ${CMAKE_MATCH_1} ${CMAKE_MATCH_2}\n")
  math(EXPR n "${n} + 1")
endforeach()
if(n EQUAL 0)
  message(FATAL_ERROR "asm_offsets: no offsets found in ${IN}")
endif()
string(APPEND text "#endif\n")
# Rewrite only on change, so that trap.S is not rebuilt for nothing.
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()

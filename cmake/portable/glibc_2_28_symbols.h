// Force-included into every source of the portable build (cmake/portable/portable.cmake).
// glibc 2.29 gave exp, log, pow, exp2 and log2 new symbol versions (faster code, no SVID
// error handling); binding them to the original versions keeps the binaries within
// manylinux_2_28 (GLIBC_2.28). The results are the same numbers: errno handling is all
// that differs, and the engine never reads errno after math.
#pragma once
#include <features.h>  // defines __GLIBC__
#if defined(__x86_64__) && defined(__GLIBC__)
__asm__(".symver exp,exp@GLIBC_2.2.5");
__asm__(".symver log,log@GLIBC_2.2.5");
__asm__(".symver pow,pow@GLIBC_2.2.5");
__asm__(".symver exp2,exp2@GLIBC_2.2.5");
__asm__(".symver log2,log2@GLIBC_2.2.5");
#endif

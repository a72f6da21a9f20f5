// CJemalloc: jemalloc as the process's malloc, for the server and benchmark binaries.
//
// Linking it is what matters: its malloc and free take the place of glibc's for the
// whole process. `mallctl` reads its version and statistics. Nothing else belongs here.
#ifndef C_JEMALLOC_SHIM_H
#define C_JEMALLOC_SHIM_H

#include <jemalloc/jemalloc.h>

#endif // C_JEMALLOC_SHIM_H

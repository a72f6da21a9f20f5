// CJemalloc: jemalloc as the process's malloc, for the server and benchmark binaries.
//
// Linking it is what matters: its malloc and free take the place of glibc's for the
// whole process. A module's `link` only reaches the linker from a file that imports
// it, so every binary that wants jemalloc calls `cjemalloc_active_version()` (and
// reports the allocator it runs on); nothing else belongs here.
#ifndef C_JEMALLOC_SHIM_H
#define C_JEMALLOC_SHIM_H

#include <dlfcn.h>
#include <stddef.h>
#include <jemalloc/jemalloc.h>

/// jemalloc's version (`5.3.0-0-g…`) when the `malloc` this process resolves is
/// libjemalloc's, or NULL when it is another (glibc's).
static inline const char *cjemalloc_active_version(void) {
    void *process = dlsym((void *)0, "malloc");
    void *library = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_NOLOAD);
    if (library == NULL) return NULL;
    int active = process != NULL && dlsym(library, "malloc") == process;
    dlclose(library);
    if (!active) return NULL;
    const char *version = NULL;
    size_t length = sizeof version;
    if (mallctl("version", (void *)&version, &length, NULL, 0) != 0 || version == NULL) return "unknown";
    return version;
}

#endif // C_JEMALLOC_SHIM_H

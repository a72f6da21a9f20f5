// CSQLite: the system SQLite 3 for SwarmStore's embedded engine.
//
// Macros Swift cannot import are wrapped as `static inline` functions named
// `CSQLite_<MACRO>`, each with a note saying why.
#ifndef C_SQLITE_SHIM_H
#define C_SQLITE_SHIM_H

#include <sqlite3.h>

// `((sqlite3_destructor_type)-1)` does not import; sqlite3_bind_text/blob need it
// to make SQLite copy a buffer that Swift frees when the call returns.
static inline sqlite3_destructor_type CSQLite_SQLITE_TRANSIENT(void) {
    return SQLITE_TRANSIENT;
}

// `((sqlite3_destructor_type)0)` does not import; for buffers that outlive the
// statement (static strings), so SQLite need not copy them.
static inline sqlite3_destructor_type CSQLite_SQLITE_STATIC(void) {
    return SQLITE_STATIC;
}

#endif // C_SQLITE_SHIM_H

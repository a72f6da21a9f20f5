// CLibpq: the system libpq (PostgreSQL client) for SwarmStore's PostgreSQL engine.
//
// pkg-config supplies the include path (/usr/include/postgresql). Macros Swift
// cannot import are wrapped as `static inline` functions named `CLibpq_<MACRO>`,
// each with a note saying why.
#ifndef C_LIBPQ_SHIM_H
#define C_LIBPQ_SHIM_H

#include <libpq-fe.h>

// A cast macro does not import; PQexecParams/PQprepare take InvalidOid (0) in
// paramTypes to let the server infer a parameter's type.
static inline Oid CLibpq_InvalidOid(void) {
    return InvalidOid;
}

// A character literal macro; PQresultErrorField(result, PG_DIAG_SQLSTATE) is how
// the store classifies errors (serialization failure, unique violation, ...).
static inline int CLibpq_PG_DIAG_SQLSTATE(void) {
    return PG_DIAG_SQLSTATE;
}

#endif // C_LIBPQ_SHIM_H

// CSQLiteWALCoalescing: a SQLite VFS that writes a transaction's WAL frames in one
// system call instead of two per page.
//
// SQLite appends each WAL frame as two writes (its 24-byte header, then the page), so a
// commit of 20 pages costs 40 pwrite calls before its fsync; on the store's hot paths
// that was a measurable share of every commit. This VFS wraps the default one ("unix")
// and, for WAL files only, keeps contiguous appends in a buffer and writes them at once
// when the transaction's commit frame is complete, or before anything that must see
// the file as SQLite wrote it (sync, read, size, truncate, close, file controls, a
// write elsewhere). The bytes reach the file in the same order and before the same
// fsync as without it, and before the commit is published in the WAL index, so
// durability and what other connections see are unchanged. The main database file
// is the default VFS's own file, untouched.
#ifndef C_SQLITE_WAL_COALESCING_H
#define C_SQLITE_WAL_COALESCING_H

#include <sqlite3.h>

/// The name to pass to sqlite3_open_v2 once registered.
#define OPENSWARM_WAL_COALESCING_VFS "openswarm-wal-coalescing"

/// Registers the VFS (not as the default) over the current default VFS; safe to call
/// more than once and from several threads. Returns SQLITE_OK or SQLite's error code.
int openswarm_wal_coalescing_register(void);

/// What one WAL file handle did: `writes` calls SQLite made, `flushes` writes that
/// reached the file. For tests: pass the WAL's sqlite3_file (SQLITE_FCNTL_JOURNAL_POINTER).
/// Returns 0 when `file` is not a WAL file of this VFS.
int openswarm_wal_coalescing_counts(sqlite3_file *file, sqlite3_int64 *writes, sqlite3_int64 *flushes);

#endif // C_SQLITE_WAL_COALESCING_H

// The WAL-coalescing VFS; see include/CSQLiteWALCoalescing.h for why.
//
// Invariant: `buffer` holds the most recent writes SQLite made to the WAL, which are
// contiguous and start at `start`. A write anywhere else, and every call that reads,
// sizes, syncs, truncates or closes the file, writes the buffer out first, so the file
// receives the same bytes in the same order as without the buffer.
#include "CSQLiteWALCoalescing.h"

#include <pthread.h>
#include <string.h>

enum {
    // A WAL frame header: page number, then the database size in pages for a
    // commit frame and zero otherwise (big-endian), then salts and checksums.
    kFrameHeaderSize = 24,
    // Past this, buffered frames go out before more are added (a large transaction,
    // or SQLite spilling its cache, should not hold an unbounded buffer).
    kBufferLimit = 4 << 20,
    // The most the unix VFS writes in one call: it masks a write's length with
    // 0x1ffff, so anything from 128 KiB on would be cut short (and reported as a
    // full disk). Page-aligned, below that.
    kWriteLimit = (128 << 10) - 4096,
};

typedef struct CoalescingFile {
    sqlite3_file base;
    /// The default VFS's file, which does the I/O; stored right after this struct.
    sqlite3_file *real;
    unsigned char *buffer;
    sqlite3_int64 start;
    int length;
    int capacity;
    /// A commit frame's header is in the buffer: the next write is its page, and
    /// with it the transaction is complete and goes out.
    int commitPagePending;
    sqlite3_int64 writes;
    sqlite3_int64 flushes;
} CoalescingFile;

static sqlite3_vfs *baseVfs;
static sqlite3_vfs coalescingVfs;
static int registration = SQLITE_OK;
static pthread_once_t registrationOnce = PTHREAD_ONCE_INIT;

static int realOffset(void) {
    return (int)((sizeof(CoalescingFile) + 7) & ~(size_t)7);
}

static sqlite3_file *real(sqlite3_file *file) {
    return ((CoalescingFile *)file)->real;
}

static int flush(CoalescingFile *f) {
    int length = f->length;
    f->length = 0;
    for (int done = 0; done < length;) {
        int chunk = length - done < kWriteLimit ? length - done : kWriteLimit;
        f->flushes += 1;
        int rc = f->real->pMethods->xWrite(f->real, f->buffer + done, chunk, f->start + done);
        if (rc != SQLITE_OK) return rc;
        done += chunk;
    }
    return SQLITE_OK;
}

static int reserve(CoalescingFile *f, int needed) {
    if (needed <= f->capacity) return SQLITE_OK;
    int capacity = f->capacity > 0 ? f->capacity : 64 * 1024;
    while (capacity < needed) capacity *= 2;
    unsigned char *grown = sqlite3_realloc(f->buffer, capacity);
    if (grown == NULL) return SQLITE_NOMEM;
    f->buffer = grown;
    f->capacity = capacity;
    return SQLITE_OK;
}

static int isCommitFrameHeader(const void *data, int amount) {
    if (amount != kFrameHeaderSize) return 0;
    const unsigned char *bytes = data;
    return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

static int coalescingWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    CoalescingFile *f = (CoalescingFile *)file;
    f->writes += 1;
    int completesCommit = f->commitPagePending;
    f->commitPagePending = 0;
    if (f->length > 0 && (offset != f->start + f->length || (sqlite3_int64)f->length + amount > kBufferLimit)) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    if (amount > kWriteLimit || reserve(f, f->length + amount) != SQLITE_OK) {
        // Larger than the VFS below writes in one call (SQLite itself never writes
        // that much to a WAL at once), or no memory to hold it: straight through, in
        // order.
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
        f->flushes += 1;
        return f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    if (f->length == 0) f->start = offset;
    memcpy(f->buffer + f->length, data, (size_t)amount);
    f->length += amount;
    if (isCommitFrameHeader(data, amount)) f->commitPagePending = 1;
    return completesCommit ? flush(f) : SQLITE_OK;
}

static int coalescingClose(sqlite3_file *file) {
    CoalescingFile *f = (CoalescingFile *)file;
    int flushed = flush(f);
    int closed = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->buffer);
    f->buffer = NULL;
    f->capacity = 0;
    return flushed != SQLITE_OK ? flushed : closed;
}

static int coalescingRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    int rc = flush((CoalescingFile *)file);
    return rc != SQLITE_OK ? rc : real(file)->pMethods->xRead(real(file), data, amount, offset);
}

static int coalescingTruncate(sqlite3_file *file, sqlite3_int64 size) {
    int rc = flush((CoalescingFile *)file);
    return rc != SQLITE_OK ? rc : real(file)->pMethods->xTruncate(real(file), size);
}

static int coalescingSync(sqlite3_file *file, int flags) {
    int rc = flush((CoalescingFile *)file);
    return rc != SQLITE_OK ? rc : real(file)->pMethods->xSync(real(file), flags);
}

static int coalescingFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    int rc = flush((CoalescingFile *)file);
    return rc != SQLITE_OK ? rc : real(file)->pMethods->xFileSize(real(file), size);
}

static int coalescingFileControl(sqlite3_file *file, int op, void *argument) {
    int rc = flush((CoalescingFile *)file);
    return rc != SQLITE_OK ? rc : real(file)->pMethods->xFileControl(real(file), op, argument);
}

// The rest is the default file's, unchanged.

static int coalescingLock(sqlite3_file *file, int level) {
    return real(file)->pMethods->xLock(real(file), level);
}

static int coalescingUnlock(sqlite3_file *file, int level) {
    return real(file)->pMethods->xUnlock(real(file), level);
}

static int coalescingCheckReservedLock(sqlite3_file *file, int *reserved) {
    return real(file)->pMethods->xCheckReservedLock(real(file), reserved);
}

static int coalescingSectorSize(sqlite3_file *file) {
    return real(file)->pMethods->xSectorSize(real(file));
}

static int coalescingDeviceCharacteristics(sqlite3_file *file) {
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}

static int coalescingShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **memory) {
    const sqlite3_io_methods *methods = real(file)->pMethods;
    return methods->iVersion >= 2 ? methods->xShmMap(real(file), region, size, extend, memory) : SQLITE_IOERR;
}

static int coalescingShmLock(sqlite3_file *file, int offset, int count, int flags) {
    const sqlite3_io_methods *methods = real(file)->pMethods;
    return methods->iVersion >= 2 ? methods->xShmLock(real(file), offset, count, flags) : SQLITE_IOERR;
}

static void coalescingShmBarrier(sqlite3_file *file) {
    const sqlite3_io_methods *methods = real(file)->pMethods;
    if (methods->iVersion >= 2) methods->xShmBarrier(real(file));
}

static int coalescingShmUnmap(sqlite3_file *file, int deleteFlag) {
    const sqlite3_io_methods *methods = real(file)->pMethods;
    return methods->iVersion >= 2 ? methods->xShmUnmap(real(file), deleteFlag) : SQLITE_OK;
}

static int coalescingFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **pointer) {
    const sqlite3_io_methods *methods = real(file)->pMethods;
    if (methods->iVersion >= 3) {
        int rc = flush((CoalescingFile *)file);
        return rc != SQLITE_OK ? rc : methods->xFetch(real(file), offset, amount, pointer);
    }
    *pointer = NULL;
    return SQLITE_OK;
}

static int coalescingUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *pointer) {
    const sqlite3_io_methods *methods = real(file)->pMethods;
    return methods->iVersion >= 3 ? methods->xUnfetch(real(file), offset, pointer) : SQLITE_OK;
}

static const sqlite3_io_methods coalescingMethods = {
    .iVersion = 3,
    .xClose = coalescingClose,
    .xRead = coalescingRead,
    .xWrite = coalescingWrite,
    .xTruncate = coalescingTruncate,
    .xSync = coalescingSync,
    .xFileSize = coalescingFileSize,
    .xLock = coalescingLock,
    .xUnlock = coalescingUnlock,
    .xCheckReservedLock = coalescingCheckReservedLock,
    .xFileControl = coalescingFileControl,
    .xSectorSize = coalescingSectorSize,
    .xDeviceCharacteristics = coalescingDeviceCharacteristics,
    .xShmMap = coalescingShmMap,
    .xShmLock = coalescingShmLock,
    .xShmBarrier = coalescingShmBarrier,
    .xShmUnmap = coalescingShmUnmap,
    .xFetch = coalescingFetch,
    .xUnfetch = coalescingUnfetch,
};

// Only WAL files are wrapped. Every other file is opened by the default VFS straight
// into the space SQLite allocated (at least as large as the default VFS asks for), so
// it is exactly the default VFS's file, with its own methods.
static int coalescingOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    if ((flags & SQLITE_OPEN_WAL) == 0) return baseVfs->xOpen(baseVfs, name, file, flags, outFlags);
    CoalescingFile *f = (CoalescingFile *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)((char *)file + realOffset());
    int rc = baseVfs->xOpen(baseVfs, name, f->real, flags, outFlags);
    f->base.pMethods = (rc == SQLITE_OK && f->real->pMethods != NULL) ? &coalescingMethods : NULL;
    return rc;
}

static int vfsDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    (void)vfs;
    return baseVfs->xDelete(baseVfs, name, syncDirectory);
}

static int vfsAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    (void)vfs;
    return baseVfs->xAccess(baseVfs, name, flags, result);
}

static int vfsFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *output) {
    (void)vfs;
    return baseVfs->xFullPathname(baseVfs, name, size, output);
}

static void *vfsDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return baseVfs->xDlOpen(baseVfs, name);
}

static void vfsDlError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    baseVfs->xDlError(baseVfs, size, message);
}

static void (*vfsDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return baseVfs->xDlSym(baseVfs, handle, symbol);
}

static void vfsDlClose(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    baseVfs->xDlClose(baseVfs, handle);
}

static int vfsRandomness(sqlite3_vfs *vfs, int size, char *output) {
    (void)vfs;
    return baseVfs->xRandomness(baseVfs, size, output);
}

static int vfsSleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return baseVfs->xSleep(baseVfs, microseconds);
}

static int vfsCurrentTime(sqlite3_vfs *vfs, double *now) {
    (void)vfs;
    return baseVfs->xCurrentTime(baseVfs, now);
}

static int vfsGetLastError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    return baseVfs->xGetLastError ? baseVfs->xGetLastError(baseVfs, size, message) : 0;
}

static int vfsCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    (void)vfs;
    return baseVfs->xCurrentTimeInt64(baseVfs, now);
}

static void registerOnce(void) {
    baseVfs = sqlite3_vfs_find(NULL);
    if (baseVfs == NULL || baseVfs->iVersion < 2 || baseVfs->xCurrentTimeInt64 == NULL) {
        registration = SQLITE_ERROR;
        return;
    }
    coalescingVfs = (sqlite3_vfs){
        // Version 2 (up to xCurrentTimeInt64): the system-call overrides of version 3
        // stay the default VFS's own business.
        .iVersion = 2,
        .szOsFile = realOffset() + baseVfs->szOsFile,
        .mxPathname = baseVfs->mxPathname,
        .zName = OPENSWARM_WAL_COALESCING_VFS,
        .xOpen = coalescingOpen,
        .xDelete = vfsDelete,
        .xAccess = vfsAccess,
        .xFullPathname = vfsFullPathname,
        .xDlOpen = vfsDlOpen,
        .xDlError = vfsDlError,
        .xDlSym = vfsDlSym,
        .xDlClose = vfsDlClose,
        .xRandomness = vfsRandomness,
        .xSleep = vfsSleep,
        .xCurrentTime = vfsCurrentTime,
        .xGetLastError = vfsGetLastError,
        .xCurrentTimeInt64 = vfsCurrentTimeInt64,
    };
    registration = sqlite3_vfs_register(&coalescingVfs, 0);
}

int openswarm_wal_coalescing_register(void) {
    pthread_once(&registrationOnce, registerOnce);
    return registration;
}

int openswarm_wal_coalescing_counts(sqlite3_file *file, sqlite3_int64 *writes, sqlite3_int64 *flushes) {
    if (file == NULL || file->pMethods != &coalescingMethods) return 0;
    CoalescingFile *f = (CoalescingFile *)file;
    *writes = f->writes;
    *flushes = f->flushes;
    return 1;
}

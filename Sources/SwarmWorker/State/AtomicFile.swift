import Foundation

/// Why a file in the state directory could not be read or written.
public struct WorkerStateError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The directory could not be created or has the wrong owner or mode.
        case directory
        /// A file could not be written, synced or renamed into place.
        case write
        /// A file exists but could not be read or makes no sense (e.g. a key of the wrong size).
        case corrupt
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Writes that survive a crash at any instant: the bytes go to a temporary file in the
/// same directory, are fsynced, renamed over the target, and the directory is fsynced,
/// so a reader sees the old file or the new one, never half of one.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(WorkerStateError) {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw WorkerStateError(.write, "cannot create \(temporary): \(errnoText())")
        }
        var written = 0
        let writeError: String? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errnoText()
                }
                written += n
            }
            return nil
        }
        // fchmod: the umask may have narrowed `mode` at creation; never widen beyond it.
        let failure = writeError ?? (fchmod(fd, mode) != 0 || fsync(fd) != 0 ? errnoText() : nil)
        close(fd)
        if let failure {
            unlink(temporary)
            throw WorkerStateError(.write, "cannot write \(path): \(failure)")
        }
        guard rename(temporary, path) == 0 else {
            let text = errnoText()
            unlink(temporary)
            throw WorkerStateError(.write, "cannot rename \(temporary) to \(path): \(text)")
        }
        syncDirectory(of: path)
    }

    /// The file's bytes, or nil when it does not exist.
    static func read(_ path: String) throws(WorkerStateError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkerStateError(.corrupt, "cannot read \(path): \(errnoText())")
        }
        return [UInt8](data)
    }

    /// Creates `path` (and its parents) as a directory with mode 0700 if missing, and
    /// narrows an existing one to 0700: it holds the node's secrets.
    static func makePrivateDirectory(_ path: String) throws(WorkerStateError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw WorkerStateError(.directory, "cannot create the state directory \(path): \(error)")
        }
        guard chmod(path, 0o700) == 0 else {
            throw WorkerStateError(.directory, "cannot set mode 0700 on \(path): \(errnoText())")
        }
    }

    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

import Glibc

/// Writes the bound port to a file (atomically), so scripts and tests can start a
/// server on port 0 and learn where it listens.
enum PortFile {
    static func write(_ port: Int, to path: String) throws {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "w") else {
            throw CLIError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        fputs("\(port)\n", file)
        fclose(file)
        guard rename(temporary, path) == 0 else {
            throw CLIError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}

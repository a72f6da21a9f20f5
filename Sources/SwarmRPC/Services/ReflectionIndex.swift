import SwarmProto

/// What server reflection knows: the `.proto` files (from the generated registries)
/// by name and by the symbols they declare, and the services a server serves.
/// Version-neutral; `ReflectionService` speaks v1 and v1alpha over it.
///
/// ```swift
/// let index = ReflectionIndex(files: SwarmProtoFiles.files, services: ["openswarm.v1.TaskService"])
/// index.answer(.fileContainingSymbol("openswarm.v1.Task"))  // task.proto and its imports
/// ```
struct ReflectionIndex: Sendable {
    /// A reflection request, whichever version it came in.
    enum Query: Sendable, Hashable {
        case fileByFilename(String)
        case fileContainingSymbol(String)
        case fileContainingExtension(type: String, number: Int32)
        case allExtensionNumbersOfType(String)
        case listServices
        case none
    }

    enum Answer: Sendable, Hashable {
        /// Serialized FileDescriptorProtos: the file asked for, then what it imports,
        /// transitively, each once.
        case files([[UInt8]])
        case extensionNumbers(type: String, numbers: [Int32])
        case services([String])
        case error(RPCStatus.Code, String)
    }

    private let files: [String: ProtoFileDescriptor]
    private let fileOfSymbol: [String: String]
    let services: [String]

    /// `files` may come from several registries; a file named twice is taken once.
    init(files: [ProtoFileDescriptor], services: [String]) {
        var byName: [String: ProtoFileDescriptor] = [:]
        var bySymbol: [String: String] = [:]
        for file in files where byName[file.name] == nil && !file.serialized.isEmpty {
            byName[file.name] = file
            for symbol in file.symbols where bySymbol[symbol] == nil { bySymbol[symbol] = file.name }
        }
        self.files = byName
        self.fileOfSymbol = bySymbol
        self.services = Array(Set(services)).sorted()
    }

    func answer(_ query: Query) -> Answer {
        switch query {
        case .fileByFilename(let name):
            guard files[name] != nil else { return .error(.notFound, "no file \(name)") }
            return .files(withImports(name))
        case .fileContainingSymbol(let symbol):
            guard let name = fileOfSymbol[symbol] else { return .error(.notFound, "no symbol \(symbol)") }
            return .files(withImports(name))
        case .fileContainingExtension(let type, let number):
            // The registries carry no extension index; none is served.
            return .error(.notFound, "no extension \(number) of \(type)")
        case .allExtensionNumbersOfType(let type):
            guard fileOfSymbol[type] != nil else { return .error(.notFound, "no type \(type)") }
            return .extensionNumbers(type: type, numbers: [])
        case .listServices:
            return .services(services)
        case .none:
            return .error(.invalidArgument, "the request asks nothing")
        }
    }

    /// `name` first, then its imports breadth-first, each file once.
    private func withImports(_ name: String) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var seen: Set<String> = [name]
        var queue = [name]
        var next = 0
        while next < queue.count {
            guard let file = files[queue[next]] else {
                next += 1
                continue
            }
            next += 1
            out.append(file.serialized)
            for dependency in file.dependencies where !seen.contains(dependency) {
                seen.insert(dependency)
                queue.append(dependency)
            }
        }
        return out
    }
}

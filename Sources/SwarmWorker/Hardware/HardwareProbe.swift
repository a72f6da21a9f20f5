import Foundation
import SwarmProto

/// Detects the machine's hardware for registration: CPU from /proc/cpuinfo, memory from
/// /proc/meminfo, free disk of the state directory (statvfs), NVIDIA GPUs from
/// `nvidia-smi`. Each source is optional: what cannot be read is left unset rather than
/// failing registration.
///
/// The parsers are pure functions over text so they are tested on sample files:
///
/// ```swift
/// let cpu = HardwareProbe.parseCPUInfo(try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
/// ```
public enum HardwareProbe {
    /// The probe's result; `Openswarm_V1_HardwareSpec` with every source it could read.
    public static func detect(stateDirectory: String) -> Openswarm_V1_HardwareSpec {
        var spec = Openswarm_V1_HardwareSpec()
        var cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).map(parseCPUInfo)
            ?? Openswarm_V1_CpuSpec()
        if cpu.cores == 0 { cpu.cores = UInt32(onlineCores()) }
        cpu.architecture = currentArchitecture
        spec.cpu = cpu
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            spec.memory = parseMemInfo(meminfo)
        }
        spec.storage = storage(of: stateDirectory)
        if let output = runNvidiaSMI() {
            spec.gpus = parseNvidiaSMI(output)
        }
        return spec
    }

    /// Logical cores online now.
    public static func onlineCores() -> Int {
        ProcessInfo.processInfo.activeProcessorCount
    }

    static var currentArchitecture: Openswarm_V1_CpuArchitecture {
        #if arch(x86_64)
            return .x8664
        #elseif arch(arm64)
            return .arm64
        #else
            return .unspecified
        #endif
    }

    /// SIMD extensions we report, as /proc/cpuinfo spells them (x86 `flags`, ARM `Features`).
    static let reportedSIMD: [String: String] = [
        "sse4_2": "sse4_2", "avx": "avx", "avx2": "avx2", "fma": "fma", "avx512f": "avx512f",
        "avx512bw": "avx512bw", "avx512_vnni": "avx512_vnni", "avx_vnni": "avx_vnni", "f16c": "f16c",
        "asimd": "neon", "neon": "neon", "sve": "sve", "asimddp": "dotprod",
    ]

    /// CPU model, logical cores (one `processor` line each), nominal MHz and SIMD
    /// features from the text of /proc/cpuinfo.
    public static func parseCPUInfo(_ text: String) -> Openswarm_V1_CpuSpec {
        var cpu = Openswarm_V1_CpuSpec()
        var cores = 0
        var features: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon]).trimmingWhitespace()
            let value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            switch key {
            case "processor": cores += 1
            case "model name", "Model", "Hardware":
                if cpu.model.isEmpty { cpu.model = value }
            case "cpu MHz":
                if cpu.frequencyMhz == 0, let mhz = Double(value), mhz > 0, mhz < 100_000 {
                    cpu.frequencyMhz = UInt32(mhz.rounded())
                }
            case "flags", "Features":
                for flag in value.split(separator: " ") {
                    if let name = reportedSIMD[String(flag)] { features.insert(name) }
                }
            default: break
            }
        }
        cpu.cores = UInt32(cores)
        cpu.simdFeatures = features.sorted()
        return cpu
    }

    /// Total and available memory (MiB) from the text of /proc/meminfo (values in kB).
    public static func parseMemInfo(_ text: String) -> Openswarm_V1_MemorySpec {
        var memory = Openswarm_V1_MemorySpec()
        var free: UInt64?
        var available: UInt64?
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == ":" })
            guard fields.count >= 2, let kib = UInt64(fields[1]) else { continue }
            switch fields[0] {
            case "MemTotal": memory.totalMib = mib(kib: kib)
            case "MemAvailable": available = kib
            case "MemFree": free = kib
            default: break
            }
        }
        if let kib = available ?? free { memory.availableMib = mib(kib: kib) }
        return memory
    }

    /// One GpuSpec per line of `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`,
    /// e.g. `NVIDIA GeForce RTX 3060, 12288`.
    public static func parseNvidiaSMI(_ text: String) -> [Openswarm_V1_GpuSpec] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",").map { String($0).trimmingWhitespace() }
            guard fields.count >= 2, !fields[0].isEmpty, let memory = UInt32(fields[1]) else { return nil }
            var gpu = Openswarm_V1_GpuSpec()
            gpu.model = fields[0]
            gpu.memoryMib = memory
            gpu.vendor = .nvidia
            return gpu
        }
    }

    /// Capacity and free space of the volume holding `path` (the nearest existing
    /// ancestor when it does not exist yet).
    public static func storage(of path: String) -> Openswarm_V1_StorageSpec {
        var storage = Openswarm_V1_StorageSpec()
        var probe = path.isEmpty ? "." : path
        var stats = statvfs()
        while statvfs(probe, &stats) != 0 {
            let parent = (probe as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == probe { return storage }
            probe = parent
        }
        let blockSize = UInt64(stats.f_frsize == 0 ? stats.f_bsize : stats.f_frsize)
        storage.totalMib = mib(bytes: UInt64(stats.f_blocks) * blockSize)
        storage.availableMib = mib(bytes: UInt64(stats.f_bavail) * blockSize)
        return storage
    }

    /// Runs nvidia-smi when it is installed; nil when it is absent or fails (no GPU).
    static func runNvidiaSMI() -> String? {
        let candidates = ["/usr/bin/nvidia-smi", "/usr/local/bin/nvidia-smi", "/bin/nvidia-smi"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func mib(kib: UInt64) -> UInt32 { UInt32(clamping: kib / 1024) }
    static func mib(bytes: UInt64) -> UInt32 { UInt32(clamping: bytes / (1024 * 1024)) }
}

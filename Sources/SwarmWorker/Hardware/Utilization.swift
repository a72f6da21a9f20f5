import Foundation
import SwarmProto

/// Samples how busy the machine is for heartbeats: CPU from the change in /proc/stat
/// between two samples, memory from /proc/meminfo, disk from statvfs of the state
/// directory. Keeps the previous CPU sample, so it is a small stateful value.
struct UtilizationSampler: Sendable {
    private var previous: (busy: UInt64, total: UInt64)?
    let stateDirectory: String

    init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    mutating func sample() -> Openswarm_V1_ResourceUtilization {
        var utilization = Openswarm_V1_ResourceUtilization()
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let now = Self.parseCPUTimes(stat)
        {
            if let previous, now.total > previous.total {
                let busy = Double(now.busy &- previous.busy)
                utilization.cpuPercent = min(100, max(0, 100 * busy / Double(now.total - previous.total)))
            }
            previous = now
        }
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            let memory = HardwareProbe.parseMemInfo(meminfo)
            if memory.totalMib > 0 {
                utilization.memoryPercent =
                    100 * Double(memory.totalMib - min(memory.availableMib, memory.totalMib)) / Double(memory.totalMib)
            }
        }
        let storage = HardwareProbe.storage(of: stateDirectory)
        if storage.totalMib > 0 {
            utilization.storagePercent =
                100 * Double(storage.totalMib - min(storage.availableMib, storage.totalMib)) / Double(storage.totalMib)
        }
        utilization.sampleTime = .now()
        return utilization
    }

    /// Busy and total jiffies from the aggregate `cpu` line of /proc/stat.
    static func parseCPUTimes(_ text: String) -> (busy: UInt64, total: UInt64)? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 4 else { return nil }
        let total = values.reduce(0, &+)
        let idle = values[3] &+ (values.count > 4 ? values[4] : 0)
        return (total &- idle, total)
    }
}

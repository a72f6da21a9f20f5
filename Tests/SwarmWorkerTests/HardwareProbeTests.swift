import XCTest

@testable import SwarmWorker

/// Parsing /proc text and nvidia-smi output.
final class HardwareProbeTests: XCTestCase {
    let cpuinfo = """
        processor\t: 0
        vendor_id\t: AuthenticAMD
        model name\t: AMD Ryzen 7 5800X 8-Core Processor
        cpu MHz\t\t: 3800.000
        flags\t\t: fpu vme sse4_2 avx avx2 fma f16c

        processor\t: 1
        vendor_id\t: AuthenticAMD
        model name\t: AMD Ryzen 7 5800X 8-Core Processor
        cpu MHz\t\t: 2200.123
        flags\t\t: fpu vme sse4_2 avx avx2 fma f16c

        """

    func testCPUInfo() {
        let cpu = HardwareProbe.parseCPUInfo(cpuinfo)
        XCTAssertEqual(cpu.model, "AMD Ryzen 7 5800X 8-Core Processor")
        XCTAssertEqual(cpu.cores, 2)
        XCTAssertEqual(cpu.frequencyMhz, 3800)
        XCTAssertEqual(cpu.simdFeatures, ["avx", "avx2", "f16c", "fma", "sse4_2"])
    }

    func testARMCPUInfo() {
        let text = "processor\t: 0\nFeatures\t: fp asimd evtstrm asimddp\n\nprocessor\t: 1\nFeatures\t: fp asimd\n"
        let cpu = HardwareProbe.parseCPUInfo(text)
        XCTAssertEqual(cpu.cores, 2)
        XCTAssertEqual(cpu.simdFeatures, ["dotprod", "neon"])
    }

    func testMemInfo() {
        let text = """
            MemTotal:       32768000 kB
            MemFree:         1024000 kB
            MemAvailable:   16384000 kB
            Buffers:          100000 kB
            """
        let memory = HardwareProbe.parseMemInfo(text)
        XCTAssertEqual(memory.totalMib, 32000)
        XCTAssertEqual(memory.availableMib, 16000)
        XCTAssertEqual(HardwareProbe.parseMemInfo("MemTotal: 2048 kB\nMemFree: 1024 kB\n").availableMib, 1)
    }

    func testNvidiaSMI() {
        let gpus = HardwareProbe.parseNvidiaSMI("NVIDIA GeForce RTX 3060, 12288\nTesla T4, 15360\n\ngarbage\n")
        XCTAssertEqual(gpus.map(\.model), ["NVIDIA GeForce RTX 3060", "Tesla T4"])
        XCTAssertEqual(gpus.map(\.memoryMib), [12288, 15360])
        XCTAssertEqual(gpus.first?.vendor, .nvidia)
        XCTAssertTrue(HardwareProbe.parseNvidiaSMI("").isEmpty)
    }

    func testDetectOnThisMachine() {
        let spec = HardwareProbe.detect(stateDirectory: temporaryDirectory() + "/not-yet")
        XCTAssertGreaterThan(spec.cpu?.cores ?? 0, 0)
        XCTAssertGreaterThan(spec.memory?.totalMib ?? 0, 0)
        XCTAssertGreaterThan(spec.storage?.totalMib ?? 0, 0)
    }

    func testCPUTimesFromProcStat() {
        let times = UtilizationSampler.parseCPUTimes("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n")
        XCTAssertEqual(times?.total, 1000)
        XCTAssertEqual(times?.busy, 150)
    }
}

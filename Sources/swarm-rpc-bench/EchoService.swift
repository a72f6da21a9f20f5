import SwarmProto
import SwarmRPC

/// The benchmark's unary echo: `/swarm.bench.EchoService/Echo`.
///
/// Hand-described rather than generated: it reuses `openswarm.v1.TaskResult`, whose
/// field 4 (`output`) is bytes, so the benchmark needs no `.proto` of its own. The
/// handler decodes the request and encodes the response like any real handler.
enum EchoService {
    static let path = "/swarm.bench.EchoService/Echo"

    static let echo = RPCMethod<Openswarm_V1_TaskResult, Openswarm_V1_TaskResult>(
        RPCMethodDescriptor(
            service: "swarm.bench.EchoService", method: "Echo", kind: .unary,
            requestType: "openswarm.v1.TaskResult", responseType: "openswarm.v1.TaskResult"))

    static func router() -> RPCRouter {
        var router = RPCRouter()
        router.unary(echo) { request, _ in request }
        return router
    }

    /// A 100-byte message: tag 0x22 (field 4, length-delimited), length 98, 98 bytes.
    static func request() -> Openswarm_V1_TaskResult {
        var message = Openswarm_V1_TaskResult()
        message.output = [UInt8](repeating: UInt8(ascii: "x"), count: 98)
        return message
    }

    /// The request as one gRPC Length-Prefixed-Message: what h2load posts.
    static func framedRequest() -> [UInt8] {
        let message = request().serializedBytes()
        let length = UInt32(message.count)
        return [
            0, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF),
        ]
            + message
    }
}

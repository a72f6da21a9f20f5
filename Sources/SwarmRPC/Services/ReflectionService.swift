import SwarmProto

/// `grpc.reflection.v1.ServerReflection` (and the older `v1alpha`, which grpcurl and
/// grpcio-reflection 1.62 still speak): lets tools list a server's services and
/// fetch the descriptors of their messages, so they can call them without `.proto`s.
///
/// Answers come from the generated registries (`SwarmProtoFiles.files` and any
/// others given); a name that is not there gets NOT_FOUND in an error response, and
/// the stream goes on.
///
/// ```swift
/// var router = RPCRouter()
/// ReflectionService(files: SwarmProtoFiles.files, services: ["openswarm.v1.TaskService"])
///     .register(in: &router)
/// ```
public struct ReflectionService: Sendable {
    let index: ReflectionIndex

    /// `services`: the fully-qualified names `list_services` answers with.
    public init(files: [ProtoFileDescriptor], services: [String]) {
        self.index = ReflectionIndex(files: files, services: services)
    }

    /// The service names this reflection service lists (v1 and v1alpha included
    /// once registered by `StandardServices`).
    public var services: [String] { index.services }

    /// Adds both versions' `ServerReflectionInfo` to `router`.
    public func register(in router: inout RPCRouter) {
        let index = self.index
        router.bidirectionalStreaming(Grpc_Reflection_V1_ServerReflection.Method.serverReflectionInfo) {
            requests, responses, _ in
            for try await request in requests {
                try await responses.write(Self.v1Response(to: request, index: index))
            }
        }
        router.bidirectionalStreaming(Grpc_Reflection_V1alpha_ServerReflection.Method.serverReflectionInfo) {
            requests, responses, _ in
            for try await request in requests {
                // v1alpha is v1 under another package name, with the same fields and
                // numbers: the messages convert through their wire bytes.
                let v1Request = try Grpc_Reflection_V1_ServerReflectionRequest(
                    serializedBytes: request.serializedBytes())
                let v1Response = Self.v1Response(to: v1Request, index: index)
                try await responses.write(
                    Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: v1Response.serializedBytes()))
            }
        }
    }

    static func v1Response(
        to request: Grpc_Reflection_V1_ServerReflectionRequest, index: ReflectionIndex
    ) -> Grpc_Reflection_V1_ServerReflectionResponse {
        typealias Response = Grpc_Reflection_V1_ServerReflectionResponse
        let query: ReflectionIndex.Query
        switch request.messageRequest {
        case .fileByFilename(let name)?: query = .fileByFilename(name)
        case .fileContainingSymbol(let symbol)?: query = .fileContainingSymbol(symbol)
        case .fileContainingExtension(let e)?:
            query = .fileContainingExtension(type: e.containingType, number: e.extensionNumber)
        case .allExtensionNumbersOfType(let type)?: query = .allExtensionNumbersOfType(type)
        case .listServices?: query = .listServices
        case nil: query = .none
        }
        var response = Response()
        response.validHost = request.host
        response.originalRequest = request
        switch index.answer(query) {
        case .files(let files):
            var message = Grpc_Reflection_V1_FileDescriptorResponse()
            message.fileDescriptorProto = files
            response.messageResponse = .fileDescriptorResponse(message)
        case .extensionNumbers(let type, let numbers):
            var message = Grpc_Reflection_V1_ExtensionNumberResponse()
            message.baseTypeName = type
            message.extensionNumber = numbers
            response.messageResponse = .allExtensionNumbersResponse(message)
        case .services(let names):
            var message = Grpc_Reflection_V1_ListServiceResponse()
            message.service = names.map { name in
                var service = Grpc_Reflection_V1_ServiceResponse()
                service.name = name
                return service
            }
            response.messageResponse = .listServicesResponse(message)
        case .error(let code, let text):
            var message = Grpc_Reflection_V1_ErrorResponse()
            message.errorCode = Int32(code.rawValue)
            message.errorMessage = text
            response.messageResponse = .errorResponse(message)
        }
        return response
    }
}

import SwarmProto

/// The gRPC services every `RPCServer` adds to its router unless told not to:
/// `grpc.health.v1.Health` and `grpc.reflection.v1(alpha).ServerReflection`.
///
/// ```swift
/// var configuration = RPCServer.Configuration()
/// configuration.standardServices.reflectionFiles = MyTestingFiles.files  // serve these too
/// configuration.standardServices = .none                                 // or serve neither
/// ```
public struct StandardServices: Sendable {
    /// Serve `grpc.health.v1.Health` (the server's `health` is kept either way).
    public var health: Bool
    /// Serve server reflection, v1 and v1alpha.
    public var reflection: Bool
    /// Files reflection serves besides `SwarmProtoFiles.files`: other generated
    /// registries whose services the router serves.
    public var reflectionFiles: [ProtoFileDescriptor]

    public init(health: Bool = true, reflection: Bool = true, reflectionFiles: [ProtoFileDescriptor] = []) {
        self.health = health
        self.reflection = reflection
        self.reflectionFiles = reflectionFiles
    }

    /// Neither service.
    public static let none = StandardServices(health: false, reflection: false)

    /// `router` with the services added, and the health service (every service the
    /// router serves, and the whole server, start SERVING).
    func install(in router: RPCRouter) -> (router: RPCRouter, health: HealthService) {
        var router = router
        var services = Set(router.handlers.values.map(\.descriptor.service))
        if health { services.insert(Grpc_Health_V1_Health.name) }
        if reflection {
            services.insert(Grpc_Reflection_V1_ServerReflection.name)
            services.insert(Grpc_Reflection_V1alpha_ServerReflection.name)
        }
        let healthService = HealthService(services: services.sorted())
        if health { healthService.register(in: &router) }
        if reflection {
            ReflectionService(files: SwarmProtoFiles.files + reflectionFiles, services: Array(services))
                .register(in: &router)
        }
        return (router, healthService)
    }
}

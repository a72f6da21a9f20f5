/// How many messages each side of a call sends.
public enum RPCStreamingKind: String, Sendable, Hashable {
    case unary
    case serverStreaming
    case clientStreaming
    case bidirectionalStreaming
}

/// One RPC as the transport sees it: its HTTP/2 path and streaming shape.
public struct RPCMethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// Fully-qualified service name, e.g. `openswarm.v1.TaskService`.
    public let service: String
    /// Method name, e.g. `SubmitTask`.
    public let method: String
    public let kind: RPCStreamingKind
    /// Fully-qualified request and response message names.
    public let requestType: String
    public let responseType: String

    public init(service: String, method: String, kind: RPCStreamingKind, requestType: String, responseType: String) {
        self.service = service
        self.method = method
        self.kind = kind
        self.requestType = requestType
        self.responseType = responseType
    }

    /// The gRPC `:path`, e.g. `/openswarm.v1.TaskService/SubmitTask`.
    public var path: String { "/\(service)/\(method)" }

    public var description: String { path }
}

/// A method with its message types, so transports can be generic over them.
public struct RPCMethod<Request: ProtoMessage, Response: ProtoMessage>: Sendable, Hashable {
    public let descriptor: RPCMethodDescriptor
    public init(_ descriptor: RPCMethodDescriptor) { self.descriptor = descriptor }
}

/// A REST route derived from a `google.api.http` annotation (the grpc-gateway mapping).
public struct HTTPRoute: Sendable, Hashable {
    /// `GET`, `POST`, `PUT`, `DELETE`, `PATCH`, or a custom verb.
    public let verb: String
    /// The path template, e.g. `/api/v1/tasks/{task_id}`; variables name request fields.
    public let pathTemplate: String
    /// Which request field the HTTP body fills: `*` for the whole request, a field
    /// name, or empty for no body (then unbound fields come from the query string).
    public let body: String
    /// The response field to send as the body, or empty for the whole response.
    public let responseBody: String
    /// The RPC the route calls.
    public let method: RPCMethodDescriptor

    public init(verb: String, pathTemplate: String, body: String, responseBody: String, method: RPCMethodDescriptor) {
        self.verb = verb
        self.pathTemplate = pathTemplate
        self.body = body
        self.responseBody = responseBody
        self.method = method
    }
}

/// A service: its methods and REST routes.
public struct RPCServiceDescriptor: Sendable, Hashable {
    /// Fully-qualified name, e.g. `openswarm.v1.TaskService`.
    public let name: String
    /// The `.proto` file that declares it (reflection serves that file).
    public let file: String
    public let methods: [RPCMethodDescriptor]
    public let routes: [HTTPRoute]

    public init(name: String, file: String, methods: [RPCMethodDescriptor], routes: [HTTPRoute]) {
        self.name = name
        self.file = file
        self.methods = methods
        self.routes = routes
    }
}

/// A `.proto` file as gRPC server reflection serves it.
public struct ProtoFileDescriptor: Sendable, Hashable {
    /// Path relative to the proto root, e.g. `openswarm/v1/task.proto`.
    public let name: String
    public let package: String
    /// Files it imports, by name.
    public let dependencies: [String]
    /// Fully-qualified names of every message, enum, service and method it declares.
    public let symbols: [String]
    /// The serialized `google.protobuf.FileDescriptorProto` (source info stripped).
    public let serialized: [UInt8]

    public init(name: String, package: String, dependencies: [String], symbols: [String], base64: String) {
        self.name = name
        self.package = package
        self.dependencies = dependencies
        self.symbols = symbols
        // The generator emits valid base64; an empty descriptor would only make
        // reflection answer "not found" for this file.
        self.serialized = ProtoBase64.decode(base64.filter { !$0.isWhitespace }) ?? []
    }
}

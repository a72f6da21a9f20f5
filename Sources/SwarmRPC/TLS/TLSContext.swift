private import COpenSSL

/// An OpenSSL `SSL_CTX` built from a `TLSConfiguration`: certificates, trust and
/// versions loaded once, shared by every connection of a server or client.
///
/// `@unchecked Sendable`: the `SSL_CTX` is configured in `init` and only read
/// afterwards (`SSL_new`, the ALPN callback), which OpenSSL allows from any thread.
final class TLSContext: @unchecked Sendable {
    enum Role: Sendable {
        case server
        case client
    }

    let role: Role
    let configuration: TLSConfiguration
    /// `applicationProtocols` in ALPN wire form (length-prefixed).
    let alpnWire: [UInt8]
    /// The `SSL_CTX *`.
    let pointer: OpaquePointer

    init(_ configuration: TLSConfiguration, role: Role) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        self.role = role
        self.configuration = configuration
        var wire: [UInt8] = []
        for name in configuration.applicationProtocols {
            let bytes = Array(name.utf8)
            guard !bytes.isEmpty, bytes.count < 256 else {
                throw TLSError(.invalidConfiguration, "the ALPN protocol name \"\(name)\" must be 1 to 255 bytes")
            }
            wire.append(UInt8(bytes.count))
            wire += bytes
        }
        self.alpnWire = wire
        guard configuration.minimumVersion <= configuration.maximumVersion else {
            throw TLSError(.invalidConfiguration, "minimumVersion is above maximumVersion")
        }
        guard let context = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("SSL_CTX_new failed"))
        }
        self.pointer = context
        try configure()
    }

    deinit { SSL_CTX_free(pointer) }

    private func configure() throws(TLSError) {
        let context = pointer
        _ = COpenSSL_SSL_CTX_set_min_proto_version(context, Self.wireVersion(configuration.minimumVersion))
        _ = COpenSSL_SSL_CTX_set_max_proto_version(context, Self.wireVersion(configuration.maximumVersion))
        // TLS renegotiation has no place under HTTP/2 (RFC 7540 §9.2.1); OpenSSL 3
        // refuses client-initiated renegotiation by default.

        if let chain = configuration.certificateChain {
            try loadCertificateChain(chain)
            guard let key = configuration.privateKey else {
                throw TLSError(.invalidConfiguration, "a certificateChain needs its privateKey")
            }
            try loadPrivateKey(key)
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw TLSError(
                    .invalidConfiguration,
                    OpenSSLErrorQueue.describe("the private key does not match the first certificate of the chain"))
            }
        } else if role == .server {
            throw TLSError(.invalidConfiguration, "a TLS server needs a certificateChain and privateKey")
        }

        if let roots = configuration.trustRoots {
            try loadTrustRoots(roots)
        } else if role == .client, configuration.verifyPeer {
            _ = SSL_CTX_set_default_verify_paths(context)
        }

        switch role {
        case .client:
            SSL_CTX_set_verify(context, configuration.verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        case .server:
            let mode: Int32 =
                switch configuration.clientAuthentication {
                case .none: SSL_VERIFY_NONE
                case .optional: SSL_VERIFY_PEER
                case .required: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                }
            if configuration.clientAuthentication != .none, configuration.trustRoots == nil {
                throw TLSError(.invalidConfiguration, "verifying client certificates needs trustRoots (a CA file)")
            }
            SSL_CTX_set_verify(context, mode, nil)
            // Session resumption with client certificates needs an id context.
            let id: [UInt8] = Array("swarm-rpc".utf8)
            _ = SSL_CTX_set_session_id_context(context, id, UInt32(id.count))
            SSL_CTX_set_alpn_select_cb(context, Self.selectALPN, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    /// The server's ALPN choice: our first preference the client also offers. A
    /// client that offers only protocols we lack gets a no_application_protocol alert.
    private static let selectALPN:
        @convention(c) (
            OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
            UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
        ) -> Int32 = { _, out, outLength, offered, offeredLength, argument in
            guard let out, let outLength, let offered, let argument else { return SSL_TLSEXT_ERR_ALERT_FATAL }
            let context = Unmanaged<TLSContext>.fromOpaque(argument).takeUnretainedValue()
            let client = UnsafeBufferPointer(start: offered, count: Int(offeredLength))
            for name in context.configuration.applicationProtocols {
                let wanted = Array(name.utf8)
                var index = 0
                while index < client.count {
                    let length = Int(client[index])
                    let start = index + 1
                    guard start + length <= client.count else { break }
                    if length == wanted.count, client[start..<start + length].elementsEqual(wanted) {
                        out.pointee = offered + start
                        outLength.pointee = UInt8(length)
                        return SSL_TLSEXT_ERR_OK
                    }
                    index = start + length
                }
            }
            return SSL_TLSEXT_ERR_ALERT_FATAL
        }

    private static func wireVersion(_ version: TLSConfiguration.Version) -> Int32 {
        switch version {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }

    private func loadCertificateChain(_ pem: TLSConfiguration.PEM) throws(TLSError) {
        switch pem {
        case .file(let path):
            guard SSL_CTX_use_certificate_chain_file(pointer, path) == 1 else {
                throw TLSError(
                    .invalidConfiguration, OpenSSLErrorQueue.describe("cannot load the certificate chain at \(path)"))
            }
        case .bytes(let bytes):
            let certificates = try Self.readCertificates(bytes, what: "the certificate chain")
            guard let leaf = certificates.first else {
                throw TLSError(.invalidConfiguration, "the certificate chain holds no PEM certificate")
            }
            defer { for certificate in certificates { X509_free(certificate) } }
            guard SSL_CTX_use_certificate(pointer, leaf) == 1 else {
                throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot use the certificate"))
            }
            for intermediate in certificates.dropFirst() {
                guard COpenSSL_SSL_CTX_add1_chain_cert(pointer, intermediate) == 1 else {
                    throw TLSError(
                        .invalidConfiguration, OpenSSLErrorQueue.describe("cannot add an intermediate certificate"))
                }
            }
        }
    }

    private func loadPrivateKey(_ pem: TLSConfiguration.PEM) throws(TLSError) {
        switch pem {
        case .file(let path):
            guard SSL_CTX_use_PrivateKey_file(pointer, path, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError(
                    .invalidConfiguration, OpenSSLErrorQueue.describe("cannot load the private key at \(path)"))
            }
        case .bytes(let bytes):
            let key = bytes.withUnsafeBytes { raw -> OpaquePointer? in
                guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(clamping: raw.count)) else { return nil }
                defer { BIO_free(bio) }
                return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            }
            guard let key else {
                throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("the private key is not PEM"))
            }
            defer { EVP_PKEY_free(key) }
            guard SSL_CTX_use_PrivateKey(pointer, key) == 1 else {
                throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot use the private key"))
            }
        }
    }

    private func loadTrustRoots(_ pem: TLSConfiguration.PEM) throws(TLSError) {
        switch pem {
        case .file(let path):
            guard SSL_CTX_load_verify_locations(pointer, path, nil) == 1 else {
                throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot load the CA file at \(path)"))
            }
            if role == .server, let names = SSL_load_client_CA_file(path) {
                SSL_CTX_set_client_CA_list(pointer, names)  // named in CertificateRequest
            }
        case .bytes(let bytes):
            let certificates = try Self.readCertificates(bytes, what: "trustRoots")
            defer { for certificate in certificates { X509_free(certificate) } }
            guard !certificates.isEmpty, let store = SSL_CTX_get_cert_store(pointer) else {
                throw TLSError(.invalidConfiguration, "trustRoots holds no PEM certificate")
            }
            for certificate in certificates {
                guard X509_STORE_add_cert(store, certificate) == 1 else {
                    throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot trust a CA certificate"))
                }
            }
        }
        OpenSSLErrorQueue.clear()
    }

    /// Every certificate in PEM `bytes`; the caller frees them.
    private static func readCertificates(_ bytes: [UInt8], what: String) throws(TLSError) -> [OpaquePointer] {
        let certificates = bytes.withUnsafeBytes { raw -> [OpaquePointer] in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(clamping: raw.count)) else { return [] }
            defer { BIO_free(bio) }
            var found: [OpaquePointer] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { found.append(certificate) }
            return found
        }
        OpenSSLErrorQueue.clear()  // the last read ends with "no start line"
        guard !certificates.isEmpty else {
            throw TLSError(.invalidConfiguration, "\(what) holds no PEM certificate")
        }
        return certificates
    }
}

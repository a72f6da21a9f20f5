private import COpenSSL
import NIOCore

/// One TLS connection as OpenSSL sees it: an `SSL` over two memory BIOs. Bytes from
/// the network go in with `receive`; records for the network come out of
/// `drainOutput`. No I/O and no event loop: `TLSHandler` drives it.
final class TLSConnection {
    enum Step {
        /// Waiting for more bytes from the peer.
        case wantsMore
        /// Done (the handshake finished, or the plaintext available was read).
        case done
        /// The peer sent close_notify.
        case closed
        case failed(TLSError)
    }

    private let context: TLSContext
    /// The `SSL *`; it owns both BIOs.
    private let ssl: OpaquePointer
    /// Ciphertext from the network, read by OpenSSL.
    private let networkIn: OpaquePointer
    /// Ciphertext for the network, written by OpenSSL.
    private let networkOut: OpaquePointer

    /// `hostname`: for a client, the server's name (SNI and the certificate check)
    /// or IP address (the certificate's IP SANs).
    init(context: TLSContext, hostname: String?) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer) else {
            throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("SSL_new failed"))
        }
        guard let networkIn = BIO_new(BIO_s_mem()), let networkOut = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("BIO_new failed"))
        }
        SSL_set_bio(ssl, networkIn, networkOut)
        self.context = context
        self.ssl = ssl
        self.networkIn = networkIn
        self.networkOut = networkOut
        switch context.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            try configureClient(hostname: hostname)
        }
    }

    deinit { SSL_free(ssl) }

    private func configureClient(hostname: String?) throws(TLSError) {
        let wire = context.alpnWire
        if !wire.isEmpty, SSL_set_alpn_protos(ssl, wire, UInt32(wire.count)) != 0 {
            throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot offer ALPN protocols"))
        }
        guard let hostname, !hostname.isEmpty else { return }
        let isAddress = (try? SocketAddress(ipAddress: hostname, port: 0)) != nil
        if isAddress {
            // RFC 6066: no SNI for IP literals; verify against the IP SANs.
            if context.configuration.verifyPeer, X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), hostname) != 1 {
                throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot check the IP \(hostname)"))
            }
        } else {
            guard COpenSSL_SSL_set_tlsext_host_name(ssl, hostname) == 1 else {
                throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot send SNI \(hostname)"))
            }
            if context.configuration.verifyPeer, SSL_set1_host(ssl, hostname) != 1 {
                throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.describe("cannot check the name \(hostname)"))
            }
        }
    }

    // MARK: - Network side

    /// Hands bytes read from the network to OpenSSL.
    func receive(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let chunk = Int32(min(bytes.count - offset, Int(Int32.max)))
                let written = BIO_write(networkIn, bytes.baseAddress.map { $0 + offset }, chunk)
                guard written > 0 else { return }  // a memory BIO only fails when out of memory
                offset += Int(written)
            }
        }
    }

    /// Moves the records OpenSSL produced into `buffer`.
    func drainOutput(into buffer: inout ByteBuffer) {
        let networkOut = self.networkOut
        while true {
            let pending = Int(BIO_ctrl_pending(networkOut))
            if pending == 0 { return }
            let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { target in
                max(0, Int(BIO_read(networkOut, target.baseAddress, Int32(min(target.count, Int(Int32.max))))))
            }
            if read == 0 { return }
        }
    }

    // MARK: - Handshake

    func handshake() -> Step {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        return step(after: result, during: true)
    }

    /// The ALPN protocol agreed on, if any.
    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// "TLSv1.2" or "TLSv1.3".
    var negotiatedVersion: String {
        guard let name = SSL_get_version(ssl) else { return "unknown" }
        return String(cString: name)
    }

    // MARK: - Application data

    /// Decrypts what has arrived into `buffer`.
    func readPlaintext(into buffer: inout ByteBuffer) -> Step {
        let ssl = self.ssl
        while true {
            OpenSSLErrorQueue.clear()
            var result: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16_384) { target in
                result = SSL_read(ssl, target.baseAddress, Int32(min(target.count, 1 << 20)))
                return max(0, Int(result))
            }
            if result <= 0 { return step(after: result, during: false) }
        }
    }

    /// Encrypts `bytes`; the records wait in `drainOutput`.
    func write(_ bytes: ByteBuffer) -> TLSError? {
        let ssl = self.ssl
        return bytes.withUnsafeReadableBytes { raw -> TLSError? in
            var offset = 0
            while offset < raw.count {
                OpenSSLErrorQueue.clear()
                let chunk = Int32(min(raw.count - offset, 1 << 20))
                let written = SSL_write(ssl, raw.baseAddress.map { $0 + offset }, chunk)
                guard written > 0 else {
                    if case .failed(let error) = step(after: written, during: false) { return error }
                    return TLSError(.protocolError, "could not encrypt application data")
                }
                offset += Int(written)
            }
            return nil
        }
    }

    /// Queues close_notify.
    func shutdown() {
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    // MARK: - Errors

    private func step(after result: Int32, during handshake: Bool) -> Step {
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return handshake ? .wantsMore : .done
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK), let reason = X509_verify_cert_error_string(verify) {
                let detail = OpenSSLErrorQueue.describe(String(cString: reason))
                return .failed(TLSError(.certificateVerificationFailed, "the peer's certificate: \(detail)"))
            }
            let reasons = OpenSSLErrorQueue.drain()
            let what = handshake ? "the TLS handshake failed" : "a TLS record was rejected"
            let message = reasons.isEmpty ? "\(what) (SSL error \(error))" : "\(what): \(reasons)"
            if handshake, reasons.contains("certificate required") || reasons.contains("peer did not return") {
                return .failed(TLSError(.certificateVerificationFailed, message))
            }
            return .failed(TLSError(handshake ? .handshakeFailed : .protocolError, message))
        }
    }
}

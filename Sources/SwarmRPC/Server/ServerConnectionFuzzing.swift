#if OPENSWARM_FUZZ
    import NIOCore
    import NIOEmbedded

    /// `make fuzz` only (compiled with OPENSWARM_FUZZ=1): feeds arbitrary bytes to a fresh
    /// server connection on an `EmbeddedChannel`, as a peer on a socket would, with
    /// small limits so that deep states are reachable. Whatever it answers, it must not
    /// crash, trap or leak (AddressSanitizer watches).
    public enum ServerConnectionFuzzing {
        /// The first byte chooses the framing: even sends the client preface and an
        /// empty SETTINGS frame first (so the fuzzer explores frames, not only the
        /// preface check); odd sends the bytes raw. The rest is split at every 0xFE byte
        /// into separate reads, as TCP segments would arrive.
        public static func feed(_ input: UnsafeRawBufferPointer) {
            guard let mode = input.first else { return }
            let channel = EmbeddedChannel()
            var configuration = ServerConnectionHandler.Configuration(
                maxReceiveMessageSize: 64 << 10, maxQueuedRequestBytes: 64 << 10,
                settings: .init(initialWindowSize: 64 << 10))
            configuration.handlersOnEventLoop = false
            do {
                try channel.pipeline.syncOperations.addHandler(
                    ServerConnectionHandler(router: RPCRouter(), configuration: configuration))
                try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            } catch {
                return
            }
            var segments: [[UInt8]] = []
            if mode % 2 == 0 {
                segments.append(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0])
            }
            var current: [UInt8] = []
            for byte in input.dropFirst() {
                if byte == 0xFE {
                    segments.append(current)
                    current = []
                } else {
                    current.append(byte)
                }
            }
            segments.append(current)
            for segment in segments where channel.isActive {
                _ = try? channel.writeInbound(ByteBuffer(bytes: segment))
                channel.embeddedEventLoop.run()
                while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
            }
            _ = try? channel.finish()
        }
    }
#endif

"""A grpcio server for the grpc.testing.TestService interop cases
(grpc/grpc doc/interop-test-descriptions.md, "Server"), for testing clients.

    grpc_interop_server.py PORT_FILE [--tls CERT_PEM KEY_PEM [--client-ca CA_PEM]]

With --tls it serves TLS (ALPN h2) with that certificate; --client-ca also requires
clients to present a certificate signed by CA_PEM (mutual TLS).

Binds 127.0.0.1 on a free port, writes the port number to PORT_FILE, and serves until
its standard input closes (so it never outlives the test that started it) or it gets
SIGTERM. The protos are compiled as grpc_interop_client.py does.
"""
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grpc_interop_client import empty_pb2, messages_pb2, test_pb2_grpc  # noqa: E402

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


def echo_metadata(context):
    metadata = dict(context.invocation_metadata())
    if ECHO_INITIAL in metadata:
        context.send_initial_metadata(((ECHO_INITIAL, metadata[ECHO_INITIAL]),))
    if ECHO_TRAILING in metadata:
        context.set_trailing_metadata(((ECHO_TRAILING, metadata[ECHO_TRAILING]),))


def apply_status(status, context):
    if status.code != 0:
        context.abort(grpc.StatusCode(_codes[status.code]), status.message)


_codes = {code.value[0]: code.value for code in grpc.StatusCode}


def payload(size):
    return messages_pb2.Payload(body=b"\x00" * size)


class TestService(test_pb2_grpc.TestServiceServicer):
    def EmptyCall(self, request, context):
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        # server_compressed_unary. (expect_compressed cannot be checked: grpcio does
        # not tell a servicer whether its request arrived compressed.)
        if request.HasField("response_compressed"):
            compressed = request.response_compressed.value
            context.set_compression(grpc.Compression.Gzip if compressed else grpc.Compression.NoCompression)
        apply_status(request.response_status, context)
        return messages_pb2.SimpleResponse(payload=payload(request.response_size))

    def CacheableUnaryCall(self, request, context):
        return self.UnaryCall(request, context)

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        for parameters in request.response_parameters:
            if parameters.interval_us:
                time.sleep(parameters.interval_us / 1e6)
            yield messages_pb2.StreamingOutputCallResponse(payload=payload(parameters.size))
        apply_status(request.response_status, context)

    def StreamingInputCall(self, request_iterator, context):
        total = sum(len(r.payload.body) for r in request_iterator)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in request_iterator:
            apply_status(request.response_status, context)
            for parameters in request.response_parameters:
                if parameters.interval_us:
                    time.sleep(parameters.interval_us / 1e6)
                yield messages_pb2.StreamingOutputCallResponse(payload=payload(parameters.size))

    def HalfDuplexCall(self, request_iterator, context):
        requests = list(request_iterator)
        for request in requests:
            for parameters in request.response_parameters:
                yield messages_pb2.StreamingOutputCallResponse(payload=payload(parameters.size))


def main():
    arguments = sys.argv[1:]
    if len(arguments) not in (1, 4, 6) or (len(arguments) > 1 and arguments[1] != "--tls"):
        raise SystemExit(__doc__)
    if len(arguments) == 6 and arguments[4] != "--client-ca":
        raise SystemExit(__doc__)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    if len(arguments) == 1:
        port = server.add_insecure_port("127.0.0.1:0")
    else:

        def read(path):
            with open(path, "rb") as f:
                return f.read()

        client_ca = read(arguments[5]) if len(arguments) == 6 else None
        credentials = grpc.ssl_server_credentials(
            [(read(arguments[3]), read(arguments[2]))],
            root_certificates=client_ca,
            require_client_auth=client_ca is not None,
        )
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    temporary = sys.argv[1] + ".tmp"
    with open(temporary, "w") as f:
        f.write(str(port))
    os.rename(temporary, sys.argv[1])
    # grpcio's server threads keep the interpreter alive past SIGTERM; leave at once.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    watcher = threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True)
    watcher.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()

"""The gRPC interop client cases (grpc/grpc doc/interop-test-descriptions.md), run
with grpcio against a server under test.

    grpc_interop_client.py HOST:PORT [--tls CA_PEM [--cert CERT_PEM --key KEY_PEM]
                           [--server-name NAME]] [CASE ...]

With --tls the channel is TLS (ALPN h2), trusting only CA_PEM; --cert/--key present
a client certificate (mutual TLS); --server-name overrides the name checked.

Compiles the vendored grpc.testing protos (Protos/grpc/testing) with grpc_tools at
start, runs each case (all when none is named) and prints one line per case:
`PASS name` or `FAIL name: reason`. Exits 0 when it could run the cases at all; the
caller judges them by name.
"""
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback

import grpc
from grpc_tools import protoc

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(REPO, "Protos", "grpc", "testing")
TIMEOUT = 10  # seconds per call, so a broken server fails a case instead of hanging


def load_protos():
    # The protos live in package grpc.testing; generated Python named grpc/testing/…
    # would shadow grpcio's own `grpc` package, so they are compiled under another
    # directory name. Service and message names (what the wire sees) do not change.
    out = tempfile.mkdtemp(prefix="swarm-interop-")
    package = os.path.join(out, "swarm_interop")
    os.makedirs(package)
    names = ["empty", "messages", "test"]
    for name in names:
        with open(os.path.join(PROTO_DIR, name + ".proto")) as f:
            text = f.read().replace('import "grpc/testing/', 'import "swarm_interop/')
        with open(os.path.join(package, name + ".proto"), "w") as f:
            f.write(text)
    args = ["protoc", "-I", out, "--python_out", out, "--grpc_python_out", out]
    args += ["swarm_interop/%s.proto" % n for n in names]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed on the grpc.testing protos")
    sys.path.insert(0, out)
    from swarm_interop import empty_pb2, messages_pb2, test_pb2_grpc

    # Imported: the generated files are no longer needed (this process is often ended
    # by a signal, which would skip any clean-up at exit).
    sys.path.remove(out)
    shutil.rmtree(out, ignore_errors=True)
    return empty_pb2, messages_pb2, test_pb2_grpc


empty_pb2, messages_pb2, test_pb2_grpc = load_protos()


class CaseFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CaseFailure(message)


def expect_code(call, code, details=None):
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, "expected %s, got %s: %r" % (code, error.code(), error.details()))
        if details is not None:
            check(error.details() == details, "expected details %r, got %r" % (details, error.details()))
        return error
    raise CaseFailure("expected %s, the call succeeded" % code)


class Pipe:
    """A request iterator fed by the test, as in grpc's own interop client."""

    def __init__(self):
        self._values = []
        self._open = True
        self._condition = threading.Condition()

    def __iter__(self):
        return self

    def __next__(self):
        with self._condition:
            while not self._values and self._open:
                self._condition.wait()
            if self._values:
                return self._values.pop(0)
            raise StopIteration()

    def add(self, value):
        with self._condition:
            self._values.append(value)
            self._condition.notify()

    def close(self):
        with self._condition:
            self._open = False
            self._condition.notify()

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()


def payload(size):
    return messages_pb2.Payload(body=b"\x00" * size)


def streaming_request(response_size, payload_size, status=None):
    request = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=response_size)],
        payload=payload(payload_size),
    )
    if status is not None:
        request.response_status.CopyFrom(status)
    return request


def empty_unary(stub, channel):
    response = stub.EmptyCall(empty_pb2.Empty(), timeout=TIMEOUT)
    check(isinstance(response, empty_pb2.Empty), "not an Empty")


def large_unary(stub, channel):
    request = messages_pb2.SimpleRequest(response_size=314159, payload=payload(271828))
    response = stub.UnaryCall(request, timeout=TIMEOUT)
    check(response.payload.body == b"\x00" * 314159, "payload of %d bytes" % len(response.payload.body))


def client_streaming(stub, channel):
    sizes = [27182, 8, 1828, 45904]
    requests = (messages_pb2.StreamingInputCallRequest(payload=payload(n)) for n in sizes)
    response = stub.StreamingInputCall(requests, timeout=TIMEOUT)
    check(response.aggregated_payload_size == 74922, "aggregated %d" % response.aggregated_payload_size)


def server_streaming(stub, channel):
    sizes = [31415, 9, 2653, 58979]
    request = messages_pb2.StreamingOutputCallRequest(
        response_parameters=[messages_pb2.ResponseParameters(size=n) for n in sizes]
    )
    got = [len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=TIMEOUT)]
    check(got == sizes, "response sizes %r" % got)


def ping_pong(stub, channel):
    pairs = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)]
    with Pipe() as pipe:
        responses = stub.FullDuplexCall(pipe, timeout=TIMEOUT)
        for response_size, payload_size in pairs:
            pipe.add(streaming_request(response_size, payload_size))
            response = next(responses)
            check(len(response.payload.body) == response_size, "response of %d" % len(response.payload.body))
    check(list(responses) == [], "responses after the last request")


def empty_stream(stub, channel):
    responses = list(stub.FullDuplexCall(iter([]), timeout=TIMEOUT))
    check(responses == [], "%d responses" % len(responses))


def custom_metadata(stub, channel):
    initial = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
    trailing = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
    metadata = (initial, trailing)

    def check_metadata(call):
        check(initial in list(call.initial_metadata()), "initial metadata %r" % (call.initial_metadata(),))
        check(trailing in list(call.trailing_metadata()), "trailing metadata %r" % (call.trailing_metadata(),))

    request = messages_pb2.SimpleRequest(response_size=314159, payload=payload(271828))
    _, call = stub.UnaryCall.with_call(request, metadata=metadata, timeout=TIMEOUT)
    check_metadata(call)

    with Pipe() as pipe:
        responses = stub.FullDuplexCall(pipe, metadata=metadata, timeout=TIMEOUT)
        pipe.add(streaming_request(314159, 271828))
        next(responses)
        pipe.close()
        list(responses)
        check_metadata(responses)


def status_code_and_message(stub, channel):
    message = "test status message"
    status = messages_pb2.EchoStatus(code=2, message=message)
    request = messages_pb2.SimpleRequest(response_status=status)
    expect_code(lambda: stub.UnaryCall(request, timeout=TIMEOUT), grpc.StatusCode.UNKNOWN, message)

    def duplex():
        with Pipe() as pipe:
            responses = stub.FullDuplexCall(pipe, timeout=TIMEOUT)
            pipe.add(streaming_request(1, 1, status))
            pipe.close()
            list(responses)

    expect_code(duplex, grpc.StatusCode.UNKNOWN, message)


def special_status_message(stub, channel):
    message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
    status = messages_pb2.EchoStatus(code=2, message=message)
    request = messages_pb2.SimpleRequest(response_status=status)
    expect_code(lambda: stub.UnaryCall(request, timeout=TIMEOUT), grpc.StatusCode.UNKNOWN, message)


def unimplemented_method(stub, channel):
    expect_code(lambda: stub.UnimplementedCall(empty_pb2.Empty(), timeout=TIMEOUT), grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(stub, channel):
    other = test_pb2_grpc.UnimplementedServiceStub(channel)
    expect_code(lambda: other.UnimplementedCall(empty_pb2.Empty(), timeout=TIMEOUT), grpc.StatusCode.UNIMPLEMENTED)


def timeout_on_sleeping_server(stub, channel):
    def call():
        with Pipe() as pipe:
            responses = stub.FullDuplexCall(pipe, timeout=0.001)
            pipe.add(messages_pb2.StreamingOutputCallRequest(payload=payload(27182)))
            next(responses)

    expect_code(call, grpc.StatusCode.DEADLINE_EXCEEDED)


def cancel_after_begin(stub, channel):
    with Pipe() as pipe:
        future = stub.StreamingInputCall.future(pipe, timeout=TIMEOUT)
        future.cancel()
        check(future.cancelled(), "not cancelled")
        check(future.code() == grpc.StatusCode.CANCELLED, "code %s" % future.code())


def cancel_after_first_response(stub, channel):
    with Pipe() as pipe:
        responses = stub.FullDuplexCall(pipe, timeout=TIMEOUT)
        pipe.add(streaming_request(31415, 27182))
        next(responses)
        responses.cancel()
        expect_code(lambda: next(responses), grpc.StatusCode.CANCELLED)


def client_compressed_unary(stub, channel):
    # The feature probe: an uncompressed request that expects compression fails.
    probe = messages_pb2.SimpleRequest(
        expect_compressed=messages_pb2.BoolValue(value=True), response_size=314159, payload=payload(271828)
    )
    expect_code(lambda: stub.UnaryCall(probe, timeout=TIMEOUT), grpc.StatusCode.INVALID_ARGUMENT)
    for compressed in (True, False):
        request = messages_pb2.SimpleRequest(
            expect_compressed=messages_pb2.BoolValue(value=compressed), response_size=314159, payload=payload(271828)
        )
        compression = grpc.Compression.Gzip if compressed else grpc.Compression.NoCompression
        response = stub.UnaryCall(request, timeout=TIMEOUT, compression=compression)
        check(response.payload.body == b"\x00" * 314159, "payload of %d bytes" % len(response.payload.body))


def server_compressed_unary(stub, channel):
    # grpcio does not tell whether a response arrived compressed; it must decode either way.
    for compressed in (True, False):
        request = messages_pb2.SimpleRequest(
            response_compressed=messages_pb2.BoolValue(value=compressed), response_size=314159, payload=payload(271828)
        )
        response = stub.UnaryCall(request, timeout=TIMEOUT)
        check(response.payload.body == b"\x00" * 314159, "payload of %d bytes" % len(response.payload.body))


# Not interop cases: limits this server must enforce, seen from grpcio.
def request_over_limit(stub, channel):
    request = messages_pb2.SimpleRequest(response_size=1, payload=payload(5 * 1024 * 1024))
    expect_code(lambda: stub.UnaryCall(request, timeout=TIMEOUT), grpc.StatusCode.RESOURCE_EXHAUSTED)
    # The connection stays usable.
    stub.EmptyCall(empty_pb2.Empty(), timeout=TIMEOUT)


def many_concurrent_calls(stub, channel):
    futures = [stub.UnaryCall.future(messages_pb2.SimpleRequest(response_size=n), timeout=TIMEOUT) for n in range(200)]
    sizes = [len(f.result().payload.body) for f in futures]
    check(sizes == list(range(200)), "wrong response sizes")


CASES = [
    empty_unary,
    large_unary,
    client_streaming,
    server_streaming,
    ping_pong,
    empty_stream,
    custom_metadata,
    status_code_and_message,
    special_status_message,
    unimplemented_method,
    unimplemented_service,
    timeout_on_sleeping_server,
    cancel_after_begin,
    cancel_after_first_response,
    client_compressed_unary,
    server_compressed_unary,
    request_over_limit,
    many_concurrent_calls,
]


def open_channel(target, tls):
    if "--tls" not in tls:
        return grpc.insecure_channel(target)

    def read(name):
        if name not in tls:
            return None
        with open(tls[name], "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("--tls"), private_key=read("--key"), certificate_chain=read("--cert")
    )
    options = []
    if "--server-name" in tls:
        options.append(("grpc.ssl_target_name_override", tls["--server-name"]))
    return grpc.secure_channel(target, credentials, options=options)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    target = sys.argv[1]
    wanted, tls = [], {}
    arguments = iter(sys.argv[2:])
    for argument in arguments:
        if argument in ("--tls", "--cert", "--key", "--server-name"):
            tls[argument] = next(arguments, None)
            if tls[argument] is None:
                raise SystemExit("%s needs a value" % argument)
        else:
            wanted.append(argument)
    by_name = {case.__name__: case for case in CASES}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise SystemExit("unknown cases: %s" % ", ".join(unknown))
    cases = [by_name[name] for name in wanted] if wanted else CASES
    with open_channel(target, tls) as channel:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        stub = test_pb2_grpc.TestServiceStub(channel)
        for case in cases:
            started = time.monotonic()
            try:
                case(stub, channel)
                print("PASS %s (%.0f ms)" % (case.__name__, (time.monotonic() - started) * 1000), flush=True)
            except Exception as error:  # a failed case must not stop the others
                reason = str(error) or type(error).__name__
                if not isinstance(error, (CaseFailure, grpc.RpcError)):
                    reason += " | " + traceback.format_exc().replace("\n", " | ")
                print("FAIL %s: %s" % (case.__name__, reason.replace("\n", " ")), flush=True)


if __name__ == "__main__":
    main()

"""grpcio's health-checking client (grpcio-health-checking, `grpc_health.v1`)
against a server under test.

    grpc_health_client.py HOST:PORT SERVICE

Prints one line per case, `PASS name` or `FAIL name: reason`, and exits 0 when it
could run them at all; the caller judges the cases by name:

- check_server: Check("") is SERVING.
- check_service: Check(SERVICE) is SERVING.
- check_unknown: Check of a service nobody registered fails with NOT_FOUND.
- watch_update: Watch(SERVICE) first says SERVING, then, once the caller (which sees
  the watch open) sets SERVICE to NOT_SERVING, says NOT_SERVING.
"""
import sys
import traceback

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

TIMEOUT = 10  # seconds per call: a broken server fails a case instead of hanging


def main():
    target, service = sys.argv[1], sys.argv[2]
    SERVING = health_pb2.HealthCheckResponse.SERVING
    NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)

        def check_server():
            status = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=TIMEOUT).status
            assert status == SERVING, "status %s" % status

        def check_service():
            status = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT).status
            assert status == SERVING, "status %s" % status

        def check_unknown():
            try:
                stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=TIMEOUT)
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.NOT_FOUND, "code %s" % error.code()
                return
            raise AssertionError("Check of an unknown service succeeded")

        def watch_update():
            call = stub.Watch(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
            try:
                first = next(call).status
                assert first == SERVING, "first status %s" % first
                second = next(call).status
                assert second == NOT_SERVING, "second status %s" % second
            finally:
                call.cancel()

        for case in (check_server, check_service, check_unknown, watch_update):
            try:
                case()
                print("PASS %s" % case.__name__, flush=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported by name
                detail = "".join(traceback.format_exception_only(type(error), error)).strip()
                print("FAIL %s: %s" % (case.__name__, detail.replace("\n", " ")), flush=True)


if __name__ == "__main__":
    main()

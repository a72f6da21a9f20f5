"""grpcio-reflection's client (`ProtoReflectionDescriptorDatabase`, which speaks
grpc.reflection.v1alpha in grpcio-reflection 1.62) against a server under test.

    grpc_reflection_client.py HOST:PORT SERVICE MESSAGE

Prints one line per case, `PASS name` or `FAIL name: reason`, and exits 0 when it
could run them at all; the caller judges the cases by name:

- list_services: the listed services include SERVICE, grpc.health.v1.Health and
  grpc.reflection.v1.ServerReflection.
- service_descriptor: a DescriptorPool over the database finds SERVICE with its
  methods (so the file and every import it needs were served and parse).
- message_by_symbol: the pool finds MESSAGE with its fields.
- file_by_name: the file of SERVICE is found by its name.
- unknown_symbol: an unknown symbol is a KeyError (the server answered NOT_FOUND).
- v1_list_services: the same listing through grpc.reflection.v1, on a raw stream.
"""
import sys
import traceback

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

TIMEOUT = 10


def v1_list_services(channel):
    # grpcio-reflection 1.62 has no v1 client: call the method with hand-made bytes.
    # ServerReflectionRequest{list_services: ""} is field 7, length 0: 0x3a 0x00.
    call = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    responses = call(iter([b"\x3a\x00"]), timeout=TIMEOUT)
    raw = next(responses)
    responses.cancel()
    return raw


def main():
    target, service, message = sys.argv[1], sys.argv[2], sys.argv[3]
    with grpc.insecure_channel(target) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        pool = DescriptorPool(database)

        def list_services():
            names = set(database.get_services())
            for expected in (service, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"):
                assert expected in names, "%s not in %s" % (expected, sorted(names))

        def service_descriptor():
            descriptor = pool.FindServiceByName(service)
            assert descriptor.methods, "no methods"
            assert descriptor.file.name.endswith(".proto"), descriptor.file.name

        def message_by_symbol():
            descriptor = pool.FindMessageTypeByName(message)
            assert descriptor.fields, "no fields"

        def file_by_name():
            name = pool.FindServiceByName(service).file.name
            assert database.FindFileByName(name).name == name

        def unknown_symbol():
            try:
                database.FindFileContainingSymbol("no.such.Symbol")
            except KeyError:
                return
            raise AssertionError("an unknown symbol was found")

        def v1_list_services_case():
            raw = v1_list_services(channel)
            for expected in (service, "grpc.health.v1.Health"):
                assert expected.encode() in raw, "%s not in the v1 answer" % expected

        v1_list_services_case.__name__ = "v1_list_services"
        cases = (list_services, service_descriptor, message_by_symbol, file_by_name, unknown_symbol,
                 v1_list_services_case)
        for case in cases:
            try:
                case()
                print("PASS %s" % case.__name__, flush=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported by name
                detail = "".join(traceback.format_exception_only(type(error), error)).strip()
                print("FAIL %s: %s" % (case.__name__, detail.replace("\n", " ")), flush=True)


if __name__ == "__main__":
    main()

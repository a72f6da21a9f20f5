"""A grpcio unary echo server: `make bench`'s Python baseline (issue 3, "Fast").

    grpc_echo_server.py PORT_FILE [PATH]

Serves PATH (default /swarm.bench.EchoService/Echo) on 127.0.0.1, answering each
request with its own bytes. No protobuf decoding: the message is passed through as
bytes, the cheapest thing grpcio can do, so the baseline is as fast as grpcio gets.
Writes the port to PORT_FILE once serving, and exits when its standard input closes,
on SIGTERM, or after 15 minutes, whichever comes first.
"""
import os
import signal
import sys
import threading
from concurrent import futures

import grpc

MAX_LIFETIME = 15 * 60  # seconds: a bench that died cannot leave this running


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    path = sys.argv[2] if len(sys.argv) == 3 else "/swarm.bench.EchoService/Echo"
    service, method = path.strip("/").split("/")
    handler = grpc.method_handlers_generic_handler(
        service, {method: grpc.unary_unary_rpc_method_handler(lambda request, context: request)}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), handlers=(handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    temporary = sys.argv[1] + ".tmp"
    with open(temporary, "w") as f:
        f.write(str(port))
    os.rename(temporary, sys.argv[1])
    # grpcio's server threads keep the interpreter alive past SIGTERM; leave at once.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    threading.Timer(MAX_LIFETIME, lambda: os._exit(0)).start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()

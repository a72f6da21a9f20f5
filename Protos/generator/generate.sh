#!/usr/bin/env bash
# Regenerates every committed generated file under the root given as $1 (default: the
# repository). `make proto` runs it on the repository; `make proto-check` on a temporary
# copy, then compares. Generated directories are emptied first so deleted protos leave
# nothing behind.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
root="$(mkdir -p "${1:-$repo}" && cd "${1:-$repo}" && pwd)"
protos="$repo/Protos"
# Google's well-known .proto files ship with protoc.
wkt_include="${PROTOC_INCLUDE:-/usr/include}"
plugin="--plugin=protoc-gen-swarm=$here/protoc-gen-swarm"

cd "$protos"
api_protos=$(find openswarm/v1 -name '*.proto' | LC_ALL=C sort)
wkt_protos="google/protobuf/duration.proto google/protobuf/empty.proto google/protobuf/timestamp.proto"
# gRPC's standard services (vendored from grpc/grpc and grpc/grpc-proto), which every
# SwarmRPC server serves: health checking and server reflection (v1, and v1alpha for
# older clients such as grpcio-reflection 1.62).
grpc_service_protos="grpc/health/v1/health.proto grpc/reflection/v1/reflection.proto grpc/reflection/v1alpha/reflection.proto"

fresh() { rm -rf "$1"; mkdir -p "$1"; }

# The API and the well-known types, into the SwarmProto module.
out="$root/Sources/SwarmProto/Generated"
fresh "$out"
protoc -I "$protos" -I "$wkt_include" "$plugin" \
  --swarm_out="$out" --swarm_opt=registry=SwarmProtoFiles \
  $wkt_protos $api_protos $grpc_service_protos

# Test-only messages, into the conformance tests.
out="$root/Tests/SwarmProtoTests/Generated"
fresh "$out"
protoc -I "$protos" -I "$wkt_include" "$plugin" \
  --swarm_out="$out" --swarm_opt=registry=SwarmProtoTestingFiles,imports=SwarmProto \
  openswarm/testing/conformance.proto

# protobuf-c's C code for the same messages: the C reference the conformance tests and
# `make bench` compare against. Service files are left out (C needs no services, and
# their google.api annotations would drag in descriptor.proto). protoc-c 1.4 predates
# proto3 `optional`, so it reads a copy where each `optional T name = N;` is spelled as
# what it means, a oneof of one field: the same wire format and the same presence.
out="$root/Sources/CSwarmProtoC/generated"
fresh "$out"
data_protos=$(grep -L 'google/api/annotations.proto' $api_protos)
rewritten="$(mktemp -d)"
trap 'rm -rf "$rewritten"' EXIT
for f in $data_protos openswarm/testing/conformance.proto; do
  mkdir -p "$rewritten/$(dirname "$f")"
  sed -E 's/^([[:space:]]*)optional[[:space:]]+([A-Za-z0-9_.]+)[[:space:]]+([A-Za-z0-9_]+)[[:space:]]*=[[:space:]]*([0-9]+)([^;]*);/\1oneof _\3 { \2 \3 = \4\5; }/' \
    "$f" > "$rewritten/$f"
done
(cd "$rewritten" && protoc -I "$rewritten" -I "$wkt_include" --c_out="$out" \
  $wkt_protos $data_protos openswarm/testing/conformance.proto)

# The official gRPC interop protos (vendored in Protos/grpc/testing), into the
# SwarmRPC interop tests.
out="$root/Tests/SwarmRPCTests/Generated"
fresh "$out"
protoc -I "$protos" -I "$wkt_include" "$plugin" \
  --swarm_out="$out" --swarm_opt=registry=SwarmRPCTestingFiles,imports=SwarmProto \
  grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto

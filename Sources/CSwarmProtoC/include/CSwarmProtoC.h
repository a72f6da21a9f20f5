// The C reference codec (protobuf-c) for the conformance tests and `make bench`.
//
// `generated/` is protoc-c output for Protos/ (see Protos/generator/generate.sh);
// the functions declared here wrap it behind plain byte buffers so that Swift never
// handles protobuf-c structures directly.
#ifndef CSWARMPROTOC_H
#define CSWARMPROTOC_H

#include "swarm_pbc_oracle.h"
#include "swarm_pbc_bench.h"

#endif

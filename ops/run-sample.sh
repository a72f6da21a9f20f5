#!/usr/bin/env bash
# `make run`: a coordinator on the embedded store, two workers with the built-in
# runtimes, the sample DAG of ops/examples/mapreduce.yaml watched to completion, its
# results and the ledger movements, then a clean stop of everything.
#
# Usage: ops/run-sample.sh PATH_TO_OPENSWARM [DAG_FILE]
set -euo pipefail

openswarm=${1:?usage: $0 PATH_TO_OPENSWARM [DAG_FILE]}
dag_file=${2:-ops/examples/mapreduce.yaml}
run_dir=data/run
rm -rf "$run_dir"
mkdir -p "$run_dir"

pids=()
stop_all() {
    local status=$?
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if (( status != 0 )); then
        echo "run: failed; logs are in $run_dir/*.log" >&2
        tail -n 20 "$run_dir"/*.log >&2 || true
    fi
    exit "$status"
}
trap stop_all EXIT

echo "== starting a coordinator (store sqlite:$run_dir/openswarm.db, logs in $run_dir/)"
"$openswarm" server --port 0 --port-file "$run_dir/port" --store "sqlite:$run_dir/openswarm.db" \
    >"$run_dir/coordinator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$run_dir/port" ]] && break; sleep 0.1; done
[[ -s "$run_dir/port" ]] || { echo "run: the coordinator did not start" >&2; exit 1; }
export OPENSWARM_COORDINATOR="127.0.0.1:$(cat "$run_dir/port")"
echo "   listening on $OPENSWARM_COORDINATOR"

for n in 1 2; do
    "$openswarm" worker --state-dir "$run_dir/worker-$n" --name "worker-$n" --account "wallet-$n" --slots 2 \
        >"$run_dir/worker-$n.log" 2>&1 &
    pids+=($!)
done
for _ in $(seq 1 100); do
    [[ $("$openswarm" nodes list 2>/dev/null | grep -c online) -ge 2 ]] && break
    sleep 0.1
done
echo "== workers"
"$openswarm" nodes list

echo "== funding the submitter and submitting $dag_file"
"$openswarm" wallet mint --account local --amount 100
dag=$("$openswarm" submit "$dag_file" | tee /dev/stderr | awk '/^dag / { sub(":", "", $2); print $2 }')

echo "== watching $dag"
"$openswarm" watch "$dag" --outputs

echo "== ledger movements"
for account in local wallet-1 wallet-2; do
    "$openswarm" wallet balance --account "$account"
    "$openswarm" wallet transactions --account "$account" --limit 20 | sed 's/^/    /'
done
echo "== stopping"

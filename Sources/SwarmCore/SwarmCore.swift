// SwarmCore: the scheduling rules of Open-Swarm, pure.
//
// No I/O, no clock, no randomness of its own and no wire types: every decision takes
// `now` (an `Instant`) and, where chance is involved, an `inout RandomNumberGenerator`
// from the caller, so the coordinator, SwarmStore and the tests get the same answer from
// the same inputs. Mapping to and from SwarmProto happens at the edge.
//
// Where things are:
//
//   Support/     Instant and SwarmClock (time as a value), SeededGenerator, MinHeap
//   Domain/      ids, TaskState and TaskEndReason, ErrorKind, TaskSpec with
//                ResourceRequirements, RetryPolicy, Timeouts, Redundancy and Comparator,
//                Node, Attempt, Lease, TaskResult, ResultVerdict, ReputationRecord,
//                SwarmPolicy, Account
//   Planning/    DagPlanner (validation, typed errors naming a cycle, O(V + E)),
//                PromptTemplate (`{{ tasks.NAME.output }}`), ExecutionPlan,
//                DependencyGraph (readiness, upstream_failed), TentativeAssignment
//   Matching/    Eligibility (with the reason a node is refused), NodeRanking
//   Ordering/    FairShareQueue (priority, fair share between swarms and submitters, age)
//   Retry/       RetryPolicy.decide (Temporal's backoff with jitter), TimeoutRules
//   Consensus/   ResultComparison, JSONValue, Consensus (quorum), AdaptiveReplication
//   Economy/     PriceModel, Ledger (double-entry), Settlement
//   Scheduler/   the in-memory reference scheduler tying all of it together; its
//                operations return events, ledger postings included, and are the
//                specification SwarmStore implements durably
//
// Task lifecycle (DESIGN.md): pending -> ready -> leased -> running -> succeeded | failed,
// any non-terminal state -> cancelled; a failed attempt sends the task back to ready
// after backoff, on another node where possible.

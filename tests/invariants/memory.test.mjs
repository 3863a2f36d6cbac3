// The money rules under faults, topology "memory" (see README.md here): seeded payments through the
// real gateway with a fault at each step, checked against a chain model's ledger, the upstream's
// log and what each client received.
import { faultedRound } from "./rounds.mjs";

faultedRound("memory");

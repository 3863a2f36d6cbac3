// The checker's control (see README.md here): no faults, every route refusing repeats; it must
// pass on any gateway that keeps the money rules, today's included.
import { baselineRound } from "./rounds.mjs";

baselineRound("memory");
baselineRound("redis2");

/** The reliability simulation's seed 202 (test/reliability/simulation.ts). */
import { simulateSeed } from "./simulation";

simulateSeed(202);

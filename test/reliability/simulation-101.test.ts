/** The reliability simulation's seed 101 (test/reliability/simulation.ts). */
import { simulateSeed } from "./simulation";

simulateSeed(101);

/** The reliability simulation's seed 303 (test/reliability/simulation.ts). */
import { simulateSeed } from "./simulation";

simulateSeed(303);

/**
 * Imported first by bench/soak.ts. Bytecode flushing drops the bytecode of functions unused
 * for 5 GCs; every checkpoint runs 3, so code used only while setting a phase up is flushed a
 * few checkpoints later and the heap steps down by a few hundred KB — noise that can hide a
 * leak's slope. The soak turns it off, so heap-after-GC moves only with what the code retains.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-flush-bytecode');

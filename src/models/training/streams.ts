// Seeded random streams of a fit: every model derives its generators from the fit seed here, so
// one seed reproduces a run. Each derivation is kept exactly as the models used it before
// (changing one would change every trained model's numbers):
//  - modelRng(seed, purpose): one independent stream per numbered purpose (graph models);
//  - seededStreams(seed): a root generator forked in a fixed order (neural models);
//  - forkedStreams(seed, count): a root generator forked `count` times (SASRec).
import { createRng, type Rng } from "../../math/random";

/** Seeded generator for a model: one stream per purpose, derived from the fit seed. */
export function modelRng(seed: number, purpose: number): Rng {
  return createRng((seed * 0x9e3779b1 + purpose * 0x85ebca6b) >>> 0);
}

/** Generators forked from one root in a fixed order: initialisation, split seed, sampling, noise, validation users. */
export function seededStreams(seed: number): { init: Rng; split: number; sample: Rng; noise: Rng; validation: Rng } {
  const root = createRng(seed);
  return { init: root.fork(), split: (root.next() * 2 ** 31) | 0, sample: root.fork(), noise: root.fork(), validation: root.fork() };
}

/** `count` generators forked in order from one root seeded with the fit seed (SASRec: initialisation, dropout, sampling, validation candidates). */
export function forkedStreams(seed: number, count: number): Rng[] {
  const root = createRng(seed);
  return Array.from({ length: count }, () => root.fork());
}

/**
 * Approximate putative matches for the re-rank: mutual nearest neighbours searched only among features
 * assigned to the same visual word (the query's and the candidate's nearest words), instead of among
 * all features. A candidate's features are compared with a handful of the query's, not all of them: the
 * cost falls from |query| × |candidate| distances to Σ over shared words of their products. A true match
 * whose two descriptors fall in different words is lost; quality is measured (docs/retrieval.md).
 */

/** Squared Euclidean distance between row a of x and row b of y (f64). */
function squaredDistance(x: Float32Array, a: number, y: Float32Array, b: number, dim: number): number {
  let s = 0;
  for (let d = 0, i = a * dim, j = b * dim; d < dim; d++, i++, j++) {
    const v = x[i] - y[j];
    s += v * v;
  }
  return s;
}

/** Feature indices by word, ascending (features without a word, −1, left out). */
function byWord(words: Int32Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w < 0) continue;
    const g = groups.get(w);
    if (g) g.push(i);
    else groups.set(w, [i]);
  }
  return groups;
}

/** The nearest of `rows` of y to row `a` of x (ties: the first); −1 when none. */
function nearest(x: Float32Array, a: number, y: Float32Array, rows: number[], dim: number): { index: number; distSq: number } {
  let index = -1;
  let distSq = Infinity;
  for (const b of rows) {
    const d = squaredDistance(x, a, y, b, dim);
    if (d < distSq) {
      distSq = d;
      index = b;
    }
  }
  return { index, distSq };
}

/**
 * [candidate feature, query feature] pairs, in query-feature order (as nearestNeighbours gives them):
 * within each shared word, mutual nearest neighbours closer than √boundSq (strict).
 */
export function sharedWordPairs(
  candidate: { descriptors: Float32Array; words: Int32Array },
  query: { descriptors: Float32Array; words: Int32Array },
  dim: number,
  boundSq: number,
): Array<[number, number]> {
  const candidateGroups = byWord(candidate.words);
  const queryGroups = byWord(query.words);
  const pairs: Array<[number, number]> = [];
  for (const [word, queryRows] of queryGroups) {
    const candidateRows = candidateGroups.get(word);
    if (!candidateRows) continue;
    for (const q of queryRows) {
      const c = nearest(query.descriptors, q, candidate.descriptors, candidateRows, dim);
      if (!(c.distSq < boundSq)) continue;
      if (nearest(candidate.descriptors, c.index, query.descriptors, queryRows, dim).index === q) pairs.push([c.index, q]);
    }
  }
  return pairs.sort((a, b) => a[1] - b[1]);
}

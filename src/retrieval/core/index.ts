/** Retrieval core (issue 13): codebook, ASMK* signatures, shortlist scoring, geometric re-rank. */
export { CodebookError, parseCodebook, serialiseCodebook, type Codebook } from "./codebook";
export {
  databaseSignature, querySignature, encodeSignature, decodeSignature, DEFAULT_QUERY_MULTI_ASSIGN, type ImageSignature,
} from "./signature";
export {
  scoreShortlist, ShortlistScorer, asmkSigma, sigmaTable, hamming, DEFAULT_ALPHA, DEFAULT_TAU, type PostingList, type SimilarityOptions,
} from "./similarity";
export { rerankCandidates, RERANK_DEFAULTS, type FeatureWords, type Reranked, type RerankPairs, type RerankTransform } from "./rerank";
export { assignWords, MAX_ASSIGN } from "./assign";

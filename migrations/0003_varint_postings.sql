-- Denser postings (issue 13, fourth round). A segment records the format of its postings rows:
--   1 = entries of [item u32][word count u16][residual] in a BLOB (every segment written before this migration);
--   2 = delta-varint entries as base64 TEXT (src/retrieval/store/varint-postings.ts), written by new writes and compactions.
-- Old segments stay readable as they are; compaction rewrites them in format 2.
ALTER TABLE segments ADD COLUMN format INTEGER NOT NULL DEFAULT 1;

-- Entries per (word, segment), written with the postings: a search picks its words by document frequency
-- from these small rows instead of summing the postings' lengths (format 2's length says nothing of its entries).
CREATE TABLE posting_counts (
  word INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  entries INTEGER NOT NULL,
  PRIMARY KEY (word, segment)
) WITHOUT ROWID;
CREATE INDEX posting_counts_by_segment ON posting_counts (segment);
-- Format-1 rows: 11-byte entries (6 + 5 residual bytes: the service's descriptors are 40-d, 5 bytes of signs per word).
INSERT INTO posting_counts (word, segment, entries) SELECT word, segment, sum(length(data)) / 11 FROM postings GROUP BY word, segment;

-- Retrieval index (issue 13). Items are the caller's ids; every indexed VERSION of an item gets a fresh
-- item number, so postings of a replaced or deleted version are simply ignored (no row is ever half-written
-- from a reader's point of view: one version becomes visible in one transaction).

-- The live version of each caller id.
CREATE TABLE items (
  id TEXT PRIMARY KEY,
  item_no INTEGER NOT NULL UNIQUE,
  num_features INTEGER NOT NULL,
  num_words INTEGER NOT NULL,
  metadata TEXT,
  features_bytes INTEGER NOT NULL,
  postings_bytes INTEGER NOT NULL,
  indexed_at INTEGER NOT NULL
);

-- Monotonic counters: item numbers and segment numbers are never reused.
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES ('item_no', 0), ('segment', 0);

-- A segment is a set of item versions written together (one index call, or one compaction).
-- Only 'live' segments are read by searches; a compaction builds its output 'building', then swaps
-- it live and retires its inputs in one transaction.
CREATE TABLE segments (
  segment INTEGER PRIMARY KEY,
  level INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('building', 'live', 'retired')),
  num_items INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX segments_by_level ON segments (state, level);

-- One row per (visual word, segment, part): the packed postings of that word in that segment,
-- entries of [item_no u32 LE][item word count u16 LE][residual bytes]; a word's postings longer than
-- one row may hold (D1: 2 MB per row) continue in the next part.
CREATE TABLE postings (
  word INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  part INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (word, segment, part)
) WITHOUT ROWID;
CREATE INDEX postings_by_segment ON postings (segment);

-- Batch ingestion jobs and their items; an item's status moves pending → done | failed once.
CREATE TABLE jobs (
  job TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  total INTEGER NOT NULL,
  -- extraction options (JSON) every item of the job is indexed with
  options TEXT NOT NULL
);
CREATE TABLE job_items (
  job TEXT NOT NULL,
  position INTEGER NOT NULL,
  id TEXT NOT NULL,
  url TEXT NOT NULL,
  metadata TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  code TEXT,
  message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  -- the item number of the one attempt whose write won (queue retries never index twice)
  item_no INTEGER,
  PRIMARY KEY (job, position)
);

-- At most one compaction at a time (a lease that expires).
CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);

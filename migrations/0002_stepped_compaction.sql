-- Compaction in bounded steps (issue 13, third round): a merge that outgrows one invocation continues in
-- the next. A 'building' segment records what it merges and how far it got; each step writes the next
-- words' postings AND advances next_word in one transaction, so a step that dies leaves nothing to redo twice.
ALTER TABLE segments ADD COLUMN merge_inputs TEXT;   -- JSON array of the input segment numbers
ALTER TABLE segments ADD COLUMN next_word INTEGER;   -- the first word not yet merged
ALTER TABLE segments ADD COLUMN merged_items BLOB;   -- bitmap of the live item numbers written so far (→ num_items)

/**
 * Batch-ingestion jobs in D1: one row per job, one per item. An item moves pending → done (by the
 * guarded index write itself) or pending → failed, once; retried queue messages of a finished item
 * find nothing to do.
 */
export interface JobItemInput {
  id: string;
  url: string;
  metadata: string | null;
}

export interface JobStatus {
  job: string;
  state: "pending" | "finished";
  total: number;
  done: number;
  pending: number;
  failed: Array<{ id: string; url: string; code: string; message: string }>;
}

export interface ClaimedJobItem {
  id: string;
  url: string;
  metadata: string | null;
  options: unknown;
  attempts: number;
}

export class JobStore {
  constructor(private readonly db: D1Database) {}

  async create(job: string, items: JobItemInput[], options: unknown): Promise<void> {
    await this.db.batch([
      this.db.prepare("INSERT INTO jobs (job, created_at, total, options) VALUES (?1, ?2, ?3, ?4)").bind(job, Date.now(), items.length, JSON.stringify(options)),
      this.db
        .prepare(
          `INSERT INTO job_items (job, position, id, url, metadata, status)
           SELECT ?1, key, json_extract(value, '$.id'), json_extract(value, '$.url'), json_extract(value, '$.metadata'), 'pending' FROM json_each(?2)`,
        )
        .bind(job, JSON.stringify(items)),
    ]);
  }

  /** Counts one more attempt at a pending item and returns it; null when it is already finished. */
  async claim(job: string, position: number): Promise<ClaimedJobItem | null> {
    const row = await this.db
      .prepare(
        `UPDATE job_items SET attempts = attempts + 1 WHERE job = ?1 AND position = ?2 AND status = 'pending'
         RETURNING id, url, metadata, attempts, (SELECT options FROM jobs WHERE jobs.job = ?1) AS options`,
      )
      .bind(job, position)
      .first<{ id: string; url: string; metadata: string | null; attempts: number; options: string }>();
    if (!row) return null;
    return { id: row.id, url: row.url, metadata: row.metadata, attempts: row.attempts, options: JSON.parse(row.options) };
  }

  async fail(job: string, position: number, code: string, message: string): Promise<void> {
    await this.db
      .prepare("UPDATE job_items SET status = 'failed', code = ?3, message = ?4 WHERE job = ?1 AND position = ?2 AND status = 'pending'")
      .bind(job, position, code, message.slice(0, 500))
      .run();
  }

  /** Marks every still-pending item from `position` on as failed (their messages were never queued). */
  async failFrom(job: string, position: number, code: string, message: string): Promise<void> {
    await this.db
      .prepare("UPDATE job_items SET status = 'failed', code = ?3, message = ?4 WHERE job = ?1 AND position >= ?2 AND status = 'pending'")
      .bind(job, position, code, message.slice(0, 500))
      .run();
  }

  async status(job: string): Promise<JobStatus | null> {
    const [head, counts, failures] = await this.db.batch([
      this.db.prepare("SELECT total FROM jobs WHERE job = ?1").bind(job),
      this.db.prepare("SELECT status, count(*) AS n FROM job_items WHERE job = ?1 GROUP BY status").bind(job),
      this.db.prepare("SELECT id, url, code, message FROM job_items WHERE job = ?1 AND status = 'failed' ORDER BY position").bind(job),
    ]);
    const total = (head.results[0] as { total: number } | undefined)?.total;
    if (total === undefined) return null;
    const n = (status: string) => (counts.results as Array<{ status: string; n: number }>).find((r) => r.status === status)?.n ?? 0;
    const pending = n("pending");
    return {
      job,
      state: pending === 0 ? "finished" : "pending",
      total,
      done: n("done"),
      pending,
      failed: failures.results as JobStatus["failed"],
    };
  }
}

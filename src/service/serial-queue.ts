/**
 * Runs async jobs one at a time. tfjs (one engine, one wasm heap) and the kernels (one arena)
 * are process-wide state: concurrent requests in one isolate are serialised on purpose so that no
 * request sees another's tensors and the heap peak stays that of one extraction.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  run<T>(job: () => Promise<T> | T): Promise<T> {
    this.waiting++;
    const result = this.tail.then(job).finally(() => {
      this.waiting--;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Jobs queued or running. */
  get depth(): number {
    return this.waiting;
  }
}

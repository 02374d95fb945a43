/**
 * Errors of the checkpoint / SavedModel readers. `code` is stable (callers and tests match on it):
 *   corrupt      bytes do not match their checksum or structure (bad magic, bad CRC, truncated data)
 *   unsupported  a valid TensorFlow feature this reader does not handle (partitioned variables, big-endian)
 *   missing      a required file or tensor is absent
 *   invalid      the input is not what was asked for (wrong shape, wrong kind of file)
 */
export type CheckpointErrorCode = "corrupt" | "unsupported" | "missing" | "invalid";

export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;
  constructor(code: CheckpointErrorCode, message: string) {
    super(message);
    this.name = "CheckpointError";
    this.code = code;
  }
}

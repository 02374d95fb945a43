/** Errors the extractor raises for bad input; `code` is stable (the HTTP layer maps it to a 4xx). */
export type DelfErrorCode = "invalid_options" | "invalid_image" | "invalid_model";

export class DelfError extends Error {
  constructor(
    readonly code: DelfErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DelfError";
  }
}

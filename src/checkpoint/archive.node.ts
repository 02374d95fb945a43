/** Node: a .tar.gz / .tgz / .tar archive → its regular files in memory (zlib + tar-stream). */
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { CheckpointError } from "./errors";
import { modelFilesFromMap, type ModelFiles } from "./model-files";

export async function untar(tarBytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const extractor = extract();
  const done = new Promise<void>((resolve, reject) => {
    extractor.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c) => void chunks.push(c as Buffer));
      stream.on("end", () => {
        if (header.type === "file" || header.type === "contiguous-file") {
          const path = header.name.replace(/^\.\//, "");
          files.set(path, new Uint8Array(Buffer.concat(chunks)));
        }
        next();
      });
      stream.on("error", reject);
    });
    extractor.on("finish", resolve);
    extractor.on("error", reject);
  });
  Readable.from([Buffer.from(tarBytes.buffer, tarBytes.byteOffset, tarBytes.byteLength)]).pipe(extractor);
  try {
    await done;
  } catch (error) {
    throw new CheckpointError("corrupt", `archive is not a valid tar file: ${(error as Error).message}`);
  }
  return files;
}

export async function readArchive(path: string): Promise<ModelFiles> {
  let bytes: Uint8Array = new Uint8Array(await readFile(path));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new CheckpointError("corrupt", `${path}: gzip data is corrupt or truncated (${(error as Error).message})`);
    }
  }
  const files = await untar(bytes);
  if (files.size === 0) throw new CheckpointError("invalid", `${path} holds no files (not a tar archive?)`);
  return modelFilesFromMap(path, files);
}

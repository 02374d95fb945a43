/**
 * `npm run model:fetch [-- --url URL] [--sha256 HEX] [--size BYTES] [--save FILE] [--out DIR] [--connect-timeout MS]`
 * Downloads the official DELF archive (default below, or $DELF_MODEL_URL), shows progress, verifies size and
 * sha-256 when known, then imports it (import-model) into model-assets/model. Offline it fails within the
 * connect timeout and says how to import a file obtained some other way.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { CheckpointError } from "../../src/checkpoint/errors.js";
import { DEFAULT_MODEL_DIR, importModel } from "./import-model.js";

export const DEFAULT_MODEL_URL = "http://storage.googleapis.com/delf/delf_v1_20171026.tar.gz";
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** No byte for this long after connecting = stalled download. */
const IDLE_TIMEOUT_MS = 60_000;

export class DownloadError extends Error {
  readonly code = "download_failed";
}

const USAGE = `usage: npm run model:fetch [-- [--url URL] [--sha256 HEX] [--size BYTES] [--save FILE] [--out DIR] [--connect-timeout MS]]
  --url      archive URL (default $DELF_MODEL_URL or ${DEFAULT_MODEL_URL})
  --sha256   expected sha-256 of the archive (checked when given)
  --size     expected size in bytes (checked when given; the server's Content-Length is always checked)
  --save     where to keep the downloaded archive (default <tmpdir>/delf_v1_20171026.tar.gz)
  --out      model directory to write (default ${DEFAULT_MODEL_DIR})
`;

function offlineHelp(url: string, reason: string, out: string): string {
  return [
    `cannot download ${url}: ${reason}.`,
    `If you have the archive already (e.g. downloaded on another machine), import it directly:`,
    `  npm run --silent cli -- import-model /path/to/delf_v1_20171026.tar.gz --out ${out}`,
    `(an extracted SavedModel directory or the TF-Hub module google/delf/1 works too).`,
  ].join("\n");
}

/** Streams `url` to `file`; resolves with the byte count and sha-256. Follows up to 5 redirects. */
export function download(
  url: string,
  file: string,
  options: { connectTimeoutMs: number; onProgress?: (received: number, total: number | null) => void },
  redirects = 5,
): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : url.startsWith("http:") ? http : null;
    if (!client) return reject(new DownloadError(`unsupported URL ${url} (http or https only)`));
    const request = client.get(url, (response) => {
      clearTimeout(connectTimer);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects === 0) return reject(new DownloadError("too many redirects"));
        return resolve(download(new URL(response.headers.location, url).toString(), file, options, redirects - 1));
      }
      if (status !== 200) {
        response.resume();
        return reject(new DownloadError(`HTTP ${status}`));
      }
      const total = response.headers["content-length"] ? Number(response.headers["content-length"]) : null;
      const hash = createHash("sha256");
      const sink = createWriteStream(file);
      let received = 0;
      response.setTimeout(IDLE_TIMEOUT_MS, () => response.destroy(new DownloadError(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        options.onProgress?.(received, total);
      });
      response.on("error", (error) => {
        sink.destroy();
        reject(error instanceof DownloadError ? error : new DownloadError(error.message));
      });
      response.pipe(sink);
      sink.on("error", reject);
      sink.on("finish", () => {
        if (total !== null && received !== total) return reject(new DownloadError(`connection closed after ${received} of ${total} bytes`));
        resolve({ bytes: received, sha256: hash.digest("hex") });
      });
    });
    // Only the wait for the response headers is bounded by connectTimeoutMs; the download itself may take longer.
    const connectTimer = setTimeout(() => request.destroy(new DownloadError(`no response within ${options.connectTimeoutMs} ms (offline?)`)), options.connectTimeoutMs);
    request.on("error", (error) => {
      clearTimeout(connectTimer);
      const code = (error as NodeJS.ErrnoException).code;
      reject(error instanceof DownloadError ? error : new DownloadError(code ? `${code} (${error.message})` : error.message));
    });
  });
}

function progressPrinter(): (received: number, total: number | null) => void {
  let lastPrinted = 0;
  return (received, total) => {
    const now = Date.now();
    if (now - lastPrinted < 1000 && received !== total) return;
    lastPrinted = now;
    const mb = (n: number) => (n / 1048576).toFixed(1);
    process.stderr.write(`fetch-model: ${mb(received)} MB${total ? ` of ${mb(total)} MB (${((100 * received) / total).toFixed(0)}%)` : ""}\n`);
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      sha256: { type: "string" },
      size: { type: "string" },
      save: { type: "string" },
      out: { type: "string" },
      "connect-timeout": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  const url = values.url ?? process.env.DELF_MODEL_URL ?? DEFAULT_MODEL_URL;
  const out = values.out ?? DEFAULT_MODEL_DIR;
  const save = values.save ?? join(tmpdir(), "delf_v1_20171026.tar.gz");
  const connectTimeoutMs = values["connect-timeout"] ? Number(values["connect-timeout"]) : DEFAULT_CONNECT_TIMEOUT_MS;
  await mkdir(dirname(save), { recursive: true });
  const partial = `${save}.part`;
  process.stderr.write(`fetch-model: downloading ${url}\n`);
  let got: { bytes: number; sha256: string };
  try {
    got = await download(url, partial, { connectTimeoutMs, onProgress: progressPrinter() });
  } catch (error) {
    await rm(partial, { force: true });
    process.stderr.write(`fetch-model: ${offlineHelp(url, (error as Error).message, out)}\n`);
    return 1;
  }
  if (values.size && got.bytes !== Number(values.size)) {
    process.stderr.write(`fetch-model: downloaded ${got.bytes} bytes, expected ${values.size}; kept as ${partial}\n`);
    return 1;
  }
  if (values.sha256 && got.sha256 !== values.sha256.toLowerCase()) {
    process.stderr.write(`fetch-model: sha-256 ${got.sha256} does not match the expected ${values.sha256}; kept as ${partial}\n`);
    return 1;
  }
  await rename(partial, save);
  process.stderr.write(`fetch-model: saved ${got.bytes} bytes to ${save} (sha-256 ${got.sha256})\n`);
  try {
    const { result } = await importModel(save, out, (m) => process.stderr.write(`import-model: ${m}\n`));
    process.stderr.write(`fetch-model: imported ${result.tensors.length} tensors into ${out}\n`);
    process.stdout.write(`${JSON.stringify({ url, archive: save, bytes: got.bytes, sha256: got.sha256, out, unusedKeys: result.unusedKeys, pca: result.pca, graph: result.graph }, null, 1)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    process.stderr.write(`fetch-model: the archive was downloaded but cannot be imported: ${error.message}\n`);
    return 1;
  }
}

// fetch-model against loopback servers only (never an external address): fast offline failure with a
// helpful message, a stalled server, sha-256 checks, and a successful download + import.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDirectoryFromDisk } from "../../../src/model/model-directory.node";
import { delfModelFiles, delfTensorsToWrite, pseudoRandom } from "./helpers/delf-checkpoint";
import { writeTarGz } from "./helpers/graph-writer";

const REPO = join(dirname(new URL(import.meta.url).pathname), "../../..");
let work: string;

function fetchModel(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/cli.ts", "fetch-model", ...args], { cwd: REPO, env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "delf-fetch-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("fetch-model offline", () => {
  it("a refused connection fails with the URL, the reason and how to import a local file", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/delf_v1_20171026.tar.gz`;
    const r = await fetchModel(["--url", url, "--save", join(work, "a.tar.gz"), "--out", join(work, "never")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot download ${url}: ECONNREFUSED`);
    expect(r.stderr).toContain("npm run --silent cli -- import-model /path/to/delf_v1_20171026.tar.gz --out");
    expect(existsSync(join(work, "never"))).toBe(false);
    expect(existsSync(join(work, "a.tar.gz.part"))).toBe(false);
  });

  it("DELF_MODEL_URL overrides the default URL", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/from-env.tar.gz`;
    const r = await fetchModel(["--save", join(work, "b.tar.gz"), "--out", join(work, "never")], { DELF_MODEL_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`fetch-model: downloading ${url}`);
  });

  it("a server that accepts but never answers hits the connect timeout", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as AddressInfo;
    try {
      const r = await fetchModel(["--url", `http://127.0.0.1:${port}/x.tar.gz`, "--connect-timeout", "300", "--save", join(work, "c.tar.gz"), "--out", join(work, "never")]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no response within 300 ms (offline?)");
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});

describe("fetch-model from a loopback HTTP server", () => {
  let server: http.Server;
  let base: string;
  let sha256: string;
  let size: number;
  beforeAll(async () => {
    const tensors = delfTensorsToWrite((_n, shape, i) => pseudoRandom(shape.reduce((a, b) => a * b, 1), 7 + i));
    const archive = Buffer.from(await writeTarGz(delfModelFiles(tensors, { layout: "archive" })));
    sha256 = createHash("sha256").update(archive).digest("hex");
    size = archive.length;
    server = http.createServer((req, res) => {
      if (req.url === "/moved") return res.writeHead(302, { location: "/delf.tar.gz" }).end();
      if (req.url !== "/delf.tar.gz") return res.writeHead(404).end();
      res.writeHead(200, { "content-length": archive.length });
      res.end(archive);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it("downloads (following a redirect), checks sha-256 and size, imports into a loadable model directory", async () => {
    const out = join(work, "model");
    const save = join(work, "saved.tar.gz");
    const r = await fetchModel(["--url", `${base}/moved`, "--sha256", sha256, "--size", String(size), "--save", save, "--out", out]);
    expect(r.stderr).toContain(`fetch-model: saved ${size} bytes to ${save} (sha-256 ${sha256})`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ url: `${base}/moved`, archive: save, bytes: size, sha256, out, unusedKeys: [] });
    const loaded = await loadModelDirectoryFromDisk(out);
    expect(loaded.manifest.trained).toBe(true);
    expect(loaded.tensors.size).toBe(224);
  });

  it("a wrong sha-256 or a 404 fails without importing", async () => {
    const wrong = await fetchModel(["--url", `${base}/delf.tar.gz`, "--sha256", "0".repeat(64), "--save", join(work, "w.tar.gz"), "--out", join(work, "never")]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`fetch-model: sha-256 ${sha256} does not match the expected ${"0".repeat(64)}`);
    const missing = await fetchModel(["--url", `${base}/nothing.tar.gz`, "--save", join(work, "n.tar.gz"), "--out", join(work, "never")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nothing.tar.gz: HTTP 404");
    expect(existsSync(join(work, "never"))).toBe(false);
  });
});

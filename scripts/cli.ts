/**
 * Command-line front door: `npm run --silent cli -- <command> [args]`.
 * Each command lives in scripts/commands/<command>.ts and exports `run(argv): Promise<number>`
 * (the exit code). Output contracts of the commands are documented in the README.
 */
export {};

const commands: Record<string, string> = {
  extract: "DELF features of one image (JSON)",
  "export-weights": "write a model directory (synthetic weights)",
  verify: "match two feature files and verify with RANSAC (JSON)",
  match: "match two images, in process or against a running service",
  "import-model": "official DELF archive / SavedModel / hub module → model directory",
  "inspect-checkpoint": "list the tensors of any TensorFlow checkpoint",
  "fetch-model": "download the official DELF archive, then import it",
  index: "index a folder or list of images/feature files through a running service (resumable)",
  search: "search a running service's index with an image or feature file",
  "train-codebook": "k-means visual-word codebook for retrieval (seeded, deterministic)",
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, what]) => `  ${name.padEnd(20)} ${what}`);
  return `usage: npm run --silent cli -- <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

const [name, ...argv] = process.argv.slice(2);
if (!name || name === "--help" || name === "-h" || !(name in commands)) {
  process.stderr.write(name && !(name in commands) ? `unknown command: ${name}\n\n${usage()}` : usage());
  process.exit(name ? 2 : 0);
}
try {
  const command = (await import(`./commands/${name}.ts`)) as { run(argv: string[]): Promise<number> };
  process.exitCode = await command.run(argv);
} catch (error) {
  process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

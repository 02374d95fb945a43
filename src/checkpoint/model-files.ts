/**
 * A read-only view of the files of an import source (an extracted archive in memory, or a directory),
 * so the import logic does not care where the bytes come from.
 */
export interface ModelFiles {
  /** What the files came from, for messages and the model's `source`. */
  description: string;
  /** Relative POSIX paths of all regular files. */
  paths: string[];
  read(path: string): Promise<Uint8Array>;
}

export function modelFilesFromMap(description: string, files: Map<string, Uint8Array>): ModelFiles {
  return {
    description,
    paths: [...files.keys()],
    read: async (path) => {
      const bytes = files.get(path);
      if (!bytes) throw new Error(`${path} is not in ${description}`);
      return bytes;
    },
  };
}

/** Path of the directory holding `path` ("" for the root), with a trailing slash when non-empty. */
export function parentDir(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut < 0 ? "" : path.slice(0, cut + 1);
}

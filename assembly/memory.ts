// A bump arena over linear memory that the host resets before each call sequence.
// The host asks for blocks with `arenaAlloc`, fills them, calls a kernel, reads the result,
// then `arenaReset`s. Memory grows on demand and is never returned (wasm cannot shrink).

let arenaStart: usize = 0;
let arenaTop: usize = 0;

function ensureInit(): void {
  if (arenaStart == 0) {
    arenaStart = (__heap_base + 15) & ~15;
    arenaTop = arenaStart;
  }
}

/** Reserves `bytes` (16-byte aligned) and returns the pointer; grows memory when needed. */
export function arenaAlloc(bytes: usize): usize {
  ensureInit();
  const ptr = arenaTop;
  const end = (ptr + bytes + 15) & ~15;
  const needPages = <i32>((end + 0xffff) >>> 16) - memory.size();
  if (needPages > 0 && memory.grow(needPages) < 0) return 0;
  arenaTop = end;
  return ptr;
}

/** Frees everything allocated since the start. */
export function arenaReset(): void {
  ensureInit();
  arenaTop = arenaStart;
}

/** Bytes of linear memory currently reserved by the module (for memory accounting). */
export function memoryBytes(): usize {
  return <usize>memory.size() << 16;
}

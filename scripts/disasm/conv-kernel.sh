#!/bin/bash
# TurboFan's x64 code for the conv kernels (build/conv-relaxed.wasm) in Node 20 and in workerd, to see
# what each V8 makes of the inner loop (docs/BENCHMARKS.md, "DELF conv engine", issue 12 round 3).
#   scripts/disasm/conv-kernel.sh [outdir]   (default /tmp/conv-disasm; needs objdump; port $PORT or 18799)
# Node: --print-wasm-code. workerd's release build has no disassembler, so it runs with v8Flags
# --print-wasm-code (which still prints each function's code address range), and the bytes are read from
# /proc/<pid>/mem while it runs and disassembled with objdump. Function indices: see build/conv-relaxed.wat.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/conv-disasm}
PORT=${PORT:-18799}
mkdir -p "$OUT"
cp build/conv-relaxed.wasm "$OUT/conv.wasm"
# One call of each kernel on a 1×1 conv (64 pixels, 64 → 16 channels) in a private memory.
CALLS='
    e.conv4x8s(0, 1, 64, 64, 65536, 1, 1, 1, 0, 0, 1, 64, 16, 200000, 0, 300000, 1, 400000, 500000, 196608);
    e.conv4x8(0, 1, 64, 64, 65536, 1, 1, 1, 0, 0, 1, 64, 16, 200000, 0, 300000, 1, 400000);'
cat > "$OUT/node.mjs" <<JS
import { readFileSync } from "node:fs";
const { instance } = await WebAssembly.instantiate(readFileSync("$OUT/conv.wasm"), { env: { memory: new WebAssembly.Memory({ initial: 256 }) } });
const e = instance.exports;
$CALLS
JS
node --experimental-wasm-relaxed-simd --no-liftoff --print-wasm-code "$OUT/node.mjs" > "$OUT/node.txt"
cat > "$OUT/main.js" <<JS
import mod from "./conv.wasm";
const e = new WebAssembly.Instance(mod, { env: { memory: new WebAssembly.Memory({ initial: 256 }) } }).exports;
export default { async fetch() { $CALLS
  return new Response("ok"); } };
JS
cat > "$OUT/config.capnp" <<CAPNP
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:$PORT", http = (), service = "main")],
  v8Flags = ["--print-wasm-code", "--no-liftoff", "--no-wasm-lazy-compilation"],
);
const w :Workerd.Worker = (
  modules = [(name = "main.js", esModule = embed "main.js"), (name = "conv.wasm", wasm = embed "conv.wasm")],
  compatibilityDate = "2024-01-01",
);
CAPNP
WORKERD=$(ls node_modules/@cloudflare/workerd-linux-64/bin/workerd)
stdbuf -o0 -e0 "$WORKERD" serve "$OUT/config.capnp" > "$OUT/workerd.txt" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
sleep 3
curl -s "127.0.0.1:$PORT/" > /dev/null
sleep 1
python3 - "$PID" "$OUT" <<'PY'
import re, subprocess, sys
pid, out = sys.argv[1], sys.argv[2]
text = open(f"{out}/workerd.txt").read()
for m in re.finditer(r"name: wasm-function\[(\d+)\].*?Instructions \(size = \d+, 0x([0-9a-f]+)-0x([0-9a-f]+)\)", text, re.S):
    index, start, end = m.group(1), int(m.group(2), 16), int(m.group(3), 16)
    with open(f"/proc/{pid}/mem", "rb") as mem:
        mem.seek(start)
        open(f"{out}/workerd-{index}.bin", "wb").write(mem.read(end - start))
    asm = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "-Mintel", f"{out}/workerd-{index}.bin"], capture_output=True, text=True).stdout
    open(f"{out}/workerd-{index}.s", "w").write(asm)
    print(f"workerd function {index}: {asm.count('vfmadd')} FMAs, {asm.count('jae')} jae (bounds checks and loop exits) -> {out}/workerd-{index}.s")
PY
echo "Node: $OUT/node.txt"

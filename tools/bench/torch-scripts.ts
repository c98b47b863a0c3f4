// Where the benches find Python and the project's PyTorch reference scripts (tools/bench/torch/).
//
// The scripts are found from this file's own location, not from the working directory or a path
// of one machine, so the benches run from any clone, anywhere. They are resolved back into the
// source tree (tools/dist/bench/*.js -> ../../bench/torch/) rather than copied into dist at build:
// the root build (`tsc -b tsconfig.build.json`) only runs tsc, which never copies .py files, so a
// copy step in the tools package's own script would be skipped there and dist would hold a missing
// or stale copy; one file in the source tree is always the one that runs, edits included.
import { fileURLToPath } from 'node:url';

/** The interpreter with PyTorch: Debian's python3-torch installs it for /usr/bin/python3. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The reference scripts in tools/bench/torch/, by file name. */
export const TORCH_SCRIPT_NAMES = ['ddp_dcgan.py', 'ddp_allreduce.py', 'dense_models.py', 'ddp_overhead.py'] as const;
export type TorchScriptName = (typeof TORCH_SCRIPT_NAMES)[number];

/** Absolute path of a reference script of the project, from the compiled tools/dist/bench/ file. */
export function projectTorchScript(name: TorchScriptName): string {
  return fileURLToPath(new URL(`../../bench/torch/${name}`, import.meta.url));
}

export const PYTHON = process.env.DGM_BENCH_PYTHON ?? DEFAULT_PYTHON;
/** ddp_dcgan.py, or the file DGM_BENCH_ANCHOR names (e.g. the team's own anchor, to compare). */
export const DCGAN_ANCHOR = process.env.DGM_BENCH_ANCHOR ?? projectTorchScript('ddp_dcgan.py');
/** ddp_allreduce.py, or the file DGM_BENCH_ALLREDUCE_ANCHOR names. */
export const ALLREDUCE_ANCHOR = process.env.DGM_BENCH_ALLREDUCE_ANCHOR ?? projectTorchScript('ddp_allreduce.py');
/** The PyTorch counterparts of mlp-gan and vae (no override: they exist only in the project). */
export const DENSE_ANCHOR = projectTorchScript('dense_models.py');
/** ddp_overhead.py: the `overhead` bench's model trained with DDP (no override: it exists only in the project). */
export const OVERHEAD_ANCHOR = projectTorchScript('ddp_overhead.py');

// Writes float32 tensors as a TF.js weights directory (weights_manifest.json + shard .bin files), so that a
// half-finished write is never mistaken for a complete one: the manifest is always the last file to appear.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const MANIFEST_FILE = 'weights_manifest.json';
const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export interface NamedFloat32 {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Writes the tensors into outDir (created if needed); files of the same names are replaced, others kept. */
export async function writeWeightsDir(
  tensors: NamedFloat32[],
  outDir: string,
  shardBytes = DEFAULT_SHARD_BYTES,
): Promise<{ bytes: number; shards: number }> {
  return withScratchDir(outDir, async (scratch) => {
    const totalBytes = tensors.reduce((n, t) => n + t.data.byteLength, 0);
    const shardCount = Math.max(1, Math.ceil(totalBytes / shardBytes));
    const paths = Array.from({ length: shardCount }, (_, i) => `group1-shard${i + 1}of${shardCount}.bin`);

    let shardIndex = 0;
    let shard = new Uint8Array(Math.min(shardBytes, totalBytes));
    let filled = 0;
    for (const tensor of tensors) {
      const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
      let offset = 0;
      while (offset < bytes.length) {
        const take = Math.min(bytes.length - offset, shard.length - filled);
        shard.set(bytes.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === shard.length) {
          await writeFile(join(scratch, paths[shardIndex]!), shard);
          shardIndex += 1;
          shard = new Uint8Array(Math.max(0, Math.min(shardBytes, totalBytes - shardIndex * shardBytes)));
          filled = 0;
        }
      }
    }

    const manifest = [{ paths, weights: tensors.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })) }];
    await writeFile(join(scratch, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
    return { bytes: totalBytes, shards: shardCount };
  });
}

/**
 * Runs `fill` on an empty scratch folder beside outDir, then moves what it wrote into outDir, the manifest
 * last. On failure the scratch folder is removed and outDir is left as it was.
 */
async function withScratchDir<T>(outDir: string, fill: (scratch: string) => Promise<T>): Promise<T> {
  const parent = dirname(outDir);
  await mkdir(parent, { recursive: true });
  const scratch = await mkdtemp(join(parent, `.${basename(outDir)}.partial-`));
  try {
    const result = await fill(scratch);
    if (!existsSync(outDir) || (await readdir(outDir)).length === 0) {
      await rm(outDir, { recursive: true, force: true });
      await rename(scratch, outDir);
    } else {
      // Take the old manifest out first so a crash halfway never leaves a manifest pointing at mixed shards.
      const oldManifest = join(outDir, MANIFEST_FILE);
      if (existsSync(oldManifest)) await rename(oldManifest, `${oldManifest}.old-${randomBytes(4).toString('hex')}`);
      const files = (await readdir(scratch)).filter((f) => f !== MANIFEST_FILE);
      for (const file of files) await rename(join(scratch, file), join(outDir, file));
      await rename(join(scratch, MANIFEST_FILE), join(outDir, MANIFEST_FILE));
      for (const file of await readdir(outDir)) {
        if (file.startsWith(`${MANIFEST_FILE}.old-`)) await rm(join(outDir, file), { force: true });
      }
    }
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// models/checksums.json: where each model file comes from and the MD5 it must have.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHECKSUMS_PATH = join(REPO_ROOT, 'models', 'checksums.json');

export interface ModelSource {
  description: string;
  url: string;
  file: string;
  md5: string;
}

export function readModelSource(name = 'vgg19'): ModelSource {
  const all = JSON.parse(readFileSync(CHECKSUMS_PATH, 'utf8')) as Record<string, ModelSource>;
  const source = all[name];
  if (!source || !/^[0-9a-f]{32}$/.test(source.md5) || !source.url) {
    throw new Error(`${CHECKSUMS_PATH} has no valid entry for "${name}"`);
  }
  return source;
}

/** Where weights go: the given folder, else STYLEBOT_MODEL_DIR, else <repo>/models/vgg19. */
export function resolveTargetDir(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (dir && dir.trim() !== '') return resolve(dir);
  const fromEnv = env.STYLEBOT_MODEL_DIR?.trim();
  return fromEnv ? resolve(fromEnv) : join(REPO_ROOT, 'models', 'vgg19');
}

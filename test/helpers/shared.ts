// Where tests find the real weights and images: ../shared beside the repository, or STYLEBOT_SHARED.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = resolve(process.env.STYLEBOT_SHARED ?? join(REPO_ROOT, '..', 'shared'));
export const MODEL_DIR = join(SHARED_DIR, 'models', 'vgg19');
export const IMAGES_DIR = join(SHARED_DIR, 'images');
export const ARTISTS_DIR = join(IMAGES_DIR, 'artists');
export const CONTENT_DIR = join(IMAGES_DIR, 'content');
export const STYLES_DIR = join(IMAGES_DIR, 'styles');

if (!existsSync(join(MODEL_DIR, 'weights_manifest.json'))) {
  throw new Error(`Test data not found: expected ${MODEL_DIR}. Put the shared folder beside the repository or set STYLEBOT_SHARED.`);
}

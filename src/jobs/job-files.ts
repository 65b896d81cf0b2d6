// Each job's images live in <dataDir>/jobs/<id>/: content.<ext>, style-<n>.<ext>, result.png.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File extension from the first bytes of an encoded image ("bin" when unknown). */
export function imageExtension(bytes: Uint8Array): string {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpg';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'gif';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return 'webp';
  return 'bin';
}

export class JobFiles {
  constructor(private readonly root: string) {}

  dir(jobId: string): string {
    return join(this.root, jobId);
  }

  /** Writes one input image; returns its file name inside the job folder. */
  writeInput(jobId: string, baseName: string, bytes: Uint8Array): string {
    const dir = this.dir(jobId);
    mkdirSync(dir, { recursive: true });
    const file = `${baseName}.${imageExtension(bytes)}`;
    writeFileSync(join(dir, file), bytes);
    return file;
  }

  read(jobId: string, file: string): Uint8Array | undefined {
    const path = join(this.dir(jobId), file);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
  }

  /** Writes the output PNG; returns its absolute path. */
  writeResult(jobId: string, png: Uint8Array): string {
    const dir = this.dir(jobId);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'result.png');
    writeFileSync(path, png);
    return path;
  }

  remove(jobId: string): void {
    rmSync(this.dir(jobId), { recursive: true, force: true });
  }
}

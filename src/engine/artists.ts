// Per-artist corpora: <artists dir>/<artist>/<work>.jpg. Picks a work deterministically for a seed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { seededRandom } from './random.js';

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|gif)$/i;

/** Names listed in full in an unknown-artist message; more are counted. */
const NAMES_SHOWN = 20;

/**
 * The user asked for an artist that has no folder; suggestions are the closest names. The message lists the
 * artists it knows instead of naming a command, since the CLI and the chat bots list them differently.
 */
export class UnknownArtistError extends UserError {
  readonly suggestions: string[];
  constructor(name: string, suggestions: string[], known: string[] = []) {
    const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
    const shown = known.slice(0, NAMES_SHOWN).join(', ');
    const more = known.length > NAMES_SHOWN ? ` and ${known.length - NAMES_SHOWN} more` : '';
    const list = known.length === 0 ? ' No artists are installed.' : ` Artists I know: ${shown}${more}.`;
    super('unknown_artist', `I don't know the artist "${name}".${hint}${list}`);
    this.name = 'UnknownArtistError';
    this.suggestions = suggestions;
  }
}

/**
 * STYLEBOT_ARTISTS_DIR, else <data dir>/artists, the data dir being STYLEBOT_DATA_DIR or ./data (the job service's
 * default): one writable corpus that the bots, the admin "artist add" command and the CLI share.
 */
export function resolveArtistsDir(env: NodeJS.ProcessEnv = process.env, dataDir = env.STYLEBOT_DATA_DIR?.trim() || './data'): string {
  const fromEnv = env.STYLEBOT_ARTISTS_DIR;
  return fromEnv && fromEnv.trim() !== '' ? resolve(fromEnv) : join(resolve(dataDir), 'artists');
}

/**
 * Artist folder names, sorted; [] when the directory does not exist. Entries that are not folders (a stray file, a
 * dangling link) are skipped. Throws a plain (internal) Error when `dir` exists but is not a folder: that is the
 * operator's problem, and its message names a path, so it must not reach a user.
 */
export function listArtists(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.') && isDirectory(join(dir, entry.name)))
    .map((entry) => entry.name)
    .sort();
}

/**
 * The artist's image files, sorted; only regular files (a dangling link or a folder named like an image is
 * skipped). `artist` may be written loosely ("Van Gogh").
 */
export function listWorks(dir: string, artist: string): string[] {
  const folder = resolveArtist(dir, artist);
  return readdirSync(join(dir, folder))
    .filter((name) => !name.startsWith('.') && IMAGE_EXTENSIONS.test(name) && isFile(join(dir, folder, name)))
    .sort();
}

/** One of the artist's works, the same one for the same seed. */
export function pickArtwork(dir: string, artist: string, seed: number): { artist: string; file: string; path: string } {
  const folder = resolveArtist(dir, artist);
  const works = listWorks(dir, folder);
  if (works.length === 0) throw new UserError('no_artworks', `The artist "${folder}" has no images yet.`);
  const file = works[Math.floor(seededRandom(seed)() * works.length)]!;
  return { artist: folder, file, path: join(dir, folder, file) };
}

/** The folder name for a loosely written artist name: case, spaces, dashes and accents are ignored. */
export function resolveArtist(dir: string, name: string): string {
  const artists = listArtists(dir);
  const wanted = normaliseName(name);
  const found = wanted === '' ? undefined : artists.find((artist) => normaliseName(artist) === wanted);
  if (found) return found;
  throw new UnknownArtistError(name, suggestArtists(artists, wanted), artists);
}

/** "Van Gogh", "van-gogh", "VanGogh", "van_gogh" all become "vangogh". */
export function normaliseName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** Up to three names closest to the query: substring matches first, then small edit distances. */
function suggestArtists(artists: string[], wanted: string): string[] {
  if (wanted === '') return [];
  return artists
    .map((artist) => {
      const name = normaliseName(artist);
      const distance = name.includes(wanted) || wanted.includes(name) ? 0 : editDistance(name, wanted);
      return { artist, distance, limit: Math.max(2, Math.floor(Math.max(name.length, wanted.length) / 3)) };
    })
    .filter(({ distance, limit }) => distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.artist.localeCompare(b.artist))
    .slice(0, 3)
    .map(({ artist }) => artist);
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

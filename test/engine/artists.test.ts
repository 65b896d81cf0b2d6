import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  UnknownArtistError,
  editDistance,
  listArtists,
  listWorks,
  normaliseName,
  pickArtwork,
  resolveArtistsDir,
} from '../../src/engine/artists.js';
import { seededRandom } from '../../src/engine/random.js';
import { ARTISTS_DIR } from '../helpers/shared.js';

describe('artists', () => {
  it('lists artist folders and their works, sorted', () => {
    const artists = listArtists(ARTISTS_DIR);
    expect(artists).toContain('van-gogh');
    expect(artists).toContain('hokusai');
    expect(artists).toEqual([...artists].sort());
    const works = listWorks(ARTISTS_DIR, 'van-gogh');
    expect(works).toContain('the-starry-night.jpg');
    expect(works).toEqual([...works].sort());
    expect(listArtists(join(ARTISTS_DIR, 'does-not-exist'))).toEqual([]);
  });

  it('ignores files that are not images and hidden entries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'artists-'));
    mkdirSync(join(dir, 'painter'));
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'README.md'), 'not an artist');
    writeFileSync(join(dir, 'painter', 'a.JPG'), 'x');
    writeFileSync(join(dir, 'painter', 'notes.txt'), 'x');
    writeFileSync(join(dir, 'painter', '.DS_Store'), 'x');
    expect(listArtists(dir)).toEqual(['painter']);
    expect(listWorks(dir, 'Painter')).toEqual(['a.JPG']);
    mkdirSync(join(dir, 'empty'));
    expect(() => pickArtwork(dir, 'empty', 1)).toThrow(/no images/);
  });

  it('finds an artist however the name is written', () => {
    for (const name of ['Van Gogh', 'van-gogh', 'vangogh', 'VAN_GOGH', ' van gogh ']) {
      expect(pickArtwork(ARTISTS_DIR, name, 1).artist).toBe('van-gogh');
    }
    expect(normaliseName('Cézanne')).toBe('cezanne');
    expect(pickArtwork(ARTISTS_DIR, 'Cézanne', 1).artist).toBe('cezanne');
  });

  it('picks the same work for the same seed, and a real file', () => {
    const a = pickArtwork(ARTISTS_DIR, 'monet', 42);
    const b = pickArtwork(ARTISTS_DIR, 'Monet', 42);
    expect(a).toEqual(b);
    expect(existsSync(a.path)).toBe(true);
    expect(a.path).toBe(join(ARTISTS_DIR, 'monet', a.file));
  });

  it('spreads picks over all the works across seeds', () => {
    const works = listWorks(ARTISTS_DIR, 'van-gogh');
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 500; seed++) {
      const { file } = pickArtwork(ARTISTS_DIR, 'van-gogh', seed);
      counts.set(file, (counts.get(file) ?? 0) + 1);
    }
    expect(counts.size).toBe(works.length);
    // Each of 5 works expects 100 picks; allow wide but meaningful bounds.
    for (const count of counts.values()) expect(count).toBeGreaterThan(60);
  });

  it('names the closest artists when it does not know one', () => {
    const error = (() => {
      try {
        pickArtwork(ARTISTS_DIR, 'Van Goh', 1);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownArtistError);
    expect((error as UnknownArtistError).suggestions[0]).toBe('van-gogh');
    expect((error as Error).message).toMatch(/"Van Goh".*Did you mean "van-gogh".*Artists I know: .*monet/);
    expect(() => listWorks(ARTISTS_DIR, 'Gogh')).toThrow(/van-gogh/); // a part of the name is suggested too
    try {
      listWorks(ARTISTS_DIR, 'Rembrandt');
    } catch (e) {
      expect((e as UnknownArtistError).suggestions).toEqual([]);
      expect((e as Error).message).toMatch(/Artists I know/);
    }
    expect(() => pickArtwork(ARTISTS_DIR, '', 1)).toThrow(UnknownArtistError);
  });

  it('computes edit distances', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('monet', 'monet')).toBe(0);
  });

  it('resolves the artists directory from the environment, else <data dir>/artists', () => {
    expect(resolveArtistsDir({ STYLEBOT_ARTISTS_DIR: ARTISTS_DIR, STYLEBOT_DATA_DIR: '/srv/stylebot' })).toBe(ARTISTS_DIR);
    expect(resolveArtistsDir({ STYLEBOT_DATA_DIR: '/srv/stylebot' })).toBe('/srv/stylebot/artists');
    expect(resolveArtistsDir({ STYLEBOT_DATA_DIR: '  ' })).toBe(resolve('data', 'artists'));
    expect(resolveArtistsDir({})).toBe(resolve('data', 'artists'));
    expect(resolveArtistsDir({}, '/var/lib/stylebot')).toBe('/var/lib/stylebot/artists');
  });
});

describe('seededRandom', () => {
  it('is deterministic per seed, differs across seeds, and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const sequence = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(sequence);
    expect(seededRandom(8)()).not.toBe(sequence[0]);
    const r = seededRandom(123);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = r();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(sum / 10_000).toBeGreaterThan(0.48);
    expect(sum / 10_000).toBeLessThan(0.52);
    expect(() => seededRandom(Number.NaN)).toThrow(RangeError);
  });
});

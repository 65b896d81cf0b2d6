// "Use as style" picks: one per person, bounded in count (the least recently picked goes) and in age, used once.
import { describe, expect, it } from 'vitest';
import { RememberedStyles } from '../../src/platforms/slack/remembered-styles.js';
import { decodeOrigin, encodeOrigin, imagesOf } from '../../src/platforms/slack/shortcuts.js';

const image = (name: string) => ({ name, url: `https://files.slack.com/files-pri/T1-F1/${name}`, size: 10, mimetype: 'image/png' });

describe('RememberedStyles', () => {
  it('keeps one pick per person of a workspace, the newest', () => {
    const styles = new RememberedStyles();
    styles.remember('T1', 'U1', image('a.png'));
    styles.remember('T1', 'U1', image('b.png'));
    styles.remember('T2', 'U1', image('c.png'));
    expect(styles.peek('T1', 'U1')?.name).toBe('b.png');
    expect(styles.peek('T2', 'U1')?.name).toBe('c.png');
    expect(styles.size).toBe(2);
  });

  it('forgets the least recently picked beyond maxEntries, and a pick older than maxAgeMs', () => {
    let now = 0;
    const styles = new RememberedStyles({ maxEntries: 2, maxAgeMs: 1000, now: () => now });
    styles.remember('T', 'U1', image('1.png'));
    styles.remember('T', 'U2', image('2.png'));
    styles.remember('T', 'U1', image('1b.png')); // U1 picked again: U2 is now the oldest
    styles.remember('T', 'U3', image('3.png'));
    expect(styles.size).toBe(2);
    expect(styles.peek('T', 'U2')).toBeUndefined();
    expect(styles.peek('T', 'U1')?.name).toBe('1b.png');
    now = 1001;
    expect(styles.peek('T', 'U3')).toBeUndefined();
    expect(styles.size).toBe(1);
  });

  it('hands a pick out once', () => {
    const styles = new RememberedStyles();
    styles.remember('T', 'U', image('a.png'));
    expect(styles.take('T', 'U')?.name).toBe('a.png');
    expect(styles.take('T', 'U')).toBeUndefined();
  });
});

describe('shortcut images and the modal origin', () => {
  it('takes image files with a link only, at most four', () => {
    const files = [
      { name: 'doc.pdf', mimetype: 'application/pdf', url_private: 'https://files.slack.com/x' },
      { name: 'remote.png', mimetype: 'image/png' },
      ...Array.from({ length: 6 }, (_, i) => ({
        name: `${i}.jpg`,
        mimetype: 'image/jpeg',
        url_private: `https://files.slack.com/${i}`,
        size: 5,
      })),
    ];
    expect(imagesOf(files).map((i) => i.name)).toEqual(['0.jpg', '1.jpg', '2.jpg', '3.jpg']);
    expect(imagesOf('nope')).toEqual([]);
  });

  it('round-trips through private_metadata and drops images until it fits 3000 characters', () => {
    const long = (i: number) => ({ ...image(`${i}.png`), url: `https://files.slack.com/${'x'.repeat(1200)}/${i}` });
    const origin = { channel: 'C1', threadTs: '1.2', images: [long(1), long(2), long(3)] };
    const text = encodeOrigin(origin);
    expect(text.length).toBeLessThanOrEqual(3000);
    const back = decodeOrigin(text);
    expect(back?.channel).toBe('C1');
    expect(back?.threadTs).toBe('1.2');
    expect(back?.images.map((i) => i.name)).toEqual(['1.png', '2.png']);
    expect(decodeOrigin('{"images":[]}')).toBeUndefined();
    expect(decodeOrigin('not json')).toBeUndefined();
  });
});

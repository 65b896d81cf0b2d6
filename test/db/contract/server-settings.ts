// The ServerSettings contract: nothing until saved, then exactly what was saved, per server, replaced as a whole.
import { expect, it } from 'vitest';
import { StoreInputError } from '../../../src/jobs/ports.js';
import type { StoreFixture } from './fixture.js';

export function serverSettingsContract(f: StoreFixture): void {
  it("keeps each server's settings, replaced as a whole", async () => {
    expect(await f.store.serverSettings('discord', 'g1')).toBeUndefined();
    await f.store.saveServerSettings(
      'discord',
      'g1',
      { allowedChannels: ['111', '222'], defaultBudget: 30, defaultSize: 384, resultsPrivate: true },
      1,
    );
    await f.store.saveServerSettings('slack', 'g1', { allowedChannels: [], resultsPrivate: false }, 1);
    expect(await f.store.serverSettings('discord', 'g1')).toEqual({
      allowedChannels: ['111', '222'],
      defaultBudget: 30,
      defaultSize: 384,
      resultsPrivate: true,
    });
    expect(await f.store.serverSettings('slack', 'g1')).toEqual({ allowedChannels: [], resultsPrivate: false });
    await f.store.saveServerSettings('discord', 'g1', { allowedChannels: ['333'], resultsPrivate: false }, 2);
    expect(await f.store.serverSettings('discord', 'g1')).toEqual({ allowedChannels: ['333'], resultsPrivate: false });
    expect(await f.store.serverSettings('discord', 'g2')).toBeUndefined();
  });

  it('refuses a channel id no store can hold, and finds no settings under such a server id', async () => {
    await expect(
      f.store.saveServerSettings('discord', 'g1', { allowedChannels: ['a\u0000b'], resultsPrivate: false }, 1),
    ).rejects.toBeInstanceOf(StoreInputError);
    expect(await f.store.serverSettings('discord', 'x'.repeat(300))).toBeUndefined();
  });
}

import type { Catalogue } from './en.js';

export const de: Partial<Catalogue> = {
  'cmd.stylize.description': 'Ein Foto im Stil eines Gemäldes (oder eines Künstlers) malen',
  'cmd.artists.description': 'Die Künstler, die Stylebot kennt, oder die Werke eines Künstlers',
  'cmd.jobs.description': 'Deine letzten Aufträge',
  'cmd.cancel.description': 'Einen deiner Aufträge abbrechen',
  'cmd.compare.description': 'Wie weit liegen die Stile zweier Bilder auseinander?',
  'cmd.show.description': 'Ein fertiges Bild von dir mit seinen Knöpfen erneut posten',
  'cmd.help.description': 'So benutzt du Stylebot',
  'cmd.quota.description': 'Deine Limits und dein Verbrauch heute',
  'cmd.stylize.name': 'stilisieren',
  'cmd.help.name': 'hilfe',
  'menu.stylizeWith': 'Stilisieren mit...',
  'menu.useAsStyle': 'Als Stil verwenden',
  'menu.noImage':
    'Diese Nachricht hat kein Bild, das ich verwenden kann (JPEG, PNG, WebP oder GIF als Anhang). Wähle eine Nachricht mit Bild oder nutze /stylize mit einem Upload.',
  'menu.formExpired': 'Dieses Formular ist abgelaufen. Wähle „Stilisieren mit...“ an der Nachricht erneut.',
  'menu.styleSaved':
    '{name} ist jetzt dein Stil. Dein nächstes /stylize ohne Stil oder Künstler und „Stilisieren mit...“ ohne Künstler malen damit (24 Stunden lang oder bis du einen anderen wählst).',
  'menu.formTitle': 'Dieses Bild stilisieren',
  'menu.formArtist': 'Künstler (leer: dein gespeicherter Stil)',
  'menu.formOptions': 'Optionen',
  'menu.formBudget': 'Budget in Sekunden',
  'settings.useOtherChannel': 'Stylebot arbeitet auf diesem Server in {channels}: frag dort.',
};

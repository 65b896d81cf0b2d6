import type { Catalogue } from './en.js';

export const fr: Partial<Catalogue> = {
  'cmd.stylize.description': "Peindre une photo dans le style d'un tableau (ou d'un artiste)",
  'cmd.artists.description': "Les artistes que Stylebot connaît, ou les œuvres de l'un d'eux",
  'cmd.jobs.description': 'Vos travaux récents',
  'cmd.cancel.description': "Annuler l'un de vos travaux",
  'cmd.compare.description': 'Quelle distance entre les styles de deux images ?',
  'cmd.show.description': 'Publier à nouveau une de vos images terminées, avec ses boutons',
  'cmd.help.description': 'Comment utiliser Stylebot',
  'cmd.quota.description': "Vos limites et ce que vous avez utilisé aujourd'hui",
  'cmd.stylize.name': 'styliser',
  'cmd.help.name': 'aide',
  'menu.stylizeWith': 'Styliser avec...',
  'menu.useAsStyle': 'Utiliser comme style',
  'menu.noImage':
    "Ce message n'a aucune image utilisable (JPEG, PNG, WebP ou GIF en pièce jointe). Choisissez un message avec une image, ou utilisez /stylize avec un envoi.",
  'menu.formExpired': 'Ce formulaire a expiré. Choisissez à nouveau « Styliser avec... » sur le message.',
  'menu.styleSaved':
    "{name} est enregistrée comme votre style. Votre prochain /stylize sans style ni artiste, et « Styliser avec... » sans artiste, l'utiliseront (pendant 24 heures, ou jusqu'à ce que vous en choisissiez un autre).",
  'menu.formTitle': 'Styliser cette image',
  'menu.formArtist': 'Artiste (vide : votre style enregistré)',
  'menu.formOptions': 'Options',
  'menu.formBudget': 'Budget en secondes',
  'settings.useOtherChannel': 'Sur ce serveur, Stylebot fonctionne dans {channels} : demandez là-bas.',
};

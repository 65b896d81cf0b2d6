import type { Catalogue } from './en.js';

export const es: Partial<Catalogue> = {
  'cmd.stylize.description': 'Pintar una foto con el estilo de un cuadro (o de un artista)',
  'cmd.artists.description': 'Los artistas que Stylebot conoce, o las obras de uno',
  'cmd.jobs.description': 'Tus trabajos recientes',
  'cmd.cancel.description': 'Cancelar uno de tus trabajos',
  'cmd.compare.description': '¿Qué tan distintos son los estilos de dos imágenes?',
  'cmd.show.description': 'Publicar de nuevo una imagen tuya terminada, con sus botones',
  'cmd.help.description': 'Cómo usar Stylebot',
  'cmd.quota.description': 'Tus límites y lo que has usado hoy',
  'cmd.stylize.name': 'estilizar',
  'cmd.help.name': 'ayuda',
  'menu.stylizeWith': 'Estilizar con...',
  'menu.useAsStyle': 'Usar como estilo',
  'menu.noImage':
    'Ese mensaje no tiene ninguna imagen que pueda usar (JPEG, PNG, WebP o GIF adjunto). Elige un mensaje con una imagen, o usa /stylize con un archivo.',
  'menu.formExpired': 'Este formulario ha caducado. Elige de nuevo «Estilizar con...» en el mensaje.',
  'menu.styleSaved':
    '{name} se guardó como tu estilo. Tu próximo /stylize sin estilo ni artista, y «Estilizar con...» sin artista, lo usarán (durante 24 horas, o hasta que elijas otro).',
  'menu.formTitle': 'Estilizar esta imagen',
  'menu.formArtist': 'Artista (vacío: tu estilo guardado)',
  'menu.formOptions': 'Opciones',
  'menu.formBudget': 'Presupuesto en segundos',
  'settings.useOtherChannel': 'En este servidor Stylebot funciona en {channels}: pregunta allí.',
};

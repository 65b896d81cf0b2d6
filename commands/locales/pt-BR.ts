import type { Catalogue } from './en.js';

export const ptBR: Partial<Catalogue> = {
  'cmd.stylize.description': 'Pintar uma foto no estilo de um quadro (ou de um artista)',
  'cmd.artists.description': 'Os artistas que o Stylebot conhece, ou as obras de um deles',
  'cmd.jobs.description': 'Seus trabalhos recentes',
  'cmd.cancel.description': 'Cancelar um dos seus trabalhos',
  'cmd.compare.description': 'Quão distantes são os estilos de duas imagens?',
  'cmd.show.description': 'Publicar de novo uma imagem sua pronta, com os botões',
  'cmd.help.description': 'Como usar o Stylebot',
  'cmd.quota.description': 'Seus limites e o que você usou hoje',
  'cmd.stylize.name': 'estilizar',
  'cmd.help.name': 'ajuda',
  'menu.stylizeWith': 'Estilizar com...',
  'menu.useAsStyle': 'Usar como estilo',
  'menu.noImage':
    'Essa mensagem não tem nenhuma imagem que eu possa usar (JPEG, PNG, WebP ou GIF anexado). Escolha uma mensagem com imagem, ou use /stylize com um envio.',
  'menu.formExpired': 'Este formulário expirou. Escolha "Estilizar com..." na mensagem de novo.',
  'menu.styleSaved':
    '{name} foi salvo como seu estilo. Seu próximo /stylize sem estilo nem artista, e "Estilizar com..." sem artista, vão usá-lo (por 24 horas, ou até você escolher outro).',
  'menu.formTitle': 'Estilizar esta imagem',
  'menu.formArtist': 'Artista (vazio: seu estilo salvo)',
  'menu.formOptions': 'Opções',
  'menu.formBudget': 'Orçamento em segundos',
  'settings.useOtherChannel': 'Neste servidor o Stylebot funciona em {channels}: peça lá.',
};

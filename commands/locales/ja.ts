import type { Catalogue } from './en.js';

export const ja: Partial<Catalogue> = {
  'cmd.stylize.description': '写真を絵画（または画家）のスタイルで描きます',
  'cmd.artists.description': 'Stylebot が知っている画家、またはその作品',
  'cmd.jobs.description': '最近のジョブ',
  'cmd.cancel.description': 'ジョブをキャンセルします',
  'cmd.compare.description': '2 枚の画像のスタイルはどれくらい違う？',
  'cmd.show.description': '完成した画像をボタン付きでもう一度投稿します',
  'cmd.help.description': 'Stylebot の使い方',
  'cmd.quota.description': 'あなたの上限と今日の使用量',
  'menu.stylizeWith': 'スタイル変換...',
  'menu.useAsStyle': 'スタイルとして使う',
  'menu.noImage':
    'このメッセージには使える画像（JPEG・PNG・WebP・GIF の添付）がありません。画像付きのメッセージを選ぶか、/stylize でアップロードしてください。',
  'menu.formExpired': 'このフォームは期限切れです。メッセージでもう一度「スタイル変換...」を選んでください。',
  'menu.styleSaved':
    '{name} をあなたのスタイルとして保存しました。次にスタイルも画家も指定しない /stylize と、画家を指定しない「スタイル変換...」はこのスタイルで描きます（24 時間、または別のものを選ぶまで）。',
  'menu.formTitle': 'この画像をスタイル変換',
  'menu.formArtist': '画家（空欄：保存したスタイル）',
  'menu.formOptions': 'オプション',
  'menu.formBudget': '予算（秒）',
  'settings.useOtherChannel': 'このサーバーでは Stylebot は {channels} で使えます。そちらでどうぞ。',
};

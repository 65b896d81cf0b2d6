/// <reference lib="dom" />
// The studio page: plain TypeScript, bundled by esbuild when the server starts. It only talks to the JSON API and
// builds every element with textContent, so nothing a user typed is ever parsed as HTML.

// Types only (esbuild erases them): the shapes the server's API sends.
import type { OptionField } from '../options-form.js';
import type { ApiJob } from '../job-view.js';
import type { TokenView } from '../tokens.js';

interface Me {
  user: string;
  role: 'admin' | 'user';
  quota: Record<string, number>;
  usage: { jobsToday: number; gpuSecondsToday: number; queuedNow: number };
}

type Attrs = Record<string, string | boolean | number | undefined | ((event: Event) => void)>;

/** document.createElement with attributes, listeners (on...) and children (strings become text). */
function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: { accept: 'application/json', ...(init.headers ?? {}) },
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : {};
  if (!response.ok) {
    const error = (body as { error?: { code: string; message: string } }).error;
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `The studio answered ${response.status}.`);
  }
  return body as T;
}

const postJson = <T>(path: string, data: unknown) =>
  api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });

function message(target: HTMLElement, text: string, kind: 'error' | 'ok'): void {
  target.replaceChildren(
    h('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': `${kind}-message` }, text),
  );
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

// ---- state ------------------------------------------------------------------------------------------------

let me: Me;
let fields: OptionField[] = [];
const app = document.getElementById('app')!;
const sections = new Map<string, HTMLElement>();

async function main(): Promise<void> {
  [me, { fields }] = await Promise.all([api<Me>('/api/v1/me'), api<{ fields: OptionField[] }>('/api/v1/options')]);
  const who = document.getElementById('who')!;
  who.replaceChildren(
    h('span', { 'data-testid': 'who' }, `${me.user}${me.role === 'admin' ? ' (admin)' : ''}`),
    ' · ',
    h('a', { href: '/login' }, 'switch user'),
  );
  const pages: [string, string, () => HTMLElement][] = [
    ['paint', 'Paint', paintPage],
    ['compare', 'Style distance', comparePage],
    ['settings', 'Picture settings', settingsPage],
    ['gallery', 'My pictures', galleryPage],
    ['tokens', 'API tokens', tokensPage],
  ];
  if (me.role === 'admin') pages.push(['admin', 'Admin', adminPage]);
  const nav = document.getElementById('nav')!;
  app.replaceChildren();
  for (const [id, label, build] of pages) {
    nav.append(h('a', { href: `#${id}`, id: `nav-${id}` }, label));
    const section = build();
    section.id = id;
    sections.set(id, section);
    app.append(section);
  }
  window.addEventListener('hashchange', show);
  show();
}

function show(): void {
  const wanted = location.hash.slice(1) || 'paint';
  const id = sections.has(wanted) ? wanted : 'paint';
  for (const [name, section] of sections) {
    section.hidden = name !== id;
    document.getElementById(`nav-${name}`)?.classList.toggle('active', name === id);
  }
  if (id === 'gallery') void refreshGallery();
  if (id === 'admin') void refreshAdmin();
  if (id === 'tokens') void refreshTokens();
}

// ---- paint --------------------------------------------------------------------------------------------------

/** A file input that also takes a dropped file, with a small preview of the picture. */
function dropZone(name: string, label: string, testId: string): HTMLElement {
  const input = h('input', { type: 'file', name, accept: 'image/*', 'data-testid': testId }) as HTMLInputElement;
  const thumb = h('img', { alt: '', hidden: true }) as HTMLImageElement;
  const zone = h('label', { class: 'drop' }, label, h('br'), input, thumb);
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    thumb.hidden = !file || !file.type.startsWith('image/');
    if (file && !thumb.hidden) thumb.src = URL.createObjectURL(file);
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const files = (event as DragEvent).dataTransfer?.files;
    if (files && files.length > 0) {
      input.files = files;
      input.dispatchEvent(new Event('change'));
    }
  });
  return zone;
}

function optionInput(field: OptionField): HTMLElement {
  const id = `opt-${field.name}`;
  let input: HTMLElement;
  if (field.type === 'choice') {
    input = h(
      'select',
      { name: field.name, id },
      h('option', { value: '' }, `default (${field.default ?? 'none'})`),
      ...(field.choices ?? []).map((c) => h('option', { value: c }, c)),
    );
  } else {
    const numeric = field.type !== 'text';
    input = h('input', {
      name: field.name,
      id,
      type: numeric ? 'number' : 'text',
      step: field.type === 'integer' ? 1 : numeric ? 'any' : undefined,
      min: field.min,
      max: field.max,
      placeholder: field.default !== undefined ? String(field.default) : '',
    });
  }
  return h('label', { for: id }, `${field.name} `, input, ' ', h('small', {}, field.help));
}

function paintPage(): HTMLElement {
  const feedback = h('div', { 'data-testid': 'paint-feedback' });
  const cards = h('div', { id: 'cards' });
  const works = h('div', { class: 'works', 'data-testid': 'artist-works' });
  const artistSelect = h(
    'select',
    { name: 'artist', 'data-testid': 'artist' },
    h('option', { value: '' }, '— or pick an artist —'),
  ) as HTMLSelectElement;
  const artists = new Map<string, { file: string; thumbnail: string }[]>();
  void api<{ artists: { name: string; works: { file: string; thumbnail: string }[] }[] }>('/api/v1/artists').then(({ artists: list }) => {
    for (const artist of list) {
      artists.set(artist.name, artist.works);
      artistSelect.append(h('option', { value: artist.name }, `${artist.name} (${artist.works.length})`));
    }
  });
  artistSelect.addEventListener('change', () => {
    works.replaceChildren(
      ...(artists.get(artistSelect.value) ?? []).map((w) =>
        h('figure', {}, h('img', { src: w.thumbnail, alt: w.file, loading: 'lazy' }), h('figcaption', {}, w.file)),
      ),
    );
  });

  const styles = [1, 2, 3].map((n) =>
    h(
      'div',
      { class: 'drop-wrap' },
      dropZone('style', `Painting ${n}${n > 1 ? ' (optional)' : ''}`, `style${n}`),
      h('label', {}, 'blend weight ', h('input', { type: 'number', name: `style_weight${n}`, min: 0, step: 'any', placeholder: '1' })),
    ),
  );
  const common = fields.filter((f) => f.common).map(optionInput);
  const more = fields.filter((f) => !f.common).map(optionInput);
  const form = h(
    'form',
    { 'data-testid': 'paint-form' },
    h('div', { class: 'row' }, dropZone('content', 'Photo (none for a texture)', 'content'), ...styles),
    h('fieldset', {}, h('legend', {}, 'Artist instead of paintings'), artistSelect, works),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Options'),
      h('label', {}, h('input', { type: 'checkbox', name: 'texture', value: 'true' }), ' texture (no photo: paint the style alone)'),
      ...common,
      h('details', {}, h('summary', {}, 'More options'), ...more),
    ),
    h('button', { type: 'submit', 'data-testid': 'submit' }, 'Paint'),
  ) as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitJob(form, feedback, cards);
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Paint a photo in the style of a painting'),
    h('div', { class: 'paint-layout' }, form, h('div', {}, feedback, cards)),
  );
}

async function submitJob(form: HTMLFormElement, feedback: HTMLElement, cards: HTMLElement): Promise<void> {
  feedback.replaceChildren();
  // Empty file inputs and empty fields mean "not given" (three inputs share the name "style", so rebuild, not delete).
  const data = new FormData();
  for (const [key, value] of new FormData(form).entries()) {
    const empty = value instanceof File ? value.size === 0 && value.name === '' : value === '';
    if (!empty) data.append(key, value);
  }
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  button.disabled = true;
  try {
    const answer = await api<{ id: string; job: ApiJob }>('/api/v1/jobs', { method: 'POST', body: data });
    cards.prepend(jobCard(answer.job));
  } catch (error) {
    message(feedback, error instanceof Error ? error.message : String(error), 'error');
  } finally {
    button.disabled = false;
  }
}

/** A job's card: position, live preview, progress, then the picture with its settings and buttons. */
function jobCard(initial: ApiJob): HTMLElement {
  const card = h('div', { class: 'card', 'data-testid': 'job-card', 'data-job': initial.id });
  const status = h('div', { class: 'status', 'data-testid': 'job-status' });
  const bar = h('progress', { max: 1, value: 0, 'data-testid': 'job-progress' }) as HTMLProgressElement;
  const counts = h('div', { 'data-testid': 'job-counts' });
  const preview = h('img', { class: 'preview', alt: 'preview', hidden: true, 'data-testid': 'job-preview' }) as HTMLImageElement;
  const final = h('div', {});
  const actions = h('div', {});
  const feedback = h('div', {});
  card.append(status, bar, counts, preview, final, actions, feedback);

  const draw = (job: ApiJob, previewUrl?: string) => {
    card.dataset.state = job.state;
    // A finished job's status repeats its settings, which are shown under the picture instead.
    status.textContent = job.state === 'done' ? job.status.split('\n').slice(0, 2).join('\n') : job.status;
    bar.value = job.fraction;
    bar.hidden = job.state !== 'running' && job.state !== 'queued';
    const parts: string[] = [];
    if (job.state === 'queued' && job.position) parts.push(`position ${job.position} in line`);
    if (job.state === 'running' && job.iteration > 0) parts.push(`iteration ${job.iteration}/${job.iterations}`);
    if (job.state === 'running' && job.iteration > 0)
      parts.push(job.etaMs === null ? 'measuring the time left' : `about ${duration(job.etaMs)} left`);
    counts.textContent = parts.join(' · ');
    // The bots' status text repeats the position or the progress line under its title: the card shows them once,
    // in the counts line (with the progress bar), and keeps only the title from the status.
    if (parts.length > 0) status.textContent = job.status.split('\n')[0] ?? '';
    if (previewUrl) {
      preview.src = previewUrl;
      preview.hidden = false;
    }
    if (job.state === 'done' && job.result) {
      preview.hidden = true;
      final.replaceChildren(
        h('img', { class: 'final', src: job.result.url, alt: 'result', 'data-testid': 'job-result' }),
        h('p', { class: 'settings', 'data-testid': 'job-settings' }, job.settings ?? ''),
        h(
          'a',
          { href: `${job.result.url}?download`, download: `stylebot-${job.id}.png`, 'data-testid': 'job-download' },
          `Download (${job.result.width}×${job.result.height} PNG)`,
        ),
      );
    } else if (job.state !== 'running' && job.state !== 'queued') {
      preview.hidden = true;
    }
    actions.replaceChildren(
      ...job.buttons.map((b) =>
        h(
          'button',
          {
            type: 'button',
            'data-action': b.action,
            class: b.action === 'cancel' ? 'secondary' : undefined,
            onclick: () => void press(job, b.action),
          },
          b.label,
        ),
      ),
    );
  };

  const press = async (job: ApiJob, action: string) => {
    feedback.replaceChildren();
    try {
      if (action === 'cancel') {
        const answer = await api<{ job: ApiJob; message: string }>(`/api/v1/jobs/${job.id}`, { method: 'DELETE' });
        draw(answer.job);
      } else {
        const answer = await api<{ job?: ApiJob; message: string }>(`/api/v1/jobs/${job.id}/actions/${action}`, { method: 'POST' });
        if (answer.job) card.before(jobCard(answer.job));
        else message(feedback, answer.message, 'ok');
      }
    } catch (error) {
      message(feedback, error instanceof Error ? error.message : String(error), 'error');
    }
  };

  draw(initial);
  if (initial.state === 'queued' || initial.state === 'running') {
    const events = new EventSource(`/api/v1/jobs/${initial.id}/events`);
    const onEvent = (event: MessageEvent<string>) => {
      const data = JSON.parse(event.data) as { job: ApiJob; preview?: string };
      draw(data.job, data.preview);
      if (['done', 'failed', 'cancelled'].includes(data.job.state)) events.close();
    };
    for (const type of ['job', 'queued', 'position', 'started', 'progress', 'done', 'failed', 'cancelled']) {
      events.addEventListener(type, onEvent as EventListener);
    }
  }
  return card;
}

// ---- style distance -----------------------------------------------------------------------------------------

function comparePage(): HTMLElement {
  const out = h('div', { 'data-testid': 'compare-result' });
  const form = h(
    'form',
    {},
    h('div', { class: 'row' }, dropZone('image1', 'First image', 'image1'), dropZone('image2', 'Second image', 'image2')),
    h('button', { type: 'submit' }, 'Compare'),
  ) as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    out.replaceChildren(h('p', {}, 'Measuring…'));
    void api<{ message: string }>('/api/v1/compare', { method: 'POST', body: new FormData(form) })
      .then((answer) => message(out, answer.message, 'ok'))
      .catch((error: Error) => message(out, error.message, 'error'));
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Style distance of two images'),
    h('p', { class: 'help' }, 'How far apart the Gram matrices of VGG-19 (relu1_1 … relu5_1) of two pictures are: 0 = the same style.'),
    form,
    out,
  );
}

// ---- settings inside a picture ------------------------------------------------------------------------------

interface PictureSettings {
  version: string;
  options: Record<string, unknown>;
  styles: { name: string; weight: number }[];
  seed: number;
  backend: string;
}

function settingsPage(): HTMLElement {
  const out = h('div', { 'data-testid': 'settings-result' });
  const form = h('form', {}, dropZone('image', 'A picture Stylebot painted', 'settings-image')) as HTMLFormElement;
  form.addEventListener('change', () => {
    out.replaceChildren(h('p', {}, 'Reading…'));
    void api<{ settings: PictureSettings }>('/api/v1/settings', { method: 'POST', body: new FormData(form) })
      .then(({ settings }) => {
        const row = (name: string, value: string) => h('tr', {}, h('th', {}, name), h('td', { 'data-setting': name }, value));
        const styles = settings.styles
          .map((s) => (settings.styles.length > 1 ? `${s.name} (${Math.round(s.weight * 100)}%)` : s.name))
          .join(', ');
        const options = Object.entries(settings.options).map(([key, value]) =>
          row(key, Array.isArray(value) ? value.join(', ') : String(value)),
        );
        out.replaceChildren(
          h(
            'table',
            {},
            row('paintings', styles),
            row('seed', String(settings.seed)),
            row('backend', settings.backend),
            row('Stylebot', settings.version),
            ...options,
          ),
        );
      })
      .catch((error: Error) => message(out, error.message, 'error'));
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Settings of a picture'),
    h(
      'p',
      { class: 'help' },
      'Every picture Stylebot paints carries the settings it was painted with; drop one here to see them (stylebot stylize --from paints it again).',
    ),
    form,
    out,
  );
}

// ---- gallery ------------------------------------------------------------------------------------------------

const gallery = h('div', { class: 'gallery', 'data-testid': 'gallery' });

function galleryPage(): HTMLElement {
  return h('section', {}, h('h2', {}, 'My pictures'), gallery);
}

async function refreshGallery(): Promise<void> {
  const { jobs } = await api<{ jobs: ApiJob[] }>('/api/v1/jobs');
  if (jobs.length === 0) {
    gallery.replaceChildren(h('p', {}, 'Nothing painted yet.'));
    return;
  }
  gallery.replaceChildren(...jobs.map((job) => jobCard(job)));
}

// ---- API tokens ---------------------------------------------------------------------------------------------

const tokenList = h('div', { 'data-testid': 'token-list' });
const tokenOut = h('div', {});

/** The user's own personal API tokens: make one (shown once), see when each was used, revoke. Admins see everyone's. */
function tokensPage(): HTMLElement {
  const form = h(
    'form',
    { 'data-testid': 'token-create' },
    h('label', {}, 'name ', h('input', { type: 'text', name: 'name', required: true, maxlength: 64, placeholder: 'laptop script' })),
    h(
      'label',
      {},
      'scope ',
      h(
        'select',
        { name: 'scope' },
        h('option', { value: 'jobs' }, 'jobs'),
        me.role === 'admin' ? h('option', { value: 'admin' }, 'admin') : null,
      ),
    ),
    me.role === 'admin' ? h('label', {}, 'for user ', h('input', { type: 'text', name: 'user', placeholder: me.user })) : null,
    h('button', { type: 'submit' }, 'Make a token'),
  ) as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries([...new FormData(form).entries()].filter(([, v]) => v !== ''));
    void postJson<TokenView & { token: string }>('/api/v1/tokens', data)
      .then((made) => {
        tokenOut.replaceChildren(
          h('div', { class: 'message ok', role: 'status' }, `Token ${made.id} for ${made.user}. Copy it now: it is not shown again.`),
          h('input', { type: 'text', readonly: true, value: made.token, size: 60, 'data-testid': 'new-token' }),
        );
        form.reset();
        return refreshTokens();
      })
      .catch((error: Error) => message(tokenOut, error.message, 'error'));
  });
  return h(
    'section',
    {},
    h('h2', {}, 'API tokens'),
    h(
      'p',
      { class: 'help' },
      'A token lets a script use the JSON API as you (Authorization: Bearer TOKEN), with your quotas. See /api/docs.',
    ),
    form,
    tokenOut,
    tokenList,
  );
}

async function refreshTokens(): Promise<void> {
  const { tokens } = await api<{ tokens: TokenView[] }>(`/api/v1/tokens${me.role === 'admin' ? '?user=*' : ''}`);
  const when = (ms: number | null) => (ms ? new Date(ms).toLocaleString() : '-');
  tokenList.replaceChildren(
    tokens.length === 0
      ? h('p', {}, 'No tokens yet.')
      : table(
          ['id', 'user', 'name', 'scope', 'made', 'last used', ''],
          tokens.map((t) => [
            t.id,
            t.user,
            t.name,
            t.scope,
            when(t.createdAt),
            when(t.lastUsedAt),
            t.revokedAt
              ? `revoked ${when(t.revokedAt)}`
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    onclick: () => void api(`/api/v1/tokens/${t.id}`, { method: 'DELETE' }).then(refreshTokens),
                  },
                  'Revoke',
                ),
          ]),
        ),
  );
}

// ---- admin --------------------------------------------------------------------------------------------------

const adminParts = {
  jobs: h('div', { 'data-testid': 'admin-jobs' }),
  artists: h('div', { 'data-testid': 'admin-artists' }),
  stats: h('div', { 'data-testid': 'admin-stats' }),
  audit: h('div', { 'data-testid': 'admin-audit' }),
};

function table(headers: string[], rows: (Node | string)[][]): HTMLElement {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', {}, t)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}

function quotaForm(kind: 'user' | 'defaults'): HTMLElement {
  const out = h('div', {});
  const quotaNames = ['jobs_per_day', 'gpu_seconds_per_day', 'max_queued', 'max_size', 'max_iterations'];
  const form = h(
    'form',
    { 'data-testid': `quota-${kind}` },
    h('label', {}, 'platform ', h('select', { name: 'platform' }, ...['web', 'discord', 'slack'].map((p) => h('option', { value: p }, p)))),
    h('label', {}, 'workspace ', h('input', { type: 'text', name: 'workspace', placeholder: 'studio (web), server id, team id' })),
    kind === 'user' ? h('label', {}, 'user ', h('input', { type: 'text', name: 'user', required: true })) : null,
    ...quotaNames.map((name) => h('label', {}, `${name} `, h('input', { type: 'number', name, min: 0, step: 1 }))),
    h('button', { type: 'submit' }, kind === 'user' ? 'Set quota' : 'Set defaults'),
    kind === 'user' ? h('button', { type: 'button', class: 'secondary', 'data-role': 'show' }, 'Show') : null,
  ) as HTMLFormElement;
  const values = () => {
    const data: Record<string, string> = {};
    for (const [key, value] of new FormData(form).entries()) if (typeof value === 'string' && value !== '') data[key] = value;
    return data;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void postJson<{ message: string }>(kind === 'user' ? '/api/v1/admin/quota' : '/api/v1/admin/defaults', values())
      .then((answer) => (message(out, answer.message, 'ok'), refreshAdmin()))
      .catch((error: Error) => message(out, error.message, 'error'));
  });
  form.querySelector('[data-role=show]')?.addEventListener('click', () => {
    const query = new URLSearchParams(values());
    void api<{ quota: Record<string, number>; usage: Record<string, number> | null; role: string | null }>(`/api/v1/admin/quota?${query}`)
      .then((answer) =>
        message(
          out,
          `role ${answer.role ?? '-'}; ${Object.entries(answer.quota)
            .map(([k, v]) => `${k} ${v}`)
            .join(
              ', ',
            )}${answer.usage ? `; today ${answer.usage.jobsToday} jobs, ${Math.round(answer.usage.gpuSecondsToday ?? 0)} GPU s` : ''}`,
          'ok',
        ),
      )
      .catch((error: Error) => message(out, error.message, 'error'));
  });
  return h('div', {}, form, out);
}

function adminPage(): HTMLElement {
  const artistOut = h('div', {});
  const addForm = h(
    'form',
    { 'data-testid': 'artist-add' },
    h('label', {}, 'artist ', h('input', { type: 'text', name: 'name', required: true })),
    h('label', {}, 'work ', h('input', { type: 'file', name: 'image', accept: 'image/*', required: true })),
    h('button', { type: 'submit' }, 'Add to the corpus'),
  ) as HTMLFormElement;
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void api<{ message: string }>('/api/v1/admin/artists', { method: 'POST', body: new FormData(addForm) })
      .then((answer) => (message(artistOut, answer.message, 'ok'), refreshAdmin()))
      .catch((error: Error) => message(artistOut, error.message, 'error'));
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Admin'),
    h('h3', {}, 'All jobs (Discord, Slack and the studio)'),
    adminParts.jobs,
    h('h3', {}, 'Quota of a user'),
    quotaForm('user'),
    h('h3', {}, 'Workspace defaults'),
    quotaForm('defaults'),
    h('h3', {}, 'Artist corpus'),
    addForm,
    artistOut,
    adminParts.artists,
    h('h3', {}, 'Usage, last 7 days'),
    adminParts.stats,
    h('h3', {}, 'Audit log'),
    adminParts.audit,
  );
}

async function refreshAdmin(): Promise<void> {
  const [{ jobs }, { artists }, stats, { entries }] = await Promise.all([
    api<{ jobs: ApiJob[] }>('/api/v1/admin/jobs'),
    api<{ artists: { name: string; works: { file: string; thumbnail: string }[] }[] }>('/api/v1/artists'),
    api<{
      perUser: { platform: string; userId: string; jobs: number; gpuSeconds: number }[];
      perDay: { day: string; jobs: number; gpuSeconds: number }[];
    }>('/api/v1/admin/stats?days=7'),
    api<{ entries: { at: number; actor: { platform: string; userId: string }; action: string; target: string; after: unknown }[] }>(
      '/api/v1/admin/audit',
    ),
  ]);
  adminParts.jobs.replaceChildren(
    table(
      ['job', 'owner', 'state', 'style', 'created', ''],
      jobs.map((job) => [
        job.id,
        `${job.owner.platform}/${job.owner.userName ?? job.owner.userId}`,
        job.state === 'running' ? `running ${job.iteration}/${job.iterations}` : job.state,
        job.artwork ?? job.styles.join(' + '),
        new Date(job.createdAt).toLocaleString(),
        job.state === 'queued' || job.state === 'running'
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: () => void api(`/api/v1/jobs/${job.id}`, { method: 'DELETE' }).then(refreshAdmin),
              },
              'Cancel',
            )
          : '',
      ]),
    ),
  );
  adminParts.artists.replaceChildren(
    ...artists.map((artist) =>
      h(
        'div',
        {},
        h('h4', {}, artist.name),
        h(
          'div',
          { class: 'works' },
          ...artist.works.map((w) =>
            h(
              'figure',
              {},
              h('img', { src: w.thumbnail, alt: w.file, loading: 'lazy' }),
              h(
                'figcaption',
                {},
                w.file,
                ' ',
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    onclick: () =>
                      void api(`/api/v1/admin/artists/${encodeURIComponent(artist.name)}/${encodeURIComponent(w.file)}`, {
                        method: 'DELETE',
                      }).then(refreshAdmin),
                  },
                  'remove',
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  adminParts.stats.replaceChildren(
    table(
      ['day', 'jobs', 'GPU seconds'],
      stats.perDay.map((d) => [d.day, String(d.jobs), String(Math.round(d.gpuSeconds))]),
    ),
    table(
      ['user', 'jobs', 'GPU seconds'],
      stats.perUser.map((u) => [`${u.platform}/${u.userId}`, String(u.jobs), String(Math.round(u.gpuSeconds))]),
    ),
  );
  adminParts.audit.replaceChildren(
    table(
      ['when', 'who', 'action', 'target', 'after'],
      entries.map((e) => [
        new Date(e.at).toLocaleString(),
        `${e.actor.platform}/${e.actor.userId}`,
        e.action,
        e.target,
        JSON.stringify(e.after),
      ]),
    ),
  );
}

main().catch((error: Error) => {
  app.replaceChildren(h('div', { class: 'message error', role: 'alert' }, `The studio could not load: ${error.message}`));
});

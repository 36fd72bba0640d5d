/**
 * The sandbox's controls: the client's and the server's application calls, the network's tricks
 * (drop the next segment, a partition), the link's sliders and the attacker. Each click becomes an
 * Action for the session; a refused one shows the model's reason, in the page's language.
 */
import type { Action, ActionResult, LinkSettings, SandboxStatus } from '../model/index.js';
import { byId } from './dom.js';
import { t, type Lang } from './i18n.js';
import { settingText, settingToSlider, SLIDERS, sliderToSetting } from './link-sliders.js';
import { enabledButtons, type ButtonId } from './sandbox-state.js';

export interface SandboxHost {
  act(action: Action): ActionResult;
  readonly lang: Lang;
}

const num = (id: string): number => Math.floor(Number(byId<HTMLInputElement>(id).value));

export class SandboxControls {
  private reading = true;
  private host: SandboxHost | undefined;

  constructor() {
    const root = byId('sandbox-controls');
    const bind = (id: ButtonId, make: () => Action | undefined): void => {
      byId(id).addEventListener('click', () => {
        const a = make();
        if (a) this.run(a);
      });
    };
    bind('client-connect', () => ({ do: 'connect' }));
    bind('client-send', () => ({ do: 'send', bytes: num('send-bytes') }));
    bind('client-shutdown', () => ({ do: 'shutdown' }));
    bind('client-close', () => ({ do: 'close', side: 'client' }));
    bind('client-abort', () => ({ do: 'abort' }));
    bind('server-listen', () => ({ do: 'listen', backlog: num('backlog') }));
    bind('server-accept', () => ({ do: 'accept' }));
    bind('server-read', () => ({ do: 'read', on: !this.reading }));
    bind('server-close', () => ({ do: 'close', side: 'server' }));
    bind('drop-next-c2s', () => ({ do: 'drop-next', dir: 'client>server' }));
    bind('drop-next-s2c', () => ({ do: 'drop-next', dir: 'server>client' }));
    bind('partition', () => ({ do: 'partition', ms: num('partition-ms') }));
    const exact = (): boolean => byId<HTMLInputElement>('attack-exact').checked;
    bind('attack-rst', () => ({ do: 'spoof-rst', exact: exact() }));
    bind('attack-syn', () => ({ do: 'spoof-syn', exact: exact() }));
    bind('attack-data', () => ({ do: 'spoof-data', exact: exact() }));
    bind('attack-flood', () => ({ do: 'flood', count: num('flood-count'), cookies: byId<HTMLSelectElement>('flood-cookies').value as 'off' | 'overflow' | 'always' }));
    for (const { id, key } of SLIDERS) {
      const input = byId<HTMLInputElement>(id);
      input.addEventListener('input', () => this.showSlider(id, key));
      input.addEventListener('change', () => this.run({ do: 'link', settings: { [key]: sliderToSetting(id, Number(input.value)) } }));
    }
    root.hidden = true;
    const toggle = byId('sandbox-toggle');
    toggle.addEventListener('click', () => {
      const groups = byId('sandbox-groups');
      groups.hidden = !groups.hidden;
      toggle.setAttribute('aria-expanded', String(!groups.hidden));
      document.body.classList.toggle('sheet-folded', groups.hidden);
    });
  }

  /** Show the controls for a sandbox session (undefined: hide them). */
  attach(host: SandboxHost | undefined, link?: LinkSettings, reading = true): void {
    this.host = host;
    byId('sandbox-controls').hidden = host === undefined;
    this.reading = reading;
    this.message('');
    if (!link) return;
    for (const { id, key } of SLIDERS) {
      byId<HTMLInputElement>(id).value = String(settingToSlider(id, link[key]));
      this.showSlider(id, key);
    }
    this.showReading();
  }

  /** Enable what makes sense at the session's now. */
  update(st: SandboxStatus): void {
    if (!this.host) return;
    if (st.reading !== this.reading) {
      this.reading = st.reading;
      this.showReading();
    }
    const on = enabledButtons(st);
    for (const id of ['client-connect', 'client-send', 'client-shutdown', 'client-close', 'client-abort', 'server-listen', 'server-accept', 'server-read', 'server-close', 'attack-rst', 'attack-data', 'attack-flood'] as const) {
      byId<HTMLButtonElement>(id).disabled = !on.has(id);
    }
  }

  /** Words for the page's language (the slider outputs). */
  relabel(): void {
    for (const { id, key } of SLIDERS) this.showSlider(id, key);
    this.showReading();
  }

  private run(a: Action): void {
    const host = this.host;
    if (!host) return;
    const r = host.act(a);
    if (r.ok) {
      if (a.do === 'read') {
        this.reading = a.on;
        this.showReading();
      }
      this.message('');
    } else {
      this.message(`${t('refused', host.lang)}: ${r.text[host.lang]}`);
    }
  }

  private message(text: string): void {
    byId('refusal').textContent = text;
  }

  private showReading(): void {
    const b = byId('server-read');
    const lang = this.host?.lang ?? 'en';
    b.setAttribute('aria-pressed', String(this.reading));
    b.textContent = this.reading ? t('reading', lang) : t('read', lang);
  }

  private showSlider(id: (typeof SLIDERS)[number]['id'], key: keyof LinkSettings): void {
    const input = byId<HTMLInputElement>(id);
    const out = input.parentElement?.querySelector('output');
    if (out) out.textContent = settingText(key, sliderToSetting(id, Number(input.value)), t('unlimited', this.host?.lang ?? 'en'));
  }
}

import type { App } from '@slack/bolt';

/** What a registration asked Bolt to route to the bot: as the app manifest must declare it. */
export interface SlackSurfaces {
  /** `app.command` names, such as `/incident`. */
  commands: string[];
  /** `app.event` types (and `message` for `app.message`). */
  events: string[];
  /** `app.shortcut` callback ids, with the kind when the constraint names one (`message_action` or `shortcut`). */
  shortcuts: Array<{ callbackId: string; type?: string }>;
  /** `app.action` action ids (block_actions: need interactivity, not declared one by one). */
  actions: string[];
  /** `app.view` callback ids (view_submission / view_closed: need interactivity). */
  views: string[];
  /** `app.options` (external selects: need interactivity and an options load URL). */
  options: string[];
  /** Registrations the recorder cannot turn into manifest entries (a RegExp constraint, an unknown method). */
  unreadable: string[];
}

const UNMAPPED_REGISTRATIONS = new Set(['function', 'assistant', 'step']);

/** Anything: every property is a function returning another one, so a registration can wire deps it never calls. */
function dummy(): unknown {
  const fn = () => dummy();
  return new Proxy(fn, { get: (_t, key) => (key === 'then' ? undefined : dummy()), apply: () => dummy() });
}

function constraintId(c: unknown, key: 'action_id' | 'callback_id'): string | undefined {
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object' && !(c instanceof RegExp)) {
    const v = (c as Record<string, unknown>)[key];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

/**
 * Runs a listener registration (the real `registerListeners`) against a recorder standing in for Bolt's App and
 * returns what it registered. Deps are dummies: registering wires listeners, it calls none of them.
 */
export function recordSurfaces<D>(register: (app: App, deps: D) => void): SlackSurfaces {
  const s: SlackSurfaces = {
    commands: [],
    events: [],
    shortcuts: [],
    actions: [],
    views: [],
    options: [],
    unreadable: [],
  };
  const take = (kind: string, c: unknown, key: 'action_id' | 'callback_id', into: string[]) => {
    const id = constraintId(c, key);
    if (id === undefined) s.unreadable.push(`${kind}(${String(c)})`);
    else into.push(id);
  };
  const recorder: Record<string, (...args: unknown[]) => unknown> = {
    use: () => recorder,
    error: () => recorder,
    command: (name) =>
      typeof name === 'string' ? s.commands.push(name) : s.unreadable.push(`command(${String(name)})`),
    event: (type) => (typeof type === 'string' ? s.events.push(type) : s.unreadable.push(`event(${String(type)})`)),
    message: () => s.events.push('message'),
    action: (c) => take('action', c, 'action_id', s.actions),
    view: (c) => take('view', c, 'callback_id', s.views),
    options: (c) => take('options', c, 'action_id', s.options),
    shortcut: (c) => {
      const callbackId = constraintId(c, 'callback_id');
      if (callbackId === undefined) return s.unreadable.push(`shortcut(${String(c)})`);
      const type = c && typeof c === 'object' ? (c as { type?: unknown }).type : undefined;
      return s.shortcuts.push({ callbackId, ...(typeof type === 'string' ? { type } : {}) });
    },
  };
  const app = new Proxy(recorder, {
    get: (target, key) => {
      if (typeof key === 'string' && key in target) return target[key];
      // Bolt registrations this recorder cannot map to the manifest yet: the test must learn them first.
      if (typeof key === 'string' && UNMAPPED_REGISTRATIONS.has(key)) s.unreadable.push(`app.${key}`);
      return dummy();
    },
  });
  register(app as unknown as App, dummy() as D);
  return s;
}

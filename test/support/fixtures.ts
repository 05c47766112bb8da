import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real Alertmanager 0.25 payloads captured for this project (see ../shared/fixtures/alertmanager/headers.txt). */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'alertmanager');

/** The raw captured body of a fixture, byte for byte as Alertmanager sent it. */
export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES_DIR, name), 'utf8');
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

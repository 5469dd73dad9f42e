/**
 * The ranges of the numeric leakLens.* settings. package.json declares the same minimum and
 * maximum (a test checks they agree), but VS Code does not validate a workspace's
 * settings.json when it is read, so a value is clamped here too, with a warning naming the
 * setting. No vscode import: unit-tested on its own.
 */
import type { ProfileOptions } from '../report/types';

export interface SettingRange {
  min: number;
  max: number;
}

/** The ProfileOptions that are integer settings with a range. */
export type NumericSetting = 'iterations' | 'warmup' | 'callTimeoutMs' | 'maxDepth' | 'tooMany';

export const SETTING_RANGES: Readonly<Record<NumericSetting, SettingRange>> = {
  iterations: { min: 2, max: 101 },
  warmup: { min: 0, max: 100 },
  callTimeoutMs: { min: 100, max: 600_000 },
  maxDepth: { min: 1, max: 50 },
  tooMany: { min: 1, max: 50 },
};

export interface ClampedSetting {
  value: number;
  /** Set when the value read was not used as it was. */
  warning?: string;
}

/**
 * An integer setting as read (anything a settings.json can hold), within its range: numbers
 * out of range (±Infinity too) give the nearest bound, fractions are rounded, anything that is
 * not a number (a string, NaN, null, an object) gives the default. undefined (not set) gives
 * the default without a warning.
 */
export function clampSetting(name: string, raw: unknown, range: SettingRange, fallback: number): ClampedSetting {
  if (raw === undefined) return { value: fallback };
  const allowed = `${range.min}–${range.max}`;
  if (typeof raw !== 'number' || Number.isNaN(raw)) {
    return { value: fallback, warning: `leakLens.${name} is ${describe(raw)}, not a number: using ${fallback} (allowed ${allowed}).` };
  }
  const value = Math.min(range.max, Math.max(range.min, Number.isFinite(raw) ? Math.round(raw) : raw));
  if (value === raw) return { value };
  if (raw >= range.min && raw <= range.max) return { value, warning: `leakLens.${name} is ${raw}, not a whole number: using ${value}.` };
  return { value, warning: `leakLens.${name} is ${raw}, outside ${allowed}: using ${value}.` };
}

/**
 * Every numeric setting through clampSetting; `read(name)` gives the raw value. Options that
 * are no setting keep their defaults.
 */
export function clampProfileOptions(read: (name: NumericSetting) => unknown, defaults: ProfileOptions): { options: ProfileOptions; warnings: string[] } {
  const options = { ...defaults };
  const warnings: string[] = [];
  for (const name of Object.keys(SETTING_RANGES) as NumericSetting[]) {
    const { value, warning } = clampSetting(name, read(name), SETTING_RANGES[name], defaults[name]);
    options[name] = value;
    if (warning) warnings.push(warning);
  }
  return { options, warnings };
}

function describe(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  if (typeof raw === 'number') return String(raw);
  if (raw === null) return 'null';
  return Array.isArray(raw) ? 'a list' : typeof raw === 'object' ? 'an object' : String(raw);
}

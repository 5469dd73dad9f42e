/**
 * The reports of this window: the last one, the last one per function (for CodeLens titles),
 * and per target the runs so far with the request that repeats them (Re-run), kept for the
 * window's life. Views read these; nothing here looks at the heap.
 */
import * as vscode from 'vscode';
import type { LeakReport } from '../report/types';
import type { ProfileRequest } from './runner';

function functionKey(uri: string, name: string): string {
  return `${uri}#${name}`;
}

/** A target: the function spec and its file. The line is left out: a fix moves it. */
export function targetKey(spec: Pick<ProfileRequest, 'file' | 'uri' | 'name' | 'expression' | 'line'>): string {
  const what = spec.name ?? spec.expression ?? `line ${spec.line ?? '?'}`;
  return `${spec.file ?? spec.uri ?? ''}#${what}`;
}

/** Runs of one target kept in memory: enough for the comparison and a short history. */
const RUNS_KEPT = 5;

interface TargetRuns {
  /** The request that runs the target again, the same way. */
  request: ProfileRequest;
  reports: LeakReport[];
}

export class ReportStore implements vscode.Disposable {
  private readonly byFunction = new Map<string, LeakReport>();
  private readonly byTarget = new Map<string, TargetRuns>();
  private readonly targetOf = new WeakMap<LeakReport, string>();
  private latest: LeakReport | undefined;
  private latestTarget: string | undefined;
  private readonly changed = new vscode.EventEmitter<LeakReport>();
  readonly onDidChange = this.changed.event;

  get last(): LeakReport | undefined {
    return this.latest;
  }

  /** The target of the last run that can be run again. */
  get lastTarget(): string | undefined {
    return this.latestTarget;
  }

  forFunction(uri: string, name: string): LeakReport | undefined {
    return this.byFunction.get(functionKey(uri, name));
  }

  /** The latest report of a target, the one a new run is compared with. */
  latestFor(target: string): LeakReport | undefined {
    return this.byTarget.get(target)?.reports.at(-1);
  }

  /** The request that runs a target again. */
  rerunRequest(target: string): ProfileRequest | undefined {
    return this.byTarget.get(target)?.request;
  }

  /** The target a report was made for, when it can be run again. */
  targetFor(report: LeakReport): string | undefined {
    return this.targetOf.get(report);
  }

  add(report: LeakReport, key?: { uri: string; name: string }, run?: { target: string; request: ProfileRequest }): void {
    this.latest = report;
    if (key) this.byFunction.set(functionKey(key.uri, key.name), report);
    if (run) {
      const runs = this.byTarget.get(run.target) ?? { request: run.request, reports: [] };
      runs.request = run.request;
      runs.reports = [...runs.reports, report].slice(-RUNS_KEPT);
      this.byTarget.set(run.target, runs);
      this.targetOf.set(report, run.target);
      this.latestTarget = run.target;
    }
    this.changed.fire(report);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export { verdictTitle } from './labels';

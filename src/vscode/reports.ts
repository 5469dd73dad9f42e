/**
 * The reports of this window: the last one, and the last one per function (for CodeLens
 * titles). Views read these; nothing here looks at the heap.
 */
import * as vscode from 'vscode';
import type { LeakReport } from '../report/types';

function functionKey(uri: string, name: string): string {
  return `${uri}#${name}`;
}

export class ReportStore implements vscode.Disposable {
  private readonly byFunction = new Map<string, LeakReport>();
  private latest: LeakReport | undefined;
  private readonly changed = new vscode.EventEmitter<LeakReport>();
  readonly onDidChange = this.changed.event;

  get last(): LeakReport | undefined {
    return this.latest;
  }

  forFunction(uri: string, name: string): LeakReport | undefined {
    return this.byFunction.get(functionKey(uri, name));
  }

  add(report: LeakReport, key?: { uri: string; name: string }): void {
    this.latest = report;
    if (key) this.byFunction.set(functionKey(key.uri, key.name), report);
    this.changed.fire(report);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export { verdictTitle } from './labels';

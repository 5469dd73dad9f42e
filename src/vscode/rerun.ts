/**
 * Re-run: the same target with the same settings, from the report panel's button, the
 * CodeLens, or the command. The new report carries the previous run beside it.
 */
import * as vscode from 'vscode';
import type { LeakReport } from '../report/types';
import type { ReportStore } from './reports';
import type { ProfileRequest, ProfileRunner, Target } from './runner';

export const RERUN_COMMAND = 'leakLens.rerun';

/** The request that repeats `request` on the process `target` found (or a new launch of it). */
export function repeatRequest(request: ProfileRequest, target: Target): ProfileRequest {
  const { session: _session, address: _address, relaunch: _relaunch, ...spec } = request;
  return { ...spec, ...target.again };
}

/** Runs a target again (the last one run when none is given), saving its file first so the fix is what runs. */
export async function rerun(reports: ReportStore, runner: ProfileRunner, target?: string): Promise<LeakReport | undefined> {
  const key = typeof target === 'string' ? target : reports.lastTarget;
  const request = key ? reports.rerunRequest(key) : undefined;
  if (!request) {
    void vscode.window.showInformationMessage('Leak Lens: nothing to re-run yet. Profile a function first.');
    return undefined;
  }
  const file = request.file;
  const dirty = file ? vscode.workspace.textDocuments.find((d) => d.isDirty && d.uri.scheme === 'file' && d.uri.fsPath === file) : undefined;
  if (dirty) await dirty.save();
  return runner.profile(request);
}

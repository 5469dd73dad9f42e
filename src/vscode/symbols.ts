/** Functions and methods of a document, from the language's document symbol provider. */
import * as vscode from 'vscode';

export interface FunctionSymbol {
  name: string;
  /** The whole declaration. */
  range: vscode.Range;
  /** Where its name is. */
  selection: vscode.Range;
  container?: string;
}

const FUNCTION_KINDS = [vscode.SymbolKind.Function, vscode.SymbolKind.Method];

export async function functionSymbols(document: vscode.TextDocument): Promise<FunctionSymbol[]> {
  const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
    'vscode.executeDocumentSymbolProvider',
    document.uri,
  );
  const out: FunctionSymbol[] = [];
  const walk = (list: vscode.DocumentSymbol[], container?: string) => {
    for (const s of list) {
      if (FUNCTION_KINDS.includes(s.kind) && /^[\w$]+$/.test(s.name)) {
        out.push({ name: s.name, range: s.range, selection: s.selectionRange, container });
      }
      walk(s.children ?? [], s.kind === vscode.SymbolKind.Class ? s.name : container);
    }
  };
  walk((symbols ?? []).filter((s): s is vscode.DocumentSymbol => 'children' in s));
  return out;
}

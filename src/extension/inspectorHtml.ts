/**
 * The webview pages (the inspector, the runs comparison) and their options: Content-Security-Policy `default-src 'none'`, the one
 * script by nonce, styles, fonts and images from the webview's own source only, local resources
 * limited to dist/webview and media, no remote content.
 */
import * as vscode from 'vscode';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function inspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return pageHtml(webview, extensionUri, { script: 'main.js', title: 'IDAA Inspector', rootId: 'idaa-root', loading: 'Loading the inspector…' });
}

/** A page of dist/webview under the CSP above: its one script by nonce, the shared stylesheet (main.css), one root element. */
export function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: { script: string; title: string; rootId: string; loading: string }): string {
  const nonce = makeNonce();
  const js = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', page.script));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.css'));
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource}`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${css}" rel="stylesheet">
<title>${page.title}</title>
</head>
<body>
<div id="${page.rootId}" role="application" aria-label="${page.title}"><p class="state">${page.loading}</p></div>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
}

function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars.charAt(Math.floor(Math.random() * chars.length));
  return s;
}

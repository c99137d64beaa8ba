import * as vscode from 'vscode';

/** The first event that satisfies `accept`, or a rejection after `ms`. Subscribe before acting. */
export function next<T>(event: vscode.Event<T>, accept: (e: T) => boolean, what: string, ms = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const sub = event((e) => {
      if (!accept(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

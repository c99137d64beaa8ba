/**
 * Entry point VS Code calls (extensionTestsPath): runs the mocha suite inside the extension host.
 * Bundled by esbuild.mjs to dist/test/vscode/suite/index.js; `mocha` and `vscode` stay external.
 */
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec' });
  // IDAA_VSCODE_TEST_GREP runs only the matching tests (e.g. "inspector").
  if (process.env.IDAA_VSCODE_TEST_GREP) mocha.grep(process.env.IDAA_VSCODE_TEST_GREP);
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  mocha.addFile(path.join(__dirname, 'inspector.test.js'));
  mocha.addFile(path.join(__dirname, 'inspectorCompare.test.js'));
  mocha.addFile(path.join(__dirname, 'runsUi.test.js'));
  mocha.addFile(path.join(__dirname, 'charts.test.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}

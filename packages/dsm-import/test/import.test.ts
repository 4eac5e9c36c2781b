/**
 * Importing the fixture scripts: the generated TypeScript equals the committed snapshot (test/snapshots/<app>/;
 * UPDATE_SNAPSHOTS=1 rewrites them), compiles with the repository's strict settings, and passes the flow review but
 * at its marked TODOs and unsupported() stand-ins — each naming its DSM line.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { assertFlowIdsUnique } from '@sipflow/runtime/app';
import { loadAppFlows, reviewApp } from '@sipflow/runtime/review';
import type { ImportResult } from '../src/index.js';
import { QC_DSM_APP, importQuizconnectDsm } from './quizconnect-app.js';
import { REPO, tempApps, type TempApps } from './support.js';

const SNAPSHOTS = fileURLToPath(new URL('./snapshots/', import.meta.url));

const APPS: Record<string, string[]> = {
  quizconnect: ['quizconnect/quizconnect_caller.dsm', 'quizconnect/quizconnect_callee.dsm'],
  constructs: ['constructs/constructs.dsm', 'constructs/constructs_b.dsm'],
  semantics: ['semantics/semantics.dsm'],
  control: ['control/control.dsm'],
  b2b: ['b2b/b2b.dsm'],
  subfsm: ['subfsm/subfsm.dsm', 'subfsm/subfsm_sub.dsm', 'subfsm/subfsm_menu.dsm'],
};

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

let apps: TempApps;
const imported: Record<string, ImportResult> = {};

before(() => {
  apps = tempApps('import');
  for (const [app, files] of Object.entries(APPS)) imported[app] = apps.import(app, files);
});
after(() => apps.cleanup());

describe('import-dsm on the fixture scripts', () => {
  for (const app of Object.keys(APPS)) {
    it(`${app}: the generated files equal the snapshot`, () => {
      const files = imported[app]!.files;
      const dir = join(SNAPSHOTS, app);
      if (process.env.UPDATE_SNAPSHOTS) {
        rmSync(dir, { recursive: true, force: true });
        for (const [rel, content] of files) {
          mkdirSync(dirname(join(dir, rel)), { recursive: true });
          writeFileSync(join(dir, rel), content);
        }
      }
      assert.deepEqual([...files.keys()].sort(), listFiles(dir), 'the same files (UPDATE_SNAPSHOTS=1 to accept a change)');
      for (const [rel, content] of files) assert.equal(content, readFileSync(join(dir, rel), 'utf8'), `${app}/${rel} (UPDATE_SNAPSHOTS=1 to accept)`);
    });
  }

  it('every imported app compiles (strict, the repository settings)', () => {
    assert.deepEqual(apps.typecheck(), []);
  });

  for (const app of Object.keys(APPS)) {
    it(`${app}: the flow review fails only at marked TODOs and unsupported() stand-ins`, async () => {
      // Path checks skipped: this test is about the importer's TODOs and stand-ins (the path checks need a config and
      // path fixtures an imported app does not have yet).
      const { review, notes } = await reviewApp(app, { appsDir: apps.appsDir, outDir: join(apps.root, 'docs'), check: true, skipPaths: true });
      assert.deepEqual(notes, []);
      const res = imported[app]!;
      const sources = [...res.files.entries()]
        .filter(([rel]) => rel.startsWith('src/'))
        .map(([, c]) => c)
        .join('\n');
      const readme = res.files.get('README.md')!;
      for (const f of review.findings) {
        if (f.rule === 'unhandled-hangup') {
          assert.match(sources, new RegExp(`// TODO\\([a-z_]+\\.dsm:\\d+\\): DSM state ${f.state} `), `${f.flow} ${f.state}: a marked TODO`);
        } else if (f.rule === 'unsupported-action') {
          const where = /\(([a-z_]+\.dsm:\d+)\)/.exec(f.message)?.[1];
          assert.ok(where && readme.includes(where), `${f.message}: listed in the README`);
        } else assert.fail(`${f.rule}: ${f.message}`);
      }
      // And every TODO the importer wrote is something the review or the README shows.
      assert.equal(
        res.facts.unsupported.length > 0,
        review.findings.some((f) => f.rule === 'unsupported-action'),
      );
    });
  }

  it('a DSM transition listed more than once (several from-states, several event keys) has its actions written once', () => {
    let helpers = 0;
    for (const [app, res] of Object.entries(imported)) {
      for (const [rel, source] of res.files) {
        if (!rel.startsWith('src/') || !source.includes('flowConfig(')) continue;
        // Every inline action list with the DSM line of its transition: none may appear twice.
        const lists = new Set<string>();
        const lines = source.split('\n');
        let where = '';
        for (let i = 0; i < lines.length; i++) {
          where = /^\s*\/\/ ([\w.]+\.dsm:\d+)$/.exec(lines[i]!)?.[1] ?? where;
          const open = /^(\s*)actions: \[$/.exec(lines[i]!);
          if (!open) continue;
          const end = lines.findIndex((l, j) => j > i && l === `${open[1]}],`);
          const list = `${where}\n${lines
            .slice(i + 1, end)
            .map((l) => l.trim())
            .join('\n')}`;
          assert.ok(!lists.has(list), `${app}/${rel}: the actions of ${where} are written twice (a sharedActions helper is expected)`);
          lists.add(list);
        }
        // Each helper is used where the list would have been: at least twice.
        for (const [, name] of source.matchAll(/^const (\w+Actions) = sharedActions\(/gm)) {
          helpers++;
          assert.ok(source.split(`actions: ${name!},`).length - 1 >= 2, `${app}/${rel}: ${name} used at least twice`);
        }
      }
    }
    assert.ok(helpers > 0, 'the fixtures have transitions listed more than once');
    const callee = imported['quizconnect']!.files.get('src/quizconnect_callee.ts')!;
    assert.match(
      callee,
      /\/\*\* quizconnect_callee\.dsm:20 "got cancel from A leg": its actions, in 3 transitions\. \*\/\nconst gotCancelFromALegActions = sharedActions\(\n {2}hangup\(\),\n\);/,
    );
    assert.equal(callee.split('actions: gotCancelFromALegActions,').length - 1, 3);
  });

  it('quizconnect: what was translated, typed messages and config from the scripts', () => {
    const res = imported['quizconnect']!;
    const messages = res.files.get('src/messages.ts')!;
    assert.match(messages, /type: 'dsm\.b_status\.b_ltag';\n {2}params: \{ 'b_status': string; 'b_ltag': string \};/);
    assert.match(messages, /type: 'dsm\.a_status';/);
    assert.match(res.files.get('src/config.ts')!, /outbound_domain: z\.string\(\)[\s\S]*prompt_path: z\.string\(\)/);
    assert.match(
      res.files.get('src/lookups.ts')!,
      /quizconnect_caller_25\(params: \{ 'query_key': string \}\): Promise<Array<\{ callee: string; pin: string \}>>;/,
    );
    assert.deepEqual(res.facts.unsupported, []);
    const caller = res.files.get('src/quizconnect_caller.ts')!;
    assert.match(caller, /dialout\('b_leg', \{ 'quizconnect_callee': \(\): AnyStateMachine => quizconnectCalleeFlow \}\)/);
    assert.match(caller, /reply\(404, 'Not found'\)/);
  });
});

describe('quizconnect imported, with its TODOs filled in by the committed patch', () => {
  let qc: TempApps;
  before(() => {
    qc = importQuizconnectDsm('qc-import');
  });
  after(() => qc.cleanup());

  it('the patch applies, and the app compiles and passes the flow review with no finding', async () => {
    assert.deepEqual(qc.typecheck(), []);
    // Path checks skipped: the imported app has no path fixtures (src/review-paths.ts) and its config no defaults.
    const { review, notes } = await reviewApp(QC_DSM_APP, { appsDir: qc.appsDir, outDir: join(qc.root, 'docs'), check: true, skipPaths: true });
    assert.deepEqual(notes, []);
    assert.deepEqual(review.findings, []);
  });

  it('its flow ids are <app>.<diagram>: served beside apps/quizconnect (flows of the same names) they do not clash', async () => {
    const ours = await loadAppFlows(QC_DSM_APP, qc.appsDir);
    assert.deepEqual(
      Object.values(ours.flows)
        .map((m) => m.id)
        .sort(),
      [`${QC_DSM_APP}.quizconnect_callee`, `${QC_DSM_APP}.quizconnect_caller`],
    );
    const theirs = await loadAppFlows('quizconnect', join(REPO, 'apps'));
    assert.ok(
      Object.values(theirs.flows).some((m) => m.id === 'quizconnect_caller'),
      'the hand-written app names its flow after the diagram',
    );
    assert.doesNotThrow(() => assertFlowIdsUnique({ app: QC_DSM_APP, flows: ours.flows }, [{ app: 'quizconnect', flows: theirs.flows }]));
    // The same scripts imported twice, as two apps, do not clash either.
    const again = tempApps('qc-again');
    try {
      again.import('quizconnect-copy', ['quizconnect/quizconnect_caller.dsm', 'quizconnect/quizconnect_callee.dsm']);
      const copy = await loadAppFlows('quizconnect-copy', again.appsDir);
      assert.doesNotThrow(() => assertFlowIdsUnique({ app: 'quizconnect-copy', flows: copy.flows }, [{ app: QC_DSM_APP, flows: ours.flows }]));
    } finally {
      again.cleanup();
    }
  });
});

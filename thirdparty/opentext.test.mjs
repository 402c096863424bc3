// @kweli/cs-rest (npm, pinned in package.json; the registry serves only
// 1.0.24) against simulators/opentext, through the library's public API as
// its README documents it: a Session with username/password, its thin
// wrappers (session.auth, session.nodes, session.versions,
// session.workflow, session.members) and, where no wrapper exists (categories, workflow
// status), its documented get/postForm/putForm/postBody/putBody methods.
// Run by thirdparty_test.go with OPENTEXT_SIM_URL set to a seeded
// simulator's base URL (…/otcs/cs.exe; seed: simulators/opentext/doc.go).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '@kweli/cs-rest';

const baseURL = process.env.OPENTEXT_SIM_URL;
if (!baseURL) {
  throw new Error('OPENTEXT_SIM_URL is not set (run through `go test ./thirdparty/`)');
}

const ENTERPRISE_WORKSPACE = 2000;
const CATEGORY = 9001; // "Confluence Page"; 9001_8 Source Page ID is required
const DOCUMENT_APPROVAL_MAP = 5001;

const session = new Session({ baseURL, username: 'bridge', password: 'bridge-secret' });

let dir;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-rest-check-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name, content) {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

// failure returns the HTTP response of a call that must fail.
async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err.response, `expected an HTTP error, got ${err}`);
    return err.response;
  }
  assert.fail('expected the call to fail');
}

// State shared by the tests below, which run in order.
const made = {};

test('auth: password login, current user, rotated ticket', async () => {
  const res = await session.auth.auth();
  assert.equal(res.status, 200);
  assert.equal(res.data.data.id, 1001);
  assert.equal(res.data.data.name, 'bridge');
  const first = session.axios.defaults.headers.common.OTCSTicket;
  assert.ok(first, 'the session keeps the OTCSTicket response header');
  await session.auth.auth();
  assert.ok(session.axios.defaults.headers.common.OTCSTicket, 'still has a ticket after the next call');
});

test('auth: wrong password is a 401 with an error body', async () => {
  const bad = new Session({ baseURL, username: 'bridge', password: 'wrong' });
  const res = await failure(bad.nodes.node({ dataid: ENTERPRISE_WORKSPACE }));
  assert.equal(res.status, 401);
  assert.match(res.data.error, /Invalid username\/password/);
});

test('nodes: get node 2000 (v2 and v1), volumes, ancestors', async () => {
  const v2 = await session.nodes.node({ dataid: ENTERPRISE_WORKSPACE });
  const props = v2.data.results.data.properties;
  assert.equal(props.id, ENTERPRISE_WORKSPACE);
  assert.equal(props.name, 'Enterprise Workspace');
  assert.equal(props.type, 141);
  assert.equal(props.container, true);

  const v1 = await session.nodes.node({ dataid: ENTERPRISE_WORKSPACE, apiVersion: 'v1' });
  assert.equal(v1.data.data.id, ENTERPRISE_WORKSPACE);
  assert.equal(v1.data.data.name, 'Enterprise Workspace');
  assert.equal(v1.data.type, 141);

  const volumes = await session.nodes.volumes();
  const ids = volumes.data.results.map((r) => r.data.properties.id);
  assert.ok(ids.includes(ENTERPRISE_WORKSPACE), `volumes: ${ids}`);

  const vol = await session.nodes.volumeInfo(141);
  assert.equal(vol.data.data.id, ENTERPRISE_WORKSPACE);

  const anc = await session.nodes.ancestors(30002);
  assert.deepEqual(
    anc.data.ancestors.map((a) => a.name),
    ['Enterprise Workspace', 'Controlled Documents', 'Policies'],
  );
});

test('nodes: list children of 2000, filtered and paged', async () => {
  const res = await session.nodes.children(ENTERPRISE_WORKSPACE);
  const names = res.data.results.map((r) => r.data.properties.name).sort();
  assert.deepEqual(names, ['Controlled Documents', 'Records', 'Workflow Maps']);
  for (const r of res.data.results) {
    assert.equal(r.data.properties.parent_id, ENTERPRISE_WORKSPACE);
  }
  assert.equal(res.data.collection.paging.total_count, 3);

  const byName = await session.nodes.children(ENTERPRISE_WORKSPACE, { where_name: 'Records' });
  assert.deepEqual(
    byName.data.results.map((r) => r.data.properties.id),
    [30003],
  );

  const paged = await session.nodes.children(ENTERPRISE_WORKSPACE, { limit: 2, page: 2, sort: 'name' });
  assert.equal(paged.data.collection.paging.page_total, 2);
  assert.deepEqual(
    paged.data.results.map((r) => r.data.properties.name),
    ['Workflow Maps'],
  );
});

test('nodes: create a folder; a duplicate name is refused', async () => {
  const res = await session.nodes.addFolder(ENTERPRISE_WORKSPACE, 'Third-party check');
  const props = res.data.results.data.properties;
  assert.ok(props.id >= 40000, `new id ${props.id}`);
  assert.equal(props.name, 'Third-party check');
  assert.equal(props.type, 0);
  assert.equal(props.parent_id, ENTERPRISE_WORKSPACE);
  made.folder = props.id;

  const dup = await failure(session.nodes.addFolder(ENTERPRISE_WORKSPACE, 'Third-party check'));
  assert.equal(dup.status, 500);
  assert.match(dup.data.error, /already exists/);

  const children = await session.nodes.children(ENTERPRISE_WORKSPACE, { where_name: 'Third-party check' });
  assert.deepEqual(children.data.results.map((r) => r.data.properties.id), [made.folder]);
});

test('documents: upload (v1 and v2), read back, download', async () => {
  const path = await file('policy.txt', 'Records Retention Policy, version 1\n');
  const v1 = await session.nodes.addDocument({ parent_id: made.folder, fileHandler: path, name: 'Records Retention Policy.txt' });
  assert.ok(v1.data.id >= 40000, `v1 create answers {id}: ${JSON.stringify(v1.data)}`);
  made.doc = v1.data.id;

  const node = await session.nodes.node({ dataid: made.doc });
  const props = node.data.results.data.properties;
  assert.equal(props.type, 144);
  assert.equal(props.name, 'Records Retention Policy.txt');
  assert.equal(props.parent_id, made.folder);

  const out = join(dir, 'latest.txt');
  await session.nodes.download({ dataid: made.doc, filePath: out });
  assert.equal(await readFile(out, 'utf8'), 'Records Retention Policy, version 1\n');

  const other = await file('minutes.txt', 'minutes\n');
  const v2 = await session.nodes.addDocument({ parent_id: made.folder, fileHandler: other, apiVersion: 'v2' });
  const p2 = v2.data.results.data.properties;
  assert.equal(p2.name, 'minutes.txt');
  assert.equal(p2.type, 144);
  made.doc2 = p2.id;

  const listing = await session.nodes.children(made.folder, { where_type: 144 });
  assert.deepEqual(
    listing.data.results.map((r) => r.data.properties.name).sort(),
    ['Records Retention Policy.txt', 'minutes.txt'],
  );
});

test('versions: add a version, list, read one and latest, download each', async () => {
  const path = await file('policy-v2.txt', 'Records Retention Policy, version 2\n');
  const added = await session.versions.addVersion({
    dataid: made.doc,
    fileHandler: path,
    fileName: 'Records Retention Policy.txt',
    options: { description: 'Confluence version 2' },
  });
  assert.equal(added.status, 200);
  assert.equal(added.data.id, made.doc);
  assert.equal(added.data.version_number, 2);

  const list = await session.versions.list(made.doc);
  assert.deepEqual(list.data.data.map((v) => v.version_number), [1, 2]);
  assert.equal(list.data.data[1].description, 'Confluence version 2');
  assert.equal(list.data.data[1].file_size, Buffer.byteLength('Records Retention Policy, version 2\n'));

  const latest = await session.versions.version(made.doc);
  assert.equal(latest.data.data.version_number, 2);
  const first = await session.versions.version(made.doc, 1);
  assert.equal(first.data.data.version_number, 1);

  for (const [n, want] of [
    [1, 'Records Retention Policy, version 1\n'],
    [2, 'Records Retention Policy, version 2\n'],
  ]) {
    const out = join(dir, `v${n}.txt`);
    await session.versions.download({ dataid: made.doc, version: n, filePath: out });
    assert.equal(await readFile(out, 'utf8'), want);
  }

  const none = await failure(session.versions.version(made.doc, 9));
  assert.ok(none.status >= 400, `missing version: ${none.status}`);
  assert.equal(typeof none.data.error, 'string');
});

test('categories: apply, read, update, refuse a missing required attribute', async () => {
  const url = `api/v2/nodes/${made.doc}/categories`;
  const missing = await failure(session.postForm(url, { category_id: CATEGORY, [`${CATEGORY}_2`]: 'Records Programme' }));
  assert.equal(missing.status, 400);

  const applied = await session.postForm(url, {
    category_id: CATEGORY,
    [`${CATEGORY}_2`]: 'Records Programme',
    [`${CATEGORY}_8`]: '100001',
    [`${CATEGORY}_9`]: 1,
  });
  assert.equal(applied.status, 200);

  const again = await failure(session.postForm(url, { category_id: CATEGORY, [`${CATEGORY}_8`]: '100001' }));
  assert.equal(again.status, 400);

  const read = await session.get(`${url}/${CATEGORY}`);
  const values = read.data.results.data.categories;
  assert.equal(values[`${CATEGORY}_2`], 'Records Programme');
  assert.equal(values[`${CATEGORY}_8`], '100001');
  assert.equal(values[`${CATEGORY}_9`], 1);

  await session.putBody(`${url}/${CATEGORY}`, { [`${CATEGORY}_6`]: 'Approved', [`${CATEGORY}_9`]: 2 });
  const list = await session.get(url, { params: { metadata: '' } });
  assert.equal(list.data.results.length, 1);
  const cat = list.data.results[0];
  assert.equal(cat.data.categories[`${CATEGORY}_6`], 'Approved');
  assert.equal(cat.data.categories[`${CATEGORY}_9`], 2);
  assert.equal(cat.data.categories[`${CATEGORY}_8`], '100001');
  assert.equal(cat.metadata.categories[String(CATEGORY)].name, 'Confluence Page');
  assert.equal(cat.metadata.categories[`${CATEGORY}_8`].required, true);

  const foreign = await failure(session.putForm(`${url}/${CATEGORY}`, { '1234_2': 'x' }));
  assert.equal(foreign.status, 400);
});

test('workflow: draft process, form, initiate, status', async () => {
  // session.workflow.start() is broken in 1.0.24 (it calls an undefined
  // `get`), so the test uses the three calls start() is made of.
  const draft = await session.workflow.draftprocesses(DOCUMENT_APPROVAL_MAP);
  const draftId = draft.data.results.draftprocess_id;
  assert.ok(draftId >= 150000, `draft id ${draftId}`);

  const form = await session.workflow.draftprocesses_update(draftId);
  const keys = form.data.data.actions.map((a) => a.key);
  assert.ok(keys.includes('Initiate'), `actions: ${keys}`);

  const started = await session.workflow.draftprocesses_put(draftId, { action: 'Initiate', comment: 'third-party check' });
  const pid = started.data.results.process_id;
  assert.ok(pid >= 150000, `process id ${pid}`);

  const status = await session.get(`api/v2/workflows/status/processes/${pid}`);
  assert.equal(status.data.results.wf_details.status, 'ontime');
  assert.deepEqual(
    status.data.results.step_list.current.map((s) => s.task_name),
    ['Review'],
  );
});

test('nodes: delete the second document', async () => {
  await session.nodes.delete(made.doc2);
  const gone = await failure(session.nodes.node({ dataid: made.doc2 }));
  assert.ok([400, 500].includes(gone.status), `deleted node: ${gone.status}`);
  assert.match(gone.data.error, /Could not get a node|could not be accessed/);
  const listing = await session.nodes.children(made.folder);
  assert.deepEqual(listing.data.results.map((r) => r.data.properties.id), [made.doc]);
});

test('versions: addDocumentMajor (promote 0.1 to 1.0, delete 0.1), deleteVersion, purge', async () => {
  const path = await file('major.txt', 'major draft\n');
  const res = await session.nodes.addDocumentMajor({ parent_id: made.folder, fileHandler: path, name: 'Major.txt', description: 'Released' });
  const id = res.data.id;
  assert.ok(id >= 40000, `addDocumentMajor answers the v1 create: ${JSON.stringify(res.data)}`);
  const list = await session.versions.list(id);
  assert.deepEqual(list.data.data.map((v) => [v.version_number, v.version_number_name, v.description]), [[2, '1.0', 'Released']]);
  const out = join(dir, 'major-out.txt');
  await session.versions.download({ dataid: id, version: 2, filePath: out });
  assert.equal(await readFile(out, 'utf8'), 'major draft\n');

  // A minor version on top, promoted through the wrapper.
  await session.versions.addVersion({ dataid: id, fileHandler: await file('minor.txt', 'minor\n'), fileName: 'Major.txt' });
  const promoted = await session.versions.promote({ dataid: id, versionNumber: 3 });
  assert.equal(promoted.data.results.data.versions.version_number_name, '2.0');
  const again = await failure(session.versions.promote({ dataid: id, versionNumber: 4 }));
  assert.equal(again.status, 400);
  assert.match(again.data.error, /already a major version/);

  const current = await failure(session.versions.deleteVersion({ dataid: id, versionNumber: 4 }));
  assert.equal(current.status, 400);
  assert.match(current.data.error, /current version/);
  await session.versions.deleteVersion({ dataid: id, versionNumber: 3, apiVersion: 'v2' });
  const after = await session.versions.list(id);
  assert.deepEqual(after.data.data.map((v) => v.version_number), [2, 4]);

  // purge() cannot send number_to_keep (axios drops DELETE bodies): the default keeps 1.
  const purged = await session.versions.purge({ dataid: id, number_to_keep: 1 });
  assert.equal(purged.status, 200);
  const kept = await session.versions.list(id);
  assert.deepEqual(kept.data.data.map((v) => v.version_number), [4]);
  made.major = id;
});

test('versions: a held document refuses version deletion and purge', async () => {
  const id = made.major;
  await session.versions.addVersion({ dataid: id, fileHandler: await file('held.txt', 'held\n'), fileName: 'Major.txt' });
  await session.postForm(`api/v1/nodes/${id}/holds`, { hold_id: 8001 });
  const del = await failure(session.versions.deleteVersion({ dataid: id, versionNumber: 4 }));
  assert.equal(del.status, 400);
  assert.match(del.data.error, /under hold 'Litigation Hold 2026-01'/);
  const purge = await failure(session.versions.purge({ dataid: id }));
  assert.equal(purge.status, 400);
  assert.match(purge.data.error, /under hold/);
  await session.delete(`api/v1/nodes/${id}/holds/8001`);
  await session.versions.deleteVersion({ dataid: id, versionNumber: 4 });
});

test('nodes: generation of a version, nodes/list, name validation', async () => {
  const gen = await session.nodes.addGeneration(made.folder, 'Policy v1', made.doc, 1);
  const props = gen.data.results.data.properties;
  assert.equal(props.type, 2);
  assert.equal(props.original_id, made.doc);
  assert.equal(props.version_number, 1);
  const out = join(dir, 'gen.txt');
  await session.nodes.download({ dataid: props.id, filePath: out });
  assert.equal(await readFile(out, 'utf8'), 'Records Retention Policy, version 1\n');

  const list = await session.postBody('api/v2/nodes/list', { ids: [made.doc, props.id, 424242] });
  assert.deepEqual(list.data.results.map((r) => r.data.properties.id), [made.doc, props.id]);

  const names = await session.postBody('api/v1/validation/nodes/names', {
    parent_id: made.folder,
    names: ['records retention policy.txt', 'new.txt'],
  });
  assert.deepEqual(names.data.results, [{ name: 'records retention policy.txt', id: made.doc }]);
});

test('recycle bin: restore the deleted document, then delete and purge it', async () => {
  const restored = await session.postBody('api/v2/volumes/recyclebin/nodes/restore', { ids: [made.doc2] });
  assert.deepEqual(restored.data.results.success.ids, [made.doc2]);
  const node = await session.nodes.node({ dataid: made.doc2 });
  assert.equal(node.data.results.data.properties.parent_id, made.folder);

  await session.nodes.delete(made.doc2);
  const purged = await failure(session.postBody('api/v2/volumes/recyclebin/nodes/purge', { ids: [made.doc2, 424242] }));
  assert.equal(purged.status, 400);
  assert.deepEqual(purged.data.results.success.ids, [made.doc2]);
  assert.deepEqual(purged.data.results.failure.ids, [424242]);
  assert.equal(typeof purged.data.results.failure.errors['424242'].message, 'string');
  const gone = await failure(session.postBody('api/v2/volumes/recyclebin/nodes/restore', { ids: [made.doc2] }));
  assert.equal(gone.status, 400);
});

test('members: member (v2 and v1), userQuery', async () => {
  const v2 = await session.members.member(1002);
  assert.equal(v2.data.results.data.properties.name, 'reviewer1');
  const v1 = await session.members.member(1003, 'v1');
  assert.equal(v1.data.data.name, 'reviewer2');
  const found = await session.members.userQuery('review');
  assert.deepEqual(found.data.results.map((r) => r.data.properties.id), [1002, 1003]);
  assert.equal(found.data.collection.paging.total_count, 2);
  const missing = await failure(session.members.member(4242));
  assert.equal(missing.status, 400);
});

test('search: LQL where via session.search.search, paging, a bad query', async () => {
  const res = await session.search.search(`OTLocation: ${made.folder} and OTSubType: 144`, { limit: 1 });
  assert.deepEqual(res.data.results.map((r) => r.data.properties.id), [made.major]);
  assert.equal(res.data.collection.paging.total_count, 2);
  assert.equal(res.data.collection.paging.page_total, 2);
  const next = await session.search.search(`OTLocation: ${made.folder} and OTSubType: 144`, { limit: 1, page: 2 });
  assert.deepEqual(next.data.results.map((r) => r.data.properties.id), [made.doc]);

  // The workflow attachment shortcut has the same name; OTLocation keeps to the folder's tree.
  const exact = await session.search.search(`OTName: "records retention policy.txt" and OTLocation: ${ENTERPRISE_WORKSPACE}`);
  const [hit] = exact.data.results;
  assert.equal(exact.data.results.length, 1);
  assert.equal(hit.data.properties.id, made.doc);
  assert.equal(hit.data.regions.OTLocation, `${ENTERPRISE_WORKSPACE} ${made.folder} ${made.doc}`);
  assert.match(hit.search_result_metadata.object_id, new RegExp(`^DataId=${made.doc}&Version=\\d+$`));
  assert.equal(hit.search_result_metadata.current_version, true);

  const bad = await failure(session.search.search('OTName:'));
  assert.equal(bad.status, 400);
  assert.match(bad.data.error, /Livelink Query Language statements is incorrect/);
});

test('search: full-text modes (allwords, exactphrase) within metadata', async () => {
  const all = await session.search.search('Retention RECORDS', { lookfor: 'allwords', within: 'metadata' });
  assert.ok(all.data.results.some((r) => r.data.properties.id === made.doc), JSON.stringify(all.data.results));
  const phrase = await session.search.search('retention records', { lookfor: 'exactphrase', within: 'metadata' });
  assert.ok(!phrase.data.results.some((r) => r.data.properties.id === made.doc));
  const badMode = await failure(session.search.search('retention', { lookfor: 'somewords' }));
  assert.equal(badMode.status, 400);
});

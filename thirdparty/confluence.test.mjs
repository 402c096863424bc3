// confluence.js (npm, pinned in package.json) against simulators/confluence,
// through the library's public ConfluenceClient API only. Run by
// thirdparty_test.go with CONFLUENCE_SIM_URL set to a seeded simulator
// (seed: simulators/confluence/doc.go).
//
// confluence.js 2.x speaks the Cloud REST v1 API (/wiki/rest/api); it has
// no v2 client (3.x has one, but needs Node.js >= 22).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfluenceClient } from 'confluence.js';

const host = process.env.CONFLUENCE_SIM_URL;
if (!host) {
  throw new Error('CONFLUENCE_SIM_URL is not set (run through `go test ./thirdparty/`)');
}

const client = new ConfluenceClient({
  host,
  authentication: { basic: { email: 'bridge@example.com', apiToken: 'demo-token' } },
});

const SEED_CSV =
  'record_class,retention_years,trigger\ncontracts,10,end of contract\ninvoices,7,end of fiscal year\nmeeting notes,3,creation\n';

// rejection returns what a rejected library call threw (confluence.js throws
// the response body of an HTTP error).
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

test('content: get page 100001 with storage and view bodies', async () => {
  const page = await client.content.getContentById({
    id: '100001',
    expand: ['body.storage', 'body.view', 'version', 'space', 'metadata.labels'],
  });
  assert.equal(page.id, '100001');
  assert.equal(page.type, 'page');
  assert.equal(page.status, 'current');
  assert.equal(page.title, 'Records Retention Policy');
  assert.equal(page.space.key, 'POL');
  assert.equal(page.version.number, 1);
  assert.equal(page.body.storage.representation, 'storage');
  assert.match(page.body.storage.value, /<h1>Records Retention Policy<\/h1>/);
  assert.match(page.body.storage.value, /<ac:image[^>]*><ri:attachment ri:filename="signature.png"/);
  assert.equal(page.body.view.representation, 'view');
  assert.match(page.body.view.value, /<table>/);
  assert.doesNotMatch(page.body.view.value, /<ac:/);
  const labels = page.metadata.labels.results.map((l) => l.name).sort();
  assert.deepEqual(labels, ['approved', 'dept-legal', 'doctype-policy']);
});

test('content: unknown page is a 404 error body', async () => {
  const err = await rejection(client.content.getContentById({ id: '999999' }));
  assert.equal(err.statusCode, 404);
  assert.equal(typeof err.message, 'string');
});

test('auth: a bad API token is rejected', async () => {
  const bad = new ConfluenceClient({
    host,
    authentication: { basic: { email: 'bridge@example.com', apiToken: 'wrong' } },
  });
  const err = await rejection(bad.content.getContentById({ id: '100001' }));
  // The 401 body is text/plain, as the Atlassian edge sometimes sends it.
  assert.match(String(err), /authenticated/i);
});

test('content: update page 100002 (version must be incremented)', async () => {
  const before = await client.content.getContentById({ id: '100002', expand: ['body.storage', 'version'] });
  assert.equal(before.version.number, 1);
  const updated = await client.content.updateContent({
    id: '100002',
    type: 'page',
    title: before.title,
    version: { number: before.version.number + 1, message: 'linked to OpenText' },
    body: { storage: { value: before.body.storage.value + '<p>Archived copy in OpenText.</p>', representation: 'storage' } },
  });
  assert.equal(updated.id, '100002');
  assert.equal(updated.version.number, 2);
  const after = await client.content.getContentById({ id: '100002', expand: ['body.storage', 'version'] });
  assert.equal(after.version.number, 2);
  assert.equal(after.version.message, 'linked to OpenText');
  assert.match(after.body.storage.value, /Archived copy in OpenText/);

  const stale = await rejection(
    client.content.updateContent({
      id: '100002',
      type: 'page',
      title: before.title,
      version: { number: 2 },
      body: { storage: { value: '<p>lost update</p>', representation: 'storage' } },
    }),
  );
  assert.equal(stale.statusCode, 409);
});

test('labels: list, add and remove', async () => {
  const list = await client.contentLabels.getLabelsForContent({ id: '100001' });
  assert.deepEqual(list.results.map((l) => l.name).sort(), ['approved', 'dept-legal', 'doctype-policy']);
  for (const l of list.results) {
    assert.equal(l.prefix, 'global');
    assert.equal(typeof l.id, 'string');
  }

  const added = await client.contentLabels.addLabelsToContent({
    id: '100002',
    body: [
      { prefix: 'global', name: 'archived-in-otcs' },
      { prefix: 'global', name: 'records' },
    ],
  });
  const addedNames = added.results.map((l) => l.name);
  assert.ok(addedNames.includes('archived-in-otcs'), `labels after add: ${addedNames}`);
  assert.ok(addedNames.includes('draft'), 'existing labels are kept');

  await client.contentLabels.removeLabelFromContent({ id: '100002', label: 'records' });
  await client.contentLabels.removeLabelFromContentUsingQueryParameter({ id: '100002', name: 'draft' });
  const after = await client.contentLabels.getLabelsForContent({ id: '100002' });
  assert.deepEqual(after.results.map((l) => l.name).sort(), ['archived-in-otcs', 'dept-finance']);
});

test('labels: paging with start and limit', async () => {
  const first = await client.contentLabels.getLabelsForContent({ id: '100001', limit: 2 });
  assert.equal(first.results.length, 2);
  assert.equal(first.size, 2);
  assert.ok(first._links.next, 'a first page that is not the last has _links.next');
  const second = await client.contentLabels.getLabelsForContent({ id: '100001', start: 2, limit: 2 });
  assert.equal(second.results.length, 1);
  assert.equal(second._links.next, undefined);
  const names = [...first.results, ...second.results].map((l) => l.name).sort();
  assert.deepEqual(names, ['approved', 'dept-legal', 'doctype-policy']);
});

test('content properties: read seed, create, update, conflict', async () => {
  const seeded = await client.contentProperties.getContentProperty({ id: '100001', key: 'project' });
  assert.equal(seeded.key, 'project');
  assert.deepEqual(seeded.value, { name: 'Records Programme' });
  assert.equal(seeded.version.number, 1);
  assert.equal(typeof seeded.id, 'string');

  const created = await client.contentProperties.createContentProperty({
    id: '100001',
    key: 'xecm-bridge',
    value: { nodeId: 40001, version: 1 },
  });
  assert.equal(created.key, 'xecm-bridge');
  assert.deepEqual(created.value, { nodeId: 40001, version: 1 });
  assert.equal(created.version.number, 1);

  const updated = await client.contentProperties.updateContentProperty({
    id: '100001',
    key: 'xecm-bridge',
    value: { nodeId: 40001, version: 2 },
    version: { number: 2 },
  });
  assert.equal(updated.version.number, 2);
  assert.deepEqual(updated.value, { nodeId: 40001, version: 2 });

  const conflict = await rejection(
    client.contentProperties.updateContentProperty({
      id: '100001',
      key: 'xecm-bridge',
      value: { nodeId: 1 },
      version: { number: 2 },
    }),
  );
  assert.equal(conflict.statusCode, 409);

  const list = await client.contentProperties.getContentProperties({ id: '100001' });
  const byKey = Object.fromEntries(list.results.map((p) => [p.key, p]));
  assert.deepEqual(Object.keys(byKey).sort(), ['project', 'xecm-bridge']);
  assert.equal(byKey['xecm-bridge'].version.number, 2);

  const missing = await rejection(client.contentProperties.getContentProperty({ id: '100001', key: 'nope' }));
  assert.equal(missing.statusCode, 404);
});

test('attachments: list and download the seeded files', async () => {
  const list = await client.contentAttachments.getAttachments({ id: '100001' });
  const byName = Object.fromEntries(list.results.map((a) => [a.title, a]));
  assert.deepEqual(Object.keys(byName).sort(), ['retention-schedule.csv', 'signature.png']);
  const csv = byName['retention-schedule.csv'];
  assert.match(csv.id, /^att\d+$/);
  assert.equal(csv.type, 'attachment');
  assert.equal(csv.metadata.mediaType, 'text/csv');
  assert.equal(csv.extensions.fileSize, Buffer.byteLength(SEED_CSV));
  assert.ok(csv._links.download, 'attachment has a download link');

  const data = await client.contentAttachments.downloadAttachment({ id: '100001', attachmentId: csv.id });
  assert.equal(Buffer.from(data).toString('utf8'), SEED_CSV);

  const png = await client.contentAttachments.downloadAttachment({
    id: '100001',
    attachmentId: byName['signature.png'].id,
  });
  const sig = Buffer.from(png);
  assert.equal(sig.length, byName['signature.png'].extensions.fileSize);
  assert.deepEqual([...sig.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  const filtered = await client.contentAttachments.getAttachments({ id: '100001', filename: 'signature.png' });
  assert.deepEqual(filtered.results.map((a) => a.title), ['signature.png']);

  const paged = await client.contentAttachments.getAttachments({ id: '100001', limit: 1 });
  assert.equal(paged.results.length, 1);
  assert.ok(paged._links.next);
  const rest = await client.contentAttachments.getAttachments({ id: '100001', start: 1, limit: 1 });
  assert.equal(rest.results.length, 1);
  assert.notEqual(rest.results[0].id, paged.results[0].id);
});

test('attachments: upload, new version, download', async () => {
  const created = await client.contentAttachments.createAttachments({
    id: '100003',
    attachments: {
      file: Buffer.from('first version\n'),
      filename: 'minutes.txt',
      contentType: 'text/plain',
      minorEdit: true,
      comment: 'from the third-party check',
    },
  });
  assert.equal(created.results.length, 1);
  const att = created.results[0];
  assert.match(att.id, /^att\d+$/);
  assert.equal(att.title, 'minutes.txt');
  assert.equal(att.version.number, 1);

  const dup = await rejection(
    client.contentAttachments.createAttachments({
      id: '100003',
      attachments: { file: Buffer.from('x'), filename: 'minutes.txt', minorEdit: true },
    }),
  );
  assert.equal(dup.statusCode, 400);

  const updated = await client.contentAttachments.createOrUpdateAttachments({
    id: '100003',
    attachments: {
      file: Buffer.from('second version\n'),
      filename: 'minutes.txt',
      contentType: 'text/plain',
      minorEdit: true,
    },
  });
  assert.equal(updated.results[0].id, att.id);
  assert.equal(updated.results[0].version.number, 2);

  const data = await client.contentAttachments.downloadAttachment({ id: '100003', attachmentId: att.id });
  assert.equal(Buffer.from(data).toString('utf8'), 'second version\n');

  // Every version is kept: listed newest first, and downloadable by number.
  const versions = await client.contentVersions.getContentVersions({ id: att.id });
  assert.deepEqual(versions.results.map((v) => v.number), [2, 1]);
  assert.equal(versions.results[1].by.accountId, '557058:bridge');
  assert.equal(versions.results[1].message, 'from the third-party check');
  const first = await client.contentAttachments.downloadAttachment({ id: '100003', attachmentId: att.id, version: 1 });
  assert.equal(Buffer.from(first).toString('utf8'), 'first version\n');
});

test('content states: read, set a custom and a space state, remove; each change is a new version', async () => {
  // Page 200001 (space ENG): no other check here looks at its version.
  const none = await client.contentStates.getContentState({ id: '200001', status: 'current' });
  assert.equal(none.contentState, null);

  const available = await client.contentStates.getAvailableContentStates({ id: '200001' });
  assert.deepEqual(
    available.spaceContentStates.map((s) => s.name),
    ['Rough draft', 'In progress', 'Ready for review'],
  );
  for (const s of available.spaceContentStates) {
    assert.equal(typeof s.id, 'number');
    assert.match(s.color, /^#[0-9a-f]{6}$/);
  }

  // confluence.js 2.x sends no X-Atlassian-Token on these writes.
  const set = await client.contentStates.setContentState({ id: '200001', status: 'current', name: 'Approved', color: '#57d9a3' });
  assert.equal(set.contentState.name, 'Approved');
  assert.equal(set.contentState.color, '#57d9a3');
  assert.equal(typeof set.contentState.id, 'number');
  assert.equal(typeof set.lastUpdated, 'string');
  const page = await client.content.getContentById({ id: '200001', expand: ['version'] });
  assert.equal(page.version.number, 2, 'setting a state publishes a new version');

  // confluence.js types the state id as a string.
  const byId = await client.contentStates.setContentState({ id: '200001', status: 'current', stateId: '2' });
  assert.equal(byId.contentState.id, 2);
  assert.equal(byId.contentState.name, 'Ready for review');
  const read = await client.contentStates.getContentState({ id: '200001' });
  assert.equal(read.contentState.name, 'Ready for review');

  const settings = await client.contentStates.getContentStateSettings({ spaceKey: 'ENG' });
  assert.equal(settings.contentStatesAllowed, true);
  assert.equal(settings.spaceContentStates.length, 3);
  const spaceStates = await client.contentStates.getSpaceContentStates({ spaceKey: 'ENG' });
  assert.equal(spaceStates.length, 3);
  const custom = await client.contentStates.getCustomContentStates();
  assert.ok(custom.some((s) => s.name === 'Approved'), `custom states: ${JSON.stringify(custom)}`);

  const tooLong = await rejection(
    client.contentStates.setContentState({ id: '200001', status: 'current', name: 'x'.repeat(21), color: '#57d9a3' }),
  );
  assert.equal(tooLong.statusCode, 400);

  const removed = await client.contentStates.removeContentState({ id: '200001', status: 'current' });
  assert.equal(removed.contentState, null);
  const after = await client.content.getContentById({ id: '200001', expand: ['version'] });
  assert.equal(after.version.number, 4);
});

test('search: CQL content search, paged with the cursor from _links.next', async () => {
  const cql = 'space = POL and type = page order by id';
  const seen = [];
  let cursor;
  for (let i = 0; i < 10; i++) {
    const res = await client.content.searchContentByCQL({ cql, limit: 2, cursor, expand: ['version'] });
    assert.ok(res.results.length <= 2);
    for (const c of res.results) {
      assert.equal(c.type, 'page');
      assert.equal(typeof c.version.number, 'number');
      seen.push(c.id);
    }
    if (!res._links.next) break;
    cursor = new URL(res._links.next, host).searchParams.get('cursor');
    assert.ok(cursor, `_links.next carries a cursor: ${res._links.next}`);
  }
  assert.deepEqual(seen, ['100001', '100002', '100003', '100004', '100005']);

  const approved = await client.content.searchContentByCQL({ cql: 'label = approved and type = page' });
  assert.deepEqual(approved.results.map((c) => c.id), ['100001']);
});

test('search: site search (GET /rest/api/search) wraps the content, paged by cursor', async () => {
  const cql = 'space = POL and type = page order by id';
  const seen = [];
  let cursor;
  for (let i = 0; i < 10; i++) {
    const res = await client.search.searchByCQL({ cql, limit: 2, cursor });
    assert.equal(res.cqlQuery, cql);
    assert.equal(res.totalSize, 5);
    for (const r of res.results) {
      assert.equal(r.entityType, 'content');
      assert.equal(r.content.type, 'page');
      assert.equal(r.title, r.content.title);
      assert.equal(r.url, r.content._links.webui);
      assert.equal(typeof r.excerpt, 'string');
      assert.equal(r.resultGlobalContainer.displayUrl, '/spaces/POL');
      seen.push(r.content.id);
    }
    if (!res._links.next) break;
    cursor = new URL(res._links.next, host).searchParams.get('cursor');
  }
  assert.deepEqual(seen, ['100001', '100002', '100003', '100004', '100005']);
});

test('history: the next version number comes from lastUpdated', async () => {
  const history = await client.content.getHistoryForContent({ id: '100003', expand: ['lastUpdated', 'previousVersion'] });
  assert.equal(history.latest, true);
  assert.equal(typeof history.createdBy.accountId, 'string');
  const page = await client.content.getContentById({ id: '100003', expand: ['version'] });
  assert.equal(history.lastUpdated.number, page.version.number);
  const updated = await client.content.updateContent({
    id: '100003',
    type: 'page',
    title: page.title,
    version: { number: history.lastUpdated.number + 1 },
    body: { storage: { value: '<p>Updated through the history.</p>', representation: 'storage' } },
  });
  assert.equal(updated.version.number, history.lastUpdated.number + 1);
  const after = await client.content.getHistoryForContent({ id: '100003', expand: ['lastUpdated', 'previousVersion'] });
  assert.equal(after.lastUpdated.number, updated.version.number);
  assert.equal(after.previousVersion.number, history.lastUpdated.number);
});

test('space: get ENG with its description and home page', async () => {
  const space = await client.space.getSpace({ spaceKey: 'ENG', expand: ['description.plain', 'homepage'] });
  assert.equal(space.description.plain.representation, 'plain');
  assert.equal(space.homepage.type, 'page');
  assert.equal(space.homepage.id, '200001');
});

test('users and groups: look up people, list groups, members by group id', async () => {
  const me = await client.users.getCurrentUser();
  assert.equal(me.accountId, '557058:bridge');
  const lena = await client.users.getUser({ accountId: '557058:lena' });
  assert.equal(lena.displayName, 'Lena Lawson');
  const bulk = await client.users.getBulkUserLookup({ accountId: '557058:lena,557058:alice' });
  assert.deepEqual(bulk.results.map((u) => u.accountId).sort(), ['557058:alice', '557058:lena']);
  const groups = await client.group.getGroups({ limit: 200 });
  const legal = groups.results.find((g) => g.name === 'legal');
  assert.ok(legal, JSON.stringify(groups.results.map((g) => g.name)));
  assert.match(legal.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const members = await client.group.getGroupMembersByGroupId({ groupId: legal.id });
  assert.deepEqual(members.results.map((u) => u.accountId), ['557058:lena']);
});

test('space: get POL by key', async () => {
  const space = await client.space.getSpace({ spaceKey: 'POL' });
  assert.equal(space.key, 'POL');
  assert.equal(space.name, 'Policies');
  assert.equal(Number(space.id), 98304);
});

test('restrictions: restrict updates to the bridge, read them back, lift them', async () => {
  const none = await client.contentRestrictions.getRestrictions({ id: '100004' });
  const ops = Object.fromEntries(none.results.map((r) => [r.operation, r]));
  assert.deepEqual(Object.keys(ops).sort(), ['read', 'update']);
  assert.equal(ops.update.restrictions.user.results.length, 0);
  assert.equal(typeof none.restrictionsHash, 'string');

  await client.contentRestrictions.addRestrictions({
    id: '100004',
    body: [{ operation: 'update', restrictions: { user: [{ type: 'known', accountId: '557058:bridge' }] } }],
  });
  const byOp = await client.contentRestrictions.getRestrictionsByOperation({ id: '100004' });
  assert.deepEqual(
    byOp.update.restrictions.user.results.map((u) => u.accountId),
    ['557058:bridge'],
  );
  // An existing user restriction answers 200 (an absent one 404).
  await client.contentRestrictions.getContentRestrictionStatusForUser({
    id: '100004',
    operationKey: 'update',
    accountId: '557058:bridge',
  });

  // Now only the bridge may edit: the editor's label change is refused.
  const editor = new ConfluenceClient({
    host,
    authentication: { basic: { email: 'editor@example.com', apiToken: 'editor-token' } },
  });
  const refused = await rejection(
    editor.contentLabels.addLabelsToContent({ id: '100004', body: [{ prefix: 'global', name: 'approved' }] }),
  );
  assert.equal(refused.statusCode, 403);

  const restricted = await client.contentRestrictions.getRestrictions({ id: '100004' });
  assert.notEqual(restricted.restrictionsHash, none.restrictionsHash);

  await client.contentRestrictions.deleteRestrictions({ id: '100004' });
  const cleared = await client.contentRestrictions.getRestrictionsByOperation({ id: '100004' });
  assert.equal(cleared.update.restrictions.user.results.length, 0);
  await editor.contentLabels.addLabelsToContent({ id: '100004', body: [{ prefix: 'global', name: 'approved' }] });
});

test('comments: add a footer comment and list it', async () => {
  const created = await client.content.createContent({
    type: 'comment',
    container: { id: '100001', type: 'page' },
    body: { storage: { value: '<p>Archived as OpenText node 40001.</p>', representation: 'storage' } },
  });
  assert.equal(created.type, 'comment');
  assert.equal(typeof created.id, 'string');

  const list = await client.contentChildrenAndDescendants.getContentChildrenByType({ id: '100001', type: 'comment' });
  assert.deepEqual(list.results.map((c) => c.id), [created.id]);

  const page = await client.content.getContentById({ id: '100001', expand: ['version'] });
  assert.equal(page.version.number, 1, 'a comment does not change the page version');
});

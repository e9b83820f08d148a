import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { newId, type Notification, type TimelineEntry } from '@cc/core';
import {
  followUpItem,
  followUpRepository,
  hotKeyShards,
  notificationItems,
  notificationRepository,
  timelineItem,
  timelineRepository,
  transact,
  type FollowUp,
  type StoreContext,
} from '@cc/store';
import { createTestContext, type TestContext } from '../support/harness';

// Every write of a kind used to share one index partition; now each item goes to one of HOT_KEY_SHARDS partitions
// by its id, and every reader asks all of them (docs/scale.md). These check the readers still see everything, in
// order, once.
let t: TestContext;
let store: StoreContext;
const base = Date.parse('2026-03-02T08:00:00.000Z');
const at = (i: number) => new Date(base + i * 1000).toISOString();

beforeAll(async () => {
  t = await createTestContext();
  store = t.deps.store;
});

const gsiKeyOf = async (key: Record<string, string>, attribute: string) =>
  String((await store.doc.send(new GetCommand({ TableName: store.tableName, Key: key }))).Item?.[attribute]);

describe('sharded hot keys', () => {
  it('spreads pending deliveries over the shards; the sweeper still reads them oldest first', async () => {
    const notes: Notification[] = Array.from({ length: 40 }, (_, i) => ({
      id: newId(base + i * 1000),
      recipientId: 'mgr-hot',
      kind: 'case_created',
      title: `case ${i}`,
      excerpt: 'x',
      createdAt: at(i),
    }));
    for (const n of notes) await transact(store, notificationItems(store, n));

    const partitions = new Set(
      await Promise.all(notes.map((n) => gsiKeyOf({ pk: `NOTIF#${n.id}`, sk: 'NOTIF' }, 'gsi1pk'))),
    );
    expect(hotKeyShards(store)).toBeGreaterThan(1);
    expect(partitions.size).toBeGreaterThan(hotKeyShards(store) / 2);
    for (const p of partitions) expect(p).toMatch(/^NOTIF#PENDING#\d+$/);

    const listed = await notificationRepository(store).listUndelivered(new Date(base + 3_600_000), 1000);
    const ours = listed.map((r) => r.notification?.id).filter((id) => notes.some((n) => n.id === id));
    expect(ours).toEqual(notes.map((n) => n.id));
    // A limit takes the oldest across every shard, not the first shard's.
    const oldest = await notificationRepository(store).listUndelivered(new Date(base + 3_600_000), 5);
    expect(oldest.map((r) => r.notification?.id)).toEqual(notes.slice(0, 5).map((n) => n.id));
  });

  it('lists due follow-ups across the shards, oldest first, only those due', async () => {
    const followUps: FollowUp[] = Array.from({ length: 12 }, (_, i) => ({
      kind: 'team_pipeline',
      userIds: [`u-${i}`],
      id: newId(base + i),
      createdAt: at(0),
      dueAt: at(100 + i),
      attempts: 0,
      status: 'due',
    }));
    for (const f of followUps) await transact(store, [followUpItem(store, f)]);
    const due = await followUpRepository(store).due(new Date(Date.parse(at(105))), 100);
    expect(due.map((f) => f.id)).toEqual(followUps.slice(0, 6).map((f) => f.id));
    expect((await followUpRepository(store).due(new Date(Date.parse(at(200))), 3)).map((f) => f.id)).toEqual(
      followUps.slice(0, 3).map((f) => f.id),
    );
  });

  it('pages the unidentified queue newest first across the shards, every contact exactly once', async () => {
    const entries: TimelineEntry[] = Array.from({ length: 23 }, (_, i) => ({
      id: newId(base + i * 1000),
      customerId: null,
      sender: { kind: 'phone', value: `+86138000${String(i).padStart(5, '0')}` },
      type: 'contact',
      channel: 'sms',
      direction: 'inbound',
      occurredAt: at(i),
      actor: { kind: 'customer', channel: 'sms' },
      summary: `message ${i}`,
      links: {},
    }));
    for (const e of entries) await transact(store, [timelineItem(store, e, 395)]);

    const seen: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await timelineRepository(store).listUnidentified(startKey, 4);
      seen.push(...page.items.map((e) => e.id));
      startKey = page.lastKey;
      pages++;
    } while (startKey && pages < 20);
    expect(seen).toEqual(entries.map((e) => e.id).reverse());
  });
});

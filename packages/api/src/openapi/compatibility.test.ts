import { describe, expect, it } from 'vitest';
import { breakingChanges } from './compatibility';

type Json = Record<string, unknown>;

/** A small contract: one create operation with a request body, a response and a query parameter. */
function contract(change: (parts: { body: Json; reply: Json; query: Json[]; extra: Json }) => void = () => {}) {
  const body: Json = {
    type: 'object',
    properties: {
      title: { type: 'string', maxLength: 200 },
      priority: { type: 'string', enum: ['low', 'normal', 'high'] },
      note: { type: 'string' },
    },
    required: ['title'],
    additionalProperties: false,
  };
  const reply: Json = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      status: { type: 'string', enum: ['new', 'closed'] },
      title: { type: 'string' },
    },
    required: ['id', 'status', 'title'],
    additionalProperties: false,
  };
  const query: Json[] = [{ name: 'dryRun', in: 'query', required: false, schema: { type: 'boolean' } }];
  const extra: Json = {};
  change({ body, reply, query, extra });
  return {
    paths: {
      '/cases': {
        post: {
          operationId: 'createCase',
          security: [{ bearer: [] }],
          parameters: query,
          requestBody: { required: true, content: { 'application/json': { schema: body } } },
          responses: {
            201: {
              description: 'Created',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Case' } } },
            },
            400: { description: 'Problem' },
          },
        },
      },
      ...extra,
    },
    components: { schemas: { Case: reply } },
  };
}

const released = contract();
const changes = (change: Parameters<typeof contract>[0]) => breakingChanges(released, contract(change));

describe('breaking changes between two contracts', () => {
  it('finds none between a contract and itself', () => {
    expect(breakingChanges(released, contract())).toEqual([]);
  });

  it('lets additions through: operations, optional request fields, response fields and enum values', () => {
    expect(
      changes(({ body, reply, query, extra }) => {
        (body.properties as Json).channel = { type: 'string' };
        (reply.properties as Json).createdAt = { type: 'string' };
        ((reply.properties as Json).status as Json).enum = ['new', 'in_progress', 'closed'];
        query.push({ name: 'trace', in: 'query', required: false, schema: { type: 'string' } });
        extra['/cases/{id}'] = { get: { operationId: 'getCase', responses: { 200: { description: 'The case' } } } };
      }),
    ).toEqual([]);
  });

  it('lets a request accept more: a looser limit, more enum values, a required field made optional', () => {
    expect(
      changes(({ body }) => {
        ((body.properties as Json).title as Json).maxLength = 500;
        ((body.properties as Json).priority as Json).enum = ['low', 'normal', 'high', 'urgent'];
        body.required = [];
      }),
    ).toEqual([]);
  });

  it('finds a removed operation, success status or response field', () => {
    expect(breakingChanges(released, { ...released, paths: {} })).toEqual([
      'POST /cases: operation createCase removed',
    ]);
    expect(changes(({ reply }) => delete (reply.properties as Json).title)).toEqual(['POST /cases 201.title: removed']);
    expect(changes(({ reply }) => (reply.required = ['id', 'status']))).toEqual([
      'POST /cases 201.title: may now be absent',
    ]);
  });

  it('finds a response field whose type is wider than it was', () => {
    expect(
      changes(({ reply }) => {
        (reply.properties as Json).title = { anyOf: [{ type: 'string' }, { type: 'null' }] };
      }),
    ).toEqual(['POST /cases 201.title: may now be null']);
  });

  it('finds a narrowed request: fewer enum values, a tighter limit, a new required field, a dropped field', () => {
    expect(
      changes(({ body }) => {
        const properties = body.properties as Json;
        (properties.priority as Json).enum = ['normal', 'high'];
        (properties.title as Json).maxLength = 100;
        properties.customerId = { type: 'string' };
        body.required = ['title', 'customerId'];
        delete properties.note;
      }),
    ).toEqual([
      'POST /cases request body.title: maxLength tightened to 100',
      'POST /cases request body.priority: no longer accepts "low"',
      'POST /cases request body.note: no longer accepted',
      'POST /cases request body.customerId: new and required',
    ]);
  });

  it('finds a changed type, a removed or newly required parameter, and other credentials', () => {
    expect(
      changes(({ body, query }) => {
        ((body.properties as Json).title as Json).type = 'integer';
        query[0] = { name: 'mode', in: 'query', required: true, schema: { type: 'string' } };
      }),
    ).toEqual([
      'POST /cases: query parameter dryRun removed',
      'POST /cases: query parameter mode now required',
      'POST /cases request body.title: no longer accepts string',
    ]);
    const publicNow = contract();
    (publicNow.paths['/cases'].post as Json).security = [];
    expect(breakingChanges(released, publicNow)).toEqual(['POST /cases: asks for other credentials']);
  });
});

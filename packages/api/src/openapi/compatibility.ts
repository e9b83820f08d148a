/**
 * What in a new contract breaks a client written against an older one (docs/api.md): a removed or renamed
 * operation, a removed success status, content type, response field or header, a response field that may
 * now be absent or of another type, a request that was accepted and no longer is (a removed field or
 * parameter, a new required one, a narrower type, fewer enum values, tighter limits), other credentials.
 * Additions are not breaking: operations, optional request fields, response fields, enum values in
 * responses (clients ignore what they do not know).
 */
type Json = Record<string, unknown>;
type Schema = Json;
interface Document {
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Schema> };
}
/** request: the new schema must accept whatever the old one accepted; response: produce only what it promised. */
type Direction = 'request' | 'response';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const isSuccess = (status: string) => /^[23]/.test(status);
const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

class Comparison {
  readonly issues: string[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly before: Document,
    private readonly after: Document,
  ) {}

  private resolve(doc: Document, schema: unknown): Schema {
    let current = (schema ?? {}) as Schema;
    for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth++) {
      const name = current.$ref.replace('#/components/schemas/', '');
      current = doc.components?.schemas?.[name] ?? {};
    }
    return current;
  }

  private report(where: string, what: string) {
    this.issues.push(`${where}: ${what}`);
  }

  /** Reports into a scratch list: used to ask whether one variant of a union fits another. */
  private fits(before: Schema, after: Schema, dir: Direction): boolean {
    const probe = new Comparison(this.before, this.after);
    probe.schema(before, after, dir, '');
    return probe.issues.length === 0;
  }

  schema(rawBefore: unknown, rawAfter: unknown, dir: Direction, where: string): void {
    const refs = `${JSON.stringify((rawBefore as Json)?.$ref)}|${JSON.stringify((rawAfter as Json)?.$ref)}|${dir}`;
    if ((rawBefore as Json)?.$ref && (rawAfter as Json)?.$ref) {
      if (this.seen.has(refs)) return;
      this.seen.add(refs);
    }
    const before = this.resolve(this.before, rawBefore);
    const after = this.resolve(this.after, rawAfter);
    const variantsBefore = asArray((before.anyOf ?? before.oneOf) as Schema[] | undefined);
    const variantsAfter = asArray((after.anyOf ?? after.oneOf) as Schema[] | undefined);
    if (variantsBefore.length || variantsAfter.length) {
      const listBefore = variantsBefore.length ? variantsBefore : [before];
      const listAfter = variantsAfter.length ? variantsAfter : [after];
      const resolvedBefore = listBefore.map((s) => this.resolve(this.before, s));
      const resolvedAfter = listAfter.map((s) => this.resolve(this.after, s));
      if (dir === 'request') {
        const lost = resolvedBefore.filter((b) => !resolvedAfter.some((a) => this.fits(b, a, dir)));
        if (lost.length) this.report(where, `no longer accepts ${lost.map(describe).join(', ')}`);
      } else {
        const fresh = resolvedAfter.filter((a) => !resolvedBefore.some((b) => this.fits(b, a, dir)));
        if (fresh.length) this.report(where, `may now be ${fresh.map(describe).join(', ')}`);
      }
      return;
    }
    this.types(before, after, dir, where);
    this.values(before, after, dir, where);
    if (dir === 'request') this.limits(before, after, where);
    this.properties(before, after, dir, where);
    if (before.items || after.items) this.schema(before.items, after.items, dir, `${where}[]`);
  }

  private types(before: Schema, after: Schema, dir: Direction, where: string) {
    const typesBefore = asArray(before.type as string | string[]);
    const typesAfter = asArray(after.type as string | string[]);
    if (!typesBefore.length || !typesAfter.length) {
      // An untyped schema accepts anything: typing it narrows a request, untyping it widens a response.
      if (dir === 'request' && !typesBefore.length && typesAfter.length && !before.enum && before.const === undefined)
        this.report(where, `now only accepts ${typesAfter.join(' | ')}`);
      if (dir === 'response' && typesBefore.length && !typesAfter.length && !after.enum && after.const === undefined)
        this.report(where, 'may now be of any type');
      return;
    }
    const widen = (t: string[], u: string[]) =>
      t.filter((x) => !u.includes(x) && !(x === 'integer' && u.includes('number')));
    if (dir === 'request') {
      const lost = widen(typesBefore, typesAfter);
      if (lost.length) this.report(where, `no longer accepts ${lost.join(' | ')}`);
    } else {
      const fresh = widen(typesAfter, typesBefore);
      if (fresh.length) this.report(where, `may now be ${fresh.join(' | ')}`);
    }
  }

  private values(before: Schema, after: Schema, dir: Direction, where: string) {
    const valuesOf = (s: Schema) => (s.const !== undefined ? [s.const] : (s.enum as unknown[] | undefined));
    const valuesBefore = valuesOf(before);
    const valuesAfter = valuesOf(after);
    if (dir !== 'request' || !valuesAfter) return;
    const lost = valuesBefore ? valuesBefore.filter((v) => !valuesAfter.includes(v)) : ['values outside the new enum'];
    if (lost.length) this.report(where, `no longer accepts ${lost.map((v) => JSON.stringify(v)).join(', ')}`);
  }

  /** Limits a request must now meet that it did not have to before. */
  private limits(before: Schema, after: Schema, where: string) {
    const upper = ['maxLength', 'maxItems', 'maxProperties', 'maximum', 'exclusiveMaximum'];
    const lower = ['minLength', 'minItems', 'minProperties', 'minimum', 'exclusiveMinimum'];
    for (const key of upper) {
      const b = before[key] as number | undefined;
      const a = after[key] as number | undefined;
      if (a !== undefined && (b === undefined || a < b)) this.report(where, `${key} tightened to ${a}`);
    }
    for (const key of lower) {
      const b = before[key] as number | undefined;
      const a = after[key] as number | undefined;
      if (a !== undefined && (b === undefined || a > b)) this.report(where, `${key} tightened to ${a}`);
    }
    for (const key of ['pattern', 'format']) {
      if (after[key] !== undefined && after[key] !== before[key]) this.report(where, `${key} is now ${after[key]}`);
    }
  }

  private properties(before: Schema, after: Schema, dir: Direction, where: string) {
    const propsBefore = (before.properties ?? {}) as Record<string, Schema>;
    const propsAfter = (after.properties ?? {}) as Record<string, Schema>;
    const requiredBefore = asArray(before.required as string[] | undefined);
    const requiredAfter = asArray(after.required as string[] | undefined);
    const at = (name: string) => (where ? `${where}.${name}` : name);
    for (const [name, schema] of Object.entries(propsBefore)) {
      if (!(name in propsAfter)) {
        if (dir === 'response') this.report(at(name), 'removed');
        else if (after.additionalProperties === false) this.report(at(name), 'no longer accepted');
        continue;
      }
      this.schema(schema, propsAfter[name], dir, at(name));
    }
    if (dir === 'request') {
      for (const name of requiredAfter.filter((n) => !requiredBefore.includes(n)))
        this.report(at(name), name in propsBefore ? 'now required' : 'new and required');
    } else {
      for (const name of requiredBefore.filter((n) => !requiredAfter.includes(n) && n in propsAfter))
        this.report(at(name), 'may now be absent');
    }
    if (before.additionalProperties !== false && after.additionalProperties === false && dir === 'request')
      this.report(where || '(body)', 'no longer accepts other fields');
  }
}

function describe(schema: Schema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  return asArray(schema.type as string | string[]).join(' | ') || 'another shape';
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

export function breakingChanges(before: Document, after: Document): string[] {
  const comparison = new Comparison(before, after);
  const report = (where: string, what: string) => comparison.issues.push(`${where}: ${what}`);
  for (const [path, methods] of Object.entries(before.paths)) {
    for (const method of METHODS.filter((m) => methods[m])) {
      const old = methods[method] as Json;
      const op = `${method.toUpperCase()} ${path}`;
      const now = after.paths[path]?.[method] as Json | undefined;
      if (!now) {
        report(op, `operation ${old.operationId} removed`);
        continue;
      }
      if (now.operationId !== old.operationId) report(op, `operationId ${old.operationId} renamed ${now.operationId}`);
      if (JSON.stringify(now.security) !== JSON.stringify(old.security)) report(op, 'asks for other credentials');
      parameters(comparison, op, asArray(old.parameters as Parameter[]), asArray(now.parameters as Parameter[]));
      requestBody(comparison, op, old.requestBody as Json | undefined, now.requestBody as Json | undefined);
      responses(comparison, op, old.responses as Record<string, Json>, now.responses as Record<string, Json>);
    }
  }
  return comparison.issues;
}

function parameters(comparison: Comparison, op: string, before: Parameter[], after: Parameter[]) {
  const key = (p: Parameter) => `${p.in} ${p.name.toLowerCase()}`;
  for (const p of before) {
    const now = after.find((a) => key(a) === key(p));
    if (!now) comparison.issues.push(`${op}: ${p.in} parameter ${p.name} removed`);
    else comparison.schema(p.schema, now.schema, 'request', `${op} ${p.in} parameter ${p.name}`);
  }
  for (const p of after.filter((a) => a.required)) {
    const old = before.find((b) => key(b) === key(p));
    if (!old?.required) comparison.issues.push(`${op}: ${p.in} parameter ${p.name} now required`);
  }
}

function requestBody(comparison: Comparison, op: string, before?: Json, after?: Json) {
  if (!after) {
    if (before) comparison.issues.push(`${op}: request body no longer accepted`);
    return;
  }
  if (after.required && !before?.required) comparison.issues.push(`${op}: request body now required`);
  if (!before) return;
  const contentBefore = (before.content ?? {}) as Record<string, Json>;
  const contentAfter = (after.content ?? {}) as Record<string, Json>;
  for (const [type, media] of Object.entries(contentBefore)) {
    if (!contentAfter[type]) comparison.issues.push(`${op}: request body ${type} no longer accepted`);
    else comparison.schema(media.schema, contentAfter[type].schema, 'request', `${op} request body`);
  }
}

function responses(comparison: Comparison, op: string, before: Record<string, Json>, after: Record<string, Json>) {
  for (const [status, response] of Object.entries(before).filter(([s]) => isSuccess(s))) {
    const now = after[status];
    if (!now) {
      comparison.issues.push(`${op}: response ${status} removed`);
      continue;
    }
    for (const name of Object.keys((response.headers ?? {}) as Json)) {
      if (!((now.headers ?? {}) as Json)[name])
        comparison.issues.push(`${op}: response ${status} header ${name} removed`);
    }
    const contentAfter = (now.content ?? {}) as Record<string, Json>;
    for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, Json>)) {
      if (!contentAfter[type]) comparison.issues.push(`${op}: response ${status} ${type} removed`);
      else comparison.schema(media.schema, contentAfter[type].schema, 'response', `${op} ${status}`);
    }
  }
}

import type { User } from '@cc/store';
import type { RequestSpec } from './http-load';
import type { BenchEnv } from './services';

/** The bench's people: a supervisor who creates customers, an agent who logs calls, managers who own them. */
export const benchUsers: User[] = [
  { id: 'sup-bench', name: 'Bench Supervisor', role: 'supervisor', branchId: 'BR-001', notifyVia: 'inbox' },
  { id: 'agent-bench', name: 'Bench Agent', role: 'agent', branchId: 'BR-001', notifyVia: 'inbox' },
  {
    id: 'mgr-intake',
    name: 'Intake Manager',
    role: 'manager',
    branchId: 'BR-001',
    email: 'mgr-intake@bank.example',
    notifyVia: 'email',
  },
  { id: 'mgr-small', name: 'Manager with 10 items', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' },
  { id: 'mgr-large', name: 'Manager with 10,000 items', role: 'manager', branchId: 'BR-001', notifyVia: 'inbox' },
];

export interface Tokens {
  supervisor: string;
  agent: string;
  mgrSmall: string;
  mgrLarge: string;
}

export async function tokensFor(env: BenchEnv): Promise<Tokens> {
  return {
    supervisor: await env.token('sup-bench', 'supervisor'),
    agent: await env.token('agent-bench', 'agent'),
    mgrSmall: await env.token('mgr-small', 'manager'),
    mgrLarge: await env.token('mgr-large', 'manager'),
  };
}

let counter = 0;
/** Customer numbers the bench makes up; the direct replay refreshes tokens of this shape. */
export const BENCH_NUMBER = /BENCH\d+/g;
export const nextNumber = () => `BENCH${Date.now() % 1_000_000}${++counter}`;

/** POST /customers as a supervisor: a vip customer with a primary manager (one TransactWriteItems). */
export const createCustomerRequest = (token: string, over: Record<string, unknown> = {}): RequestSpec => ({
  method: 'POST',
  path: '/customers',
  token,
  json: {
    customerNumber: nextNumber(),
    name: `Bench Customer ${counter}`,
    type: 'individual',
    level: 'vip',
    primaryManagerId: 'mgr-intake',
    ...over,
  },
});

/** POST /contacts: an agent logs an inbound call for a customer by id (no case opened). */
export const contactRequest = (token: string, customerId: string): RequestSpec => ({
  method: 'POST',
  path: '/contacts',
  token,
  json: {
    customerId,
    direction: 'inbound',
    channel: 'voice',
    startedAt: new Date(Date.now() - 300_000).toISOString(),
    endedAt: new Date(Date.now() - 30_000).toISOString(),
    outcome: 'resolved',
    notes: 'Asked about the card limit',
  },
});

let ipCounter = 0;
/** A distinct client address per request (the public form is limited per address). */
export const nextIp = () => {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

/** POST /public/complaints from a known customer's phone: opens a case routed to their manager and notifies them. */
export const complaintRequest = (phone: string): RequestSpec => ({
  method: 'POST',
  path: '/public/complaints',
  headers: { 'x-forwarded-for': nextIp() },
  json: {
    kind: 'complaint',
    name: 'Li Wei',
    phone,
    category: 'card',
    subject: 'Card blocked abroad',
    description: 'My card was blocked while travelling and nobody called me.',
  },
});

/** A phone number for customer `i` of a pool (valid E.164 mobile numbers). */
export const poolPhone = (i: number) => `+86138${String(10_000_000 + i).slice(-8)}`;

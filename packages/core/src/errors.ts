/**
 * Domain errors carry a stable machine-readable `code` and no HTTP status.
 * The API maps codes to problem+json responses in one table (packages/api/src/problems.ts).
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that breaks a rule; `errors` lists the offending fields. */
export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly errors: FieldIssue[] = [],
    code = 'request.invalid',
  ) {
    super(code, message, { errors });
  }
}

/** The object does not exist, or exists outside the caller's scope (never revealed). */
export class NotFoundError extends DomainError {
  constructor(resource: string, id?: string) {
    super(`${resource}.not_found`, id ? `${resource} ${id} was not found` : `${resource} was not found`);
  }
}

/** A concurrent or stale write, or a uniqueness clash. */
export class ConflictError extends DomainError {}

/** A state machine refused the move; `allowed` names the legal next states. */
export class InvalidTransitionError extends DomainError {
  constructor(
    resource: string,
    from: string,
    to: string,
    readonly allowed: readonly string[],
  ) {
    super(`${resource}.invalid_transition`, `${resource} cannot move from ${from} to ${to}`, { from, to, allowed });
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends DomainError {
  constructor(message: string, code = 'auth.forbidden') {
    super(code, message);
  }
}

/** The caller is not authenticated (missing, forged or expired credentials). */
export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid bearer token is required', code = 'auth.unauthenticated') {
    super(code, message);
  }
}

/** A request signed by a provider (Twilio, the mail relay) failed verification. */
export class SignatureError extends DomainError {
  constructor(message = 'The request signature is missing or invalid') {
    super('webhook.signature_invalid', message);
  }
}

/** Same idempotency key, different request. */
export class IdempotencyMismatchError extends DomainError {
  constructor() {
    super('idempotency.key_reused', 'This Idempotency-Key was already used with a different request');
  }
}

export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('request.rate_limited', 'Too many requests; try again later', { retryAfterSeconds });
  }
}

/** A dependency (DynamoDB, SQS) did not answer. */
export class DependencyUnavailableError extends DomainError {
  constructor(dependency: string, cause?: unknown) {
    super('dependency.unavailable', `${dependency} is unavailable`);
    this.cause = cause;
  }
}

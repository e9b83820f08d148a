import type { Logger } from '@cc/core';
import type { StoreContext } from '@cc/store';
import type { ServiceSettings } from './settings';

/** What every service is built with; a composition root makes one (composeServices). */
export interface ServiceContext {
  store: StoreContext;
  settings: ServiceSettings;
  clock: () => Date;
  /** Time-ordered unique ids (ULIDs), minted at the given time. */
  newId: (at?: number) => string;
  log: Logger;
}
